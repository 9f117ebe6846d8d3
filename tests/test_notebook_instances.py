"""Notebook instances through real boto3 against the real server: the status machine on the
simulated clock, AWS's errors, the notebook-instance quota and the bill while InService."""
import time

import pytest
from botocore.exceptions import ClientError

from labcloud import billing, config
from labcloud.services.sagemaker.notebooks import notebook_arn


@pytest.fixture(scope="module")
def sm(aws):
    return aws("sagemaker")


def wait_status(sm, name, wanted, timeout=30):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        try:
            status = sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]
        except ClientError as err:
            if wanted is None and err.response["Error"]["Message"] == "RecordNotFound":
                return seen
            raise
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == wanted:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"{name} never reached {wanted}; saw {seen}")


def create(sm, name, instance_type="ml.t3.medium"):
    return sm.create_notebook_instance(NotebookInstanceName=name, InstanceType=instance_type,
                                       RoleArn=config.EXECUTION_ROLE_ARN)


def message(err):
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def bill_line(cloud, name):
    rows = [r for r in billing.fetch(cloud.url)["items"] if r["resource"] == name]
    assert len(rows) == 1, rows
    return rows[0]


def test_lifecycle_errors_and_bill(sm, cloud, name):
    arn = create(sm, name)["NotebookInstanceArn"]
    assert arn == notebook_arn(name) == config.arn("sagemaker", f"notebook-instance/{name}")
    d = sm.describe_notebook_instance(NotebookInstanceName=name)
    assert d["NotebookInstanceStatus"] == "Pending"
    assert d["InstanceType"] == "ml.t3.medium" and d["RoleArn"] == config.EXECUTION_ROLE_ARN
    assert d["Url"] == f"{name}.notebook.{config.REGION}.sagemaker.aws"
    assert d["VolumeSizeInGB"] == 5 and d["DirectInternetAccess"] == "Enabled"
    assert wait_status(sm, name, "InService")[-1] == "InService"
    d2 = sm.describe_notebook_instance(NotebookInstanceName=name)
    # starting took simulated minutes, not wall-clock ones
    assert (d2["LastModifiedTime"] - d["CreationTime"]).total_seconds() >= 240

    with pytest.raises(ClientError) as err:
        sm.delete_notebook_instance(NotebookInstanceName=name)
    assert message(err) == ("ValidationException", f"Status (InService) not in ([Stopped, "
                            f"Failed]). Unable to transition to (Deleting) for Notebook Instance "
                            f"({arn}).")
    with pytest.raises(ClientError) as err:
        sm.start_notebook_instance(NotebookInstanceName=name)
    assert "Unable to transition to (Pending)" in message(err)[1]
    with pytest.raises(ClientError) as err:
        sm.update_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t3.large")
    assert "Status (InService) not in ([Stopped, Failed]). Unable to transition to (Updating)" \
        in message(err)[1]

    # billed while InService: an hour on the clock is an hour on the bill
    before = bill_line(cloud, name)
    assert before["usage"] == "notebook" and before["status"] == "InService"
    cloud_clock_advance(cloud, 3600)
    after = bill_line(cloud, name)
    assert after["seconds"] - before["seconds"] >= 3600
    assert after["cost_usd"] == pytest.approx(after["seconds"] * after["usd_per_hour"] / 3600)

    sm.stop_notebook_instance(NotebookInstanceName=name)
    assert sm.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"] \
        == "Stopping"
    with pytest.raises(ClientError) as err:
        sm.stop_notebook_instance(NotebookInstanceName=name)
    assert message(err)[1] == (f"Status (Stopping) not in ([InService]). Unable to transition "
                               f"to (Stopping) for Notebook Instance ({arn}).")
    wait_status(sm, name, "Stopped")
    stopped = bill_line(cloud, name)
    cloud_clock_advance(cloud, 7200)
    assert bill_line(cloud, name)["seconds"] == stopped["seconds"]  # a stopped one costs nothing

    sm.update_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t2.medium",
                                VolumeSizeInGB=10)
    assert wait_status(sm, name, "Stopped")[0] in ("Updating", "Stopped")
    d = sm.describe_notebook_instance(NotebookInstanceName=name)
    assert d["InstanceType"] == "ml.t2.medium" and d["VolumeSizeInGB"] == 10

    sm.start_notebook_instance(NotebookInstanceName=name)
    wait_status(sm, name, "InService")
    sm.stop_notebook_instance(NotebookInstanceName=name)
    wait_status(sm, name, "Stopped")
    sm.delete_notebook_instance(NotebookInstanceName=name)
    wait_status(sm, name, None)
    with pytest.raises(ClientError) as err:
        sm.describe_notebook_instance(NotebookInstanceName=name)
    assert message(err) == ("ValidationException", "RecordNotFound")
    # a deleted instance stays on the bill with what it cost
    assert bill_line(cloud, name)["status"] == "Deleted"
    assert bill_line(cloud, name)["seconds"] >= stopped["seconds"]


def cloud_clock_advance(cloud, seconds):
    from labcloud import clock
    clock.advance(seconds=seconds, endpoint_url=cloud.url)


def test_duplicate_missing_and_bad_role(sm, name):
    create(sm, name)
    with pytest.raises(ClientError) as err:
        create(sm, name)
    assert message(err) == ("ValidationException", "Cannot create a duplicate Notebook "
                            f"Instance ({notebook_arn(name)})")
    for op in ("describe_notebook_instance", "stop_notebook_instance",
               "start_notebook_instance", "delete_notebook_instance"):
        with pytest.raises(ClientError) as err:
            getattr(sm, op)(NotebookInstanceName=name + "-none")
        assert message(err) == ("ValidationException", "RecordNotFound")
    role = f"arn:aws:iam::{config.ACCOUNT_ID}:role/no-such-role"
    with pytest.raises(ClientError) as err:
        sm.create_notebook_instance(NotebookInstanceName=name + "-r", InstanceType="ml.t3.medium",
                                    RoleArn=role)
    assert message(err)[1].startswith(f"Could not assume role {role}.")
    wait_status(sm, name, "InService")
    sm.stop_notebook_instance(NotebookInstanceName=name)
    wait_status(sm, name, "Stopped")
    sm.delete_notebook_instance(NotebookInstanceName=name)


def test_list_filters_and_sorts(sm, name):
    for suffix in ("b", "a"):
        create(sm, f"{name}-{suffix}", "ml.t2.medium")
    listed = sm.list_notebook_instances(NameContains=name, SortBy="Name", SortOrder="Ascending")
    assert [n["NotebookInstanceName"] for n in listed["NotebookInstances"]] == [
        f"{name}-a", f"{name}-b"]
    assert set(listed["NotebookInstances"][0]) >= {
        "NotebookInstanceName", "NotebookInstanceArn", "NotebookInstanceStatus", "Url",
        "InstanceType", "CreationTime", "LastModifiedTime"}
    page = sm.list_notebook_instances(NameContains=name, MaxResults=1)
    assert len(page["NotebookInstances"]) == 1 and page["NextToken"]
    for suffix in ("a", "b"):
        wait_status(sm, f"{name}-{suffix}", "InService")
    in_service = sm.list_notebook_instances(NameContains=name, StatusEquals="InService")
    assert len(in_service["NotebookInstances"]) == 2
    assert sm.list_notebook_instances(NameContains=name, StatusEquals="Stopped")[
        "NotebookInstances"] == []
    for suffix in ("a", "b"):
        sm.stop_notebook_instance(NotebookInstanceName=f"{name}-{suffix}")


def test_quota_counts_running_notebook_instances(sm, aws, cloud, name):
    """ml.m5.xlarge notebooks (0 by default, no other test uses them): refused, then raised to 1
    through Service Quotas, then one running instance fills the quota."""
    sq = aws("service-quotas")
    quota = next(q for q in sq.get_paginator("list_service_quotas").paginate(
        ServiceCode="sagemaker").build_full_result()["Quotas"]
        if q["QuotaName"] == "ml.m5.xlarge for notebook instance usage")
    assert quota["Value"] == 0
    with pytest.raises(sm.exceptions.ResourceLimitExceeded) as err:
        create(sm, name + "-zero", "ml.m5.xlarge")
    assert "'ml.m5.xlarge for notebook instance usage' is 0 Instances" in message(err)[1]
    sq.request_service_quota_increase(ServiceCode="sagemaker", QuotaCode=quota["QuotaCode"],
                                      DesiredValue=1)
    cloud_clock_advance(cloud, 31 * 60)
    limit = int(sq.get_service_quota(ServiceCode="sagemaker",
                                     QuotaCode=quota["QuotaCode"])["Quota"]["Value"])
    assert limit == 1
    names = [f"{name}-{i}" for i in range(limit)]
    for n in names:
        create(sm, n, "ml.m5.xlarge")
    with pytest.raises(sm.exceptions.ResourceLimitExceeded) as err:
        create(sm, name + "-over", "ml.m5.xlarge")
    assert message(err)[1].startswith(
        f"The account-level service limit 'ml.m5.xlarge for notebook instance usage' is {limit} "
        f"Instances, with current utilization of {limit} Instances and a request delta of 1 "
        "Instances.")
    if names:  # a stopped instance frees its slot; starting it again counts again
        wait_status(sm, names[0], "InService")
        sm.stop_notebook_instance(NotebookInstanceName=names[0])
        wait_status(sm, names[0], "Stopped")
        create(sm, name + "-over", "ml.m5.xlarge")
        with pytest.raises(sm.exceptions.ResourceLimitExceeded):
            sm.start_notebook_instance(NotebookInstanceName=names[0])


def test_a_restart_finishes_the_transition_under_way(tmp_path):
    """The server stops while an instance is Pending; the restarted server brings it InService."""
    import boto3

    import labcloud

    home = tmp_path / "home"
    conn = labcloud.start(home, export=False, quiet=True)
    try:
        client = boto3.client("sagemaker", endpoint_url=conn.url, region_name=config.REGION,
                              aws_access_key_id="x", aws_secret_access_key="y")
        create(client, "survivor")
    finally:
        labcloud.stop(home)
    conn = labcloud.start(home, export=False, quiet=True)
    try:
        client = boto3.client("sagemaker", endpoint_url=conn.url, region_name=config.REGION,
                              aws_access_key_id="x", aws_secret_access_key="y")
        assert wait_status(client, "survivor", "InService")[-1] == "InService"
    finally:
        labcloud.stop(home)
