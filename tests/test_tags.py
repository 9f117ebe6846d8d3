"""SageMaker tags through the real boto3 client: the Tags of Create* calls, AddTags, ListTags,
DeleteTags, paging, the 50-tag limit, unknown ARNs, and tags going with their resource."""
import contextlib
import sqlite3

import pytest
from botocore.exceptions import ParamValidationError, WaiterError

from labcloud import config
from test_endpoints import ARN, FAST, error, variant
from test_models import IMAGE, artifact  # noqa: F401 (artifact: a fixture)
from test_training_jobs import params


def tags(*pairs):
    return [{"Key": k, "Value": v} for k, v in pairs]


def listed(sm, arn):
    return sm.list_tags(ResourceArn=arn)["Tags"]


def stored_tags(cloud, arn):
    """The tag row the server keeps for `arn`, read from its SQLite store (None: no row)."""
    with sqlite3.connect(cloud.home / "state.db") as db:
        return db.execute("SELECT doc FROM resources WHERE kind='sagemaker-tags' AND name=?",
                          (arn,)).fetchone()


def make_model(sm, name, artifact, **kw):  # noqa: F811
    return sm.create_model(ModelName=name, ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
                           PrimaryContainer={"Image": IMAGE, "ModelDataUrl": artifact},
                           **kw)["ModelArn"]


def test_create_calls_keep_their_tags(aws, name, bucket, artifact):  # noqa: F811
    sm = aws("sagemaker")
    team = tags(("team", "ml"), ("cost-center", "42"))
    model = make_model(sm, name, artifact, Tags=team)
    config_arn = sm.create_endpoint_config(EndpointConfigName=name, Tags=tags(("stage", "a")),
                                           ProductionVariants=[variant("AllTraffic", name)]
                                           )["EndpointConfigArn"]
    group = sm.create_model_package_group(ModelPackageGroupName=name, Tags=team
                                          )["ModelPackageGroupArn"]
    job = sm.create_training_job(**params(name, bucket), Tags=tags(("run", "1")))["TrainingJobArn"]
    assert listed(sm, model) == team
    assert listed(sm, config_arn) == tags(("stage", "a"))
    assert listed(sm, group) == team
    assert listed(sm, job) == tags(("run", "1"))
    assert job == f"{ARN}:training-job/{name}"
    untagged = make_model(sm, name + "-2", artifact)
    assert listed(sm, untagged) == []
    # a key given twice in one call keeps its last value, as AddTags does
    twice = make_model(sm, name + "-3", artifact, Tags=tags(("k", "1"), ("k", "2")))
    assert listed(sm, twice) == tags(("k", "2"))


def test_add_list_delete(aws, name, artifact):  # noqa: F811
    sm = aws("sagemaker")
    arn = make_model(sm, name, artifact, Tags=tags(("a", "1"), ("b", "2")))
    out = sm.add_tags(ResourceArn=arn, Tags=tags(("c", "3"), ("a", "changed")))
    assert out["Tags"] == tags(("c", "3"), ("a", "changed"))
    assert listed(sm, arn) == tags(("a", "changed"), ("b", "2"), ("c", "3"))
    assert sm.add_tags(ResourceArn=arn, Tags=[{"Key": "empty", "Value": ""}])["Tags"] == [
        {"Key": "empty", "Value": ""}]
    sm.delete_tags(ResourceArn=arn, TagKeys=["b", "not-there", "empty"])
    assert listed(sm, arn) == tags(("a", "changed"), ("c", "3"))
    sm.delete_tags(ResourceArn=arn, TagKeys=["a", "c"])
    assert listed(sm, arn) == []
    sm.add_tags(ResourceArn=arn, Tags=tags(("again", "yes")))
    assert listed(sm, arn) == tags(("again", "yes"))


def test_fifty_tags_a_resource_and_paging(aws, name, artifact):  # noqa: F811
    sm = aws("sagemaker")
    first = tags(*[(f"k{i:02}", str(i)) for i in range(10)])
    arn = make_model(sm, name, artifact, Tags=first)
    sm.add_tags(ResourceArn=arn, Tags=tags(*[(f"k{i:02}", str(i)) for i in range(10, 50)]))
    fifty = tags(*[(f"k{i:02}", str(i)) for i in range(50)])
    e = error(sm.add_tags, ResourceArn=arn, Tags=tags(("k05", "new"), ("one-too-many", "x")))
    assert e == {"Code": "ValidationException", "Message": (
        f"Cannot add 1 tags to resource {arn}: a resource can have at most 50 tags and it has 50.")}
    assert listed(sm, arn) == fifty  # the refused call changed nothing, not even k05
    sm.add_tags(ResourceArn=arn, Tags=tags(("k05", "new")))  # a new value is not a new tag
    fifty[5]["Value"] = "new"
    out = sm.list_tags(ResourceArn=arn, MaxResults=50)
    assert out["Tags"] == fifty and "NextToken" not in out
    pages = list(sm.get_paginator("list_tags").paginate(ResourceArn=arn))
    assert [t for p in pages for t in p["Tags"]] == fifty
    with pytest.raises(ParamValidationError, match="valid min value: 50"):  # botocore's own check
        sm.list_tags(ResourceArn=arn, MaxResults=49)
    e = error(sm.list_tags, ResourceArn=arn, NextToken="forged")
    assert e == {"Code": "ValidationException", "Message": "Invalid pagination token given."}
    e = error(sm.create_model, ModelName=name + "-2", ExecutionRoleArn=config.EXECUTION_ROLE_ARN,
              PrimaryContainer={"Image": IMAGE, "ModelDataUrl": artifact}, Tags=fifty + tags(("x", "")))
    assert e["Code"] == "ValidationException" and "length less than or equal to 50" in e["Message"]
    assert error(sm.describe_model, ModelName=name + "-2")["Code"] == "ValidationException"


def test_an_arn_that_names_no_resource(aws, name):
    sm = aws("sagemaker")
    for kind in ("model", "endpoint", "endpoint-config", "training-job", "model-package-group"):
        arn = f"{ARN}:{kind}/{name}"
        expected = {"Code": "ValidationException", "Message": f"Resource {arn} does not exist."}
        assert error(sm.list_tags, ResourceArn=arn) == expected
        assert error(sm.add_tags, ResourceArn=arn, Tags=tags(("a", "1"))) == expected
        assert error(sm.delete_tags, ResourceArn=arn, TagKeys=["a"]) == expected
    e = error(sm.list_tags, ResourceArn=f"arn:aws:s3:::{name}")
    assert e["Message"] == (
        f"1 validation error detected: Value 'arn:aws:s3:::{name}' at 'resourceArn' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: "
        "arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+")
    # another account's ARN of a resource that exists here is not that resource
    sm.create_model_package_group(ModelPackageGroupName=name)
    other = f"arn:aws:sagemaker:{config.REGION}:000000000000:model-package-group/{name}"
    assert error(sm.list_tags, ResourceArn=other)["Message"] == f"Resource {other} does not exist."


def test_tags_go_with_their_resource(aws, cloud, name, artifact):  # noqa: F811
    sm = aws("sagemaker")
    team = tags(("team", "ml"))
    model = make_model(sm, name, artifact, Tags=team)
    config_arn = sm.create_endpoint_config(EndpointConfigName=name, Tags=team,
                                           ProductionVariants=[variant("AllTraffic", name)]
                                           )["EndpointConfigArn"]
    group = sm.create_model_package_group(ModelPackageGroupName=name, Tags=team
                                          )["ModelPackageGroupArn"]
    endpoint = sm.create_endpoint(EndpointName=name, EndpointConfigName=name, Tags=team
                                  )["EndpointArn"]
    assert listed(sm, endpoint) == team
    with contextlib.suppress(WaiterError):  # InService or Failed: either can be deleted
        sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=FAST)
    sm.delete_endpoint(EndpointName=name)  # the row goes when the deletion ends, later
    sm.get_waiter("endpoint_deleted").wait(EndpointName=name, WaiterConfig=FAST)
    assert stored_tags(cloud, endpoint) is None
    assert error(sm.list_tags, ResourceArn=endpoint)["Message"] == f"Resource {endpoint} does not exist."
    sm.delete_endpoint_config(EndpointConfigName=name)
    sm.delete_model(ModelName=name)
    sm.delete_model_package_group(ModelPackageGroupName=name)
    for arn in (model, config_arn, group):
        assert stored_tags(cloud, arn) is None
        assert error(sm.list_tags, ResourceArn=arn)["Message"] == f"Resource {arn} does not exist."
    # the same names again start with no tags
    assert make_model(sm, name, artifact) == model and listed(sm, model) == []
    sm.create_model_package_group(ModelPackageGroupName=name)
    assert listed(sm, group) == []


def test_tags_survive_a_restart(own_cloud):
    cloud = own_cloud.start()
    sm = own_cloud("sagemaker")
    group = sm.create_model_package_group(ModelPackageGroupName="kept", Tags=tags(("a", "1"))
                                          )["ModelPackageGroupArn"]
    sm.add_tags(ResourceArn=group, Tags=tags(("b", "2")))
    own_cloud.restart()
    assert cloud is not own_cloud.conn
    assert listed(own_cloud("sagemaker"), group) == tags(("a", "1"), ("b", "2"))
