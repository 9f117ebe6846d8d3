"""Session: the SDK's handle on your AWS account, and the waits and transcripts built on it.

Every method is a few boto3 calls (named in its docstring), so you can do the same by hand.
On labcloud the waits poll every 0.5 s (the real SDK sleeps 5-30 s between polls, because real
jobs take minutes; labcloud jobs take seconds).
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import time

import boto3
from botocore.exceptions import ClientError

from . import logs as _logs
from .deprecations import deprecated_class
from .exceptions import CapacityError, UnexpectedStatusException
from .inputs import ShuffleConfig as _ShuffleConfig
from .inputs import TrainingInput

LOGGER = logging.getLogger("labcloud.sdk")
POLL_SECONDS = 0.5
TRANSFORM_LOG_GROUP = "/aws/sagemaker/TransformJobs"
TRANSFORM_STATUS_CODES = {"Completed": "!", "InProgress": ".", "Failed": "*", "Stopped": "s",
                          "Stopping": "_"}
# DescribeEndpoint's status -> the character v2 prints per poll while it waits (`---!`)
HOSTING_STATUS_CODES = {"OutOfService": "x", "Creating": "-", "Updating": "-", "InService": "!",
                        "RollingBack": "<", "Deleting": "o", "Failed": "*"}
HOSTING_IN_PROGRESS = ("Creating", "Updating")
ENDPOINT_TROUBLESHOOTING = (
    "Try changing the instance type or reference the troubleshooting page "
    "https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-troubleshooting.html")
TROUBLESHOOTING = ("https://docs.aws.amazon.com/sagemaker/latest/dg/"
                   "sagemaker-python-sdk-troubleshooting.html")


class Session:
    """Holds a boto3 session and the clients made from it.

    Attributes: boto_session, boto_region_name, sagemaker_client, sagemaker_runtime_client.
    """

    def __init__(self, boto_session=None, sagemaker_client=None, sagemaker_runtime_client=None,
                 default_bucket: str | None = None):
        self.boto_session = boto_session or boto3.DEFAULT_SESSION or boto3.Session()
        self.boto_region_name = self.boto_session.region_name
        if self.boto_region_name is None:
            raise ValueError(
                "Must setup local AWS configuration with a region supported by SageMaker.")
        self.sagemaker_client = sagemaker_client or self.boto_session.client("sagemaker")
        self.sagemaker_runtime_client = (sagemaker_runtime_client
                                         or self.boto_session.client("sagemaker-runtime"))
        self.s3_client = self.boto_session.client("s3")
        self._default_bucket_name_override = default_bucket
        self._default_bucket: str | None = None

    # ---- account ----------------------------------------------------------------------------
    def account_id(self) -> str:
        """sts:GetCallerIdentity -> Account."""
        return self.boto_session.client("sts").get_caller_identity()["Account"]

    def get_caller_identity_arn(self) -> str:
        """sts:GetCallerIdentity, then iam:GetRole for the role's path.

        On a SageMaker notebook the caller is an assumed role,
        arn:aws:sts::<acct>:assumed-role/<Role>/<session>; the role's own ARN is
        arn:aws:iam::<acct>:role/<path><Role>, and only IAM knows the path (/service-role/).
        """
        assumed_role = self.boto_session.client("sts").get_caller_identity()["Arn"]
        role = re.sub(r"^(.+)sts::(\d+):assumed-role/(.+?)/.*$", r"\1iam::\2:role/\3",
                      assumed_role)
        role_name = role[role.rfind("/") + 1:]
        try:
            role = self.boto_session.client("iam").get_role(RoleName=role_name)["Role"]["Arn"]
        except ClientError:
            LOGGER.warning("Couldn't call 'get_role' to get Role ARN from role name %s to get "
                           "Role path.", role_name)
            if "AmazonSageMaker-ExecutionRole" in assumed_role:
                LOGGER.warning(
                    "Assuming role was created in SageMaker AWS console, as the name contains "
                    "`AmazonSageMaker-ExecutionRole`. Defaulting to Role ARN with service-role "
                    "in path. If this Role ARN is incorrect, please add IAM read permissions to "
                    "your role or supply the Role Arn directly.")
                role = re.sub(r"^(.+)sts::(\d+):assumed-role/(.+?)/.*$",
                              r"\1iam::\2:role/service-role/\3", assumed_role)
        return role

    def expand_role(self, role: str) -> str:
        """A role name -> its ARN (iam:GetRole); an ARN is returned as it is."""
        if "/" in role:
            return role
        return self.boto_session.client("iam").get_role(RoleName=role)["Role"]["Arn"]

    # ---- S3 ---------------------------------------------------------------------------------
    def default_bucket(self) -> str:
        """sagemaker-<region>-<account>: sts:GetCallerIdentity, s3:HeadBucket, and
        s3:CreateBucket when HeadBucket answers 404."""
        if self._default_bucket:
            return self._default_bucket
        name = self._default_bucket_name_override or \
            f"sagemaker-{self.boto_region_name}-{self.account_id()}"
        try:
            self.s3_client.head_bucket(Bucket=name)
        except ClientError as err:
            if err.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
                raise
            if self.boto_region_name == "us-east-1":
                self.s3_client.create_bucket(Bucket=name)
            else:
                self.s3_client.create_bucket(Bucket=name, CreateBucketConfiguration={
                    "LocationConstraint": self.boto_region_name})
        self._default_bucket = name
        return name

    def upload_data(self, path: str, bucket: str | None = None, key_prefix: str = "data",
                    extra_args: dict | None = None) -> str:
        """Upload a file (-> s3://bucket/prefix/name) or a directory, keeping its sub-folders
        (-> s3://bucket/prefix). One s3:PutObject per file."""
        bucket = bucket or self.default_bucket()
        key_prefix = key_prefix.strip("/")
        files, key_suffix = [], None
        if os.path.isdir(path):
            for dirpath, _, filenames in os.walk(path):
                for name in sorted(filenames):
                    rel = "" if dirpath == path else os.path.relpath(dirpath, path) + "/"
                    files.append((os.path.join(dirpath, name), f"{key_prefix}/{rel}{name}"))
        else:
            key_suffix = os.path.basename(path)
            files.append((path, f"{key_prefix}/{key_suffix}"))
        for local_path, key in files:
            self.s3_client.upload_file(local_path, bucket, key, ExtraArgs=extra_args)
        uri = f"s3://{bucket}/{key_prefix}"
        return f"{uri}/{key_suffix}" if key_suffix else uri

    def download_data(self, path: str, bucket: str, key_prefix: str = "",
                      extra_args: dict | None = None) -> list[str]:
        """Download every object under s3://bucket/key_prefix into `path` (s3:ListObjectsV2,
        then s3:GetObject per key). Returns the local paths."""
        keys, token = [], None
        while True:
            kwargs = {"ContinuationToken": token} if token else {}
            page = self.s3_client.list_objects_v2(Bucket=bucket, Prefix=key_prefix, **kwargs)
            if not page.get("Contents"):
                if not keys:
                    LOGGER.info("Nothing to download from bucket: %s, key_prefix: %s.",
                                bucket, key_prefix)
                break
            keys += [o["Key"] for o in page["Contents"]
                     if not (o["Key"].endswith("/") and o["Size"] == 0)]
            token = page.get("NextContinuationToken")
            if not token:
                break
        root = os.path.realpath(path)
        downloaded = []
        for key in keys:
            tail = os.path.basename(key)
            if not os.path.splitext(key_prefix)[1]:
                tail = os.path.relpath(key, key_prefix) if key_prefix else key
            destination = os.path.realpath(os.path.join(path, tail))
            if os.path.commonpath([root, destination]) != root:
                raise ValueError(f"Key {key} would be written outside {path}.")
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            self.s3_client.download_file(bucket, key, destination, ExtraArgs=extra_args)
            downloaded.append(destination)
        return downloaded

    # ---- training jobs ----------------------------------------------------------------------
    def describe_training_job(self, job_name: str) -> dict:
        """sagemaker:DescribeTrainingJob."""
        return self.sagemaker_client.describe_training_job(TrainingJobName=job_name)

    def wait_for_job(self, job: str, poll: float = POLL_SECONDS) -> dict:
        """DescribeTrainingJob every `poll` seconds until the job ends, printing a status line
        when the secondary status changes and '.' otherwise; raises UnexpectedStatusException if
        the job failed."""
        status = _logs.StatusPrinter(dots_follow=True)
        while True:
            desc = self.describe_training_job(job)
            if not status.print_new(desc):
                print(".", end="", flush=True)
            if desc["TrainingJobStatus"] in _logs.TERMINAL:
                print()
                break
            time.sleep(poll)
        check_job_status(job, desc, "TrainingJobStatus")
        return desc

    def logs_for_job(self, job_name: str, wait: bool = False, poll: float = POLL_SECONDS,
                     log_type: str = "All", timeout: float | None = None) -> dict:
        """Print the job's transcript: status lines from DescribeTrainingJob's
        SecondaryStatusTransitions, the container's lines from CloudWatch Logs
        (DescribeLogStreams, GetLogEvents), and with `wait`, follow the job to its end, raise
        if it failed, then print 'Training seconds:' and 'Billable seconds:'."""
        logs_client = self.boto_session.client("logs")
        desc = _logs.tail_training_job(self.sagemaker_client, logs_client, job_name, wait, poll,
                                       show_logs=log_type in ("All", "Training", True),
                                       timeout=timeout)
        if wait and desc["TrainingJobStatus"] in _logs.TERMINAL:
            check_job_status(job_name, desc, "TrainingJobStatus")
            count = desc["ResourceConfig"]["InstanceCount"]
            training_time = desc.get("TrainingTimeInSeconds")
            billable_time = desc.get("BillableTimeInSeconds")
            if training_time is not None:
                print("Training seconds:", training_time * count)
            if billable_time is not None:
                print("Billable seconds:", billable_time * count)
                if desc.get("EnableManagedSpotTraining"):
                    saving = (1 - float(billable_time) / training_time) * 100
                    print("Managed Spot Training savings: {:.1f}%".format(saving))
        return desc

    # ---- models -----------------------------------------------------------------------------
    def create_model(self, name: str, role: str | None = None, container_defs=None,
                     vpc_config: dict | None = None, enable_network_isolation: bool = False,
                     primary_container: dict | None = None, tags: list[dict] | None = None) -> str:
        """sagemaker:CreateModel. `container_defs` is one container definition (-> the request's
        PrimaryContainer) or a list of them (-> Containers); see `container_def`. A model that
        already exists is used as it is, with v2's warning. Returns the model's name."""
        if container_defs and primary_container:
            raise ValueError("Both container_defs and primary_container can not be passed as "
                             "input")
        request: dict = {"ModelName": name, "ExecutionRoleArn": self.expand_role(role)}
        if primary_container:
            request["PrimaryContainer"] = primary_container
        elif isinstance(container_defs, list):
            request["Containers"] = container_defs
        else:
            request["PrimaryContainer"] = container_defs
        if vpc_config:
            request["VpcConfig"] = vpc_config
        if enable_network_isolation:
            request["EnableNetworkIsolation"] = True
        if tags:
            request["Tags"] = tags
        LOGGER.info("Creating model with name: %s", name)
        try:
            self.sagemaker_client.create_model(**request)
        except ClientError as err:
            message = err.response["Error"]["Message"]
            if (err.response["Error"]["Code"] == "ValidationException"
                    and "Cannot create already existing model" in message):
                LOGGER.warning("Using already existing model: %s", name)
            else:
                raise
        return name

    def create_model_from_job(self, training_job_name: str, name: str | None = None,
                              role: str | None = None, image_uri: str | None = None,
                              env: dict | None = None, **kwargs) -> str:
        """DescribeTrainingJob, then CreateModel with the job's image and model artifact,
        named after the job unless `name` is given."""
        job = self.describe_training_job(training_job_name)
        name = name or training_job_name
        primary = container_def(image_uri or job["AlgorithmSpecification"]["TrainingImage"],
                                job["ModelArtifacts"]["S3ModelArtifacts"], env)
        return self.create_model(name, role or job["RoleArn"], primary, **kwargs)

    def delete_model(self, model_name: str) -> None:
        """sagemaker:DeleteModel."""
        LOGGER.info("Deleting model with name: %s", model_name)
        self.sagemaker_client.delete_model(ModelName=model_name)

    # ---- endpoints --------------------------------------------------------------------------
    def create_endpoint_config(self, name: str, model_name: str, initial_instance_count: int,
                               instance_type: str, accelerator_type: str | None = None,
                               tags: list[dict] | None = None, kms_key: str | None = None,
                               data_capture_config_dict: dict | None = None) -> str:
        """sagemaker:CreateEndpointConfig with one variant, AllTraffic, of the model."""
        LOGGER.info("Creating endpoint-config with name %s", name)
        request: dict = {"EndpointConfigName": name, "ProductionVariants": [production_variant(
            model_name, instance_type, initial_instance_count,
            accelerator_type=accelerator_type)]}
        if tags:
            request["Tags"] = tags
        if kms_key is not None:
            request["KmsKeyId"] = kms_key
        if data_capture_config_dict is not None:
            request["DataCaptureConfig"] = data_capture_config_dict
        self.sagemaker_client.create_endpoint_config(**request)
        return name

    def create_endpoint_config_from_existing(
            self, existing_config_name: str, new_config_name: str,
            new_tags: list[dict] | None = None, new_kms_key: str | None = None,
            new_data_capture_config_dict: dict | None = None,
            new_production_variants: list[dict] | None = None) -> None:
        """DescribeEndpointConfig of the existing config, then CreateEndpointConfig of a new
        one: the same, except what is given here. (An endpoint config cannot be changed; to
        change an endpoint you make a new config and UpdateEndpoint to it.)

        Tags: `new_tags`, else the existing config's own (ListTags, as v2), so a config made by
        update_endpoint keeps the tags a team's cost report or clean-up script looks for."""
        LOGGER.info("Creating endpoint-config with name %s", new_config_name)
        existing = self.sagemaker_client.describe_endpoint_config(
            EndpointConfigName=existing_config_name)
        request: dict = {"EndpointConfigName": new_config_name,
                         "ProductionVariants": (new_production_variants
                                                or existing["ProductionVariants"])}
        request_tags = new_tags or self.list_tags(existing["EndpointConfigArn"])
        if request_tags:
            request["Tags"] = request_tags
        if new_kms_key is not None or existing.get("KmsKeyId") is not None:
            request["KmsKeyId"] = new_kms_key or existing.get("KmsKeyId")
        capture = new_data_capture_config_dict or existing.get("DataCaptureConfig")
        if capture is not None:
            request["DataCaptureConfig"] = capture
        self.sagemaker_client.create_endpoint_config(**request)

    def list_tags(self, resource_arn: str, max_results: int = 50) -> list[dict]:
        """Every tag of the resource (ListTags, page after page), without the reserved `aws:`
        ones, which a Create* call may not be given back. (v2 reads the next page's token as
        `nextToken`, which ListTags never returns, so it reads one page; this reads them all.)"""
        tags: list[dict] = []
        request = {"ResourceArn": resource_arn, "MaxResults": max_results}
        while True:
            response = self.sagemaker_client.list_tags(**request)
            tags.extend(response["Tags"])
            if not response.get("NextToken"):
                return [t for t in tags if "aws:" not in t["Key"]]
            request["NextToken"] = response["NextToken"]

    def create_endpoint(self, endpoint_name: str, config_name: str,
                        tags: list[dict] | None = None, wait: bool = True) -> str:
        """sagemaker:CreateEndpoint, then (with `wait`) wait_for_endpoint."""
        LOGGER.info("Creating endpoint with name %s", endpoint_name)
        with _troubleshooting_on_error("create-endpoint"):
            self.sagemaker_client.create_endpoint(EndpointName=endpoint_name,
                                                  EndpointConfigName=config_name,
                                                  Tags=tags or [])
            if wait:
                self.wait_for_endpoint(endpoint_name)
        return endpoint_name

    def endpoint_from_production_variants(self, name: str, production_variants: list[dict],
                                          tags: list[dict] | None = None,
                                          kms_key: str | None = None, wait: bool = True,
                                          data_capture_config_dict: dict | None = None) -> str:
        """CreateEndpointConfig named `name` with these variants (see production_variant), then
        CreateEndpoint of the same name on it, and (with `wait`) wait until it is InService.
        Several variants share the traffic by weight: each gets weight / sum of the weights."""
        request: dict = {"EndpointConfigName": name, "ProductionVariants": production_variants}
        if tags:
            request["Tags"] = tags
        if kms_key:
            request["KmsKeyId"] = kms_key
        if data_capture_config_dict is not None:
            request["DataCaptureConfig"] = data_capture_config_dict
        LOGGER.info("Creating endpoint-config with name %s", name)
        self.sagemaker_client.create_endpoint_config(**request)
        return self.create_endpoint(endpoint_name=name, config_name=name, tags=tags, wait=wait)

    def update_endpoint(self, endpoint_name: str, endpoint_config_name: str,
                        wait: bool = True) -> str:
        """DescribeEndpoint (it must exist), sagemaker:UpdateEndpoint to the config, then (with
        `wait`) wait_for_endpoint. The old instances serve until the new ones are InService."""
        if not _deployment_entity_exists(
                lambda: self.sagemaker_client.describe_endpoint(EndpointName=endpoint_name)):
            raise ValueError(f"Endpoint with name '{endpoint_name}' does not exist; please use "
                             "an existing endpoint name")
        with _troubleshooting_on_error("update-endpoint"):
            self.sagemaker_client.update_endpoint(EndpointName=endpoint_name,
                                                  EndpointConfigName=endpoint_config_name)
            if wait:
                self.wait_for_endpoint(endpoint_name)
        return endpoint_name

    def wait_for_endpoint(self, endpoint: str, poll: float = POLL_SECONDS) -> dict:
        """DescribeEndpoint every `poll` seconds while it is Creating or Updating, printing a
        character per poll as v2 does ('-' Creating/Updating, '!' InService, '*' Failed), with no
        newline after; raises UnexpectedStatusException (CapacityError) unless InService."""
        while True:
            desc = self.sagemaker_client.describe_endpoint(EndpointName=endpoint)
            status = desc["EndpointStatus"]
            print(HOSTING_STATUS_CODES.get(status, "?"), end="", flush=True)
            if status not in HOSTING_IN_PROGRESS:
                break
            time.sleep(poll)
        if status != "InService":
            reason = desc.get("FailureReason")
            message = (f"Error hosting endpoint {endpoint}: {status}. Reason: {reason}. "
                       f"{ENDPOINT_TROUBLESHOOTING}")
            cls = CapacityError if "CapacityError" in str(reason) else UnexpectedStatusException
            raise cls(message=message, allowed_statuses=["InService"], actual_status=status)
        return desc

    def delete_endpoint(self, endpoint_name: str) -> None:
        """sagemaker:DeleteEndpoint (its instances stop, and so does the bill)."""
        LOGGER.info("Deleting endpoint with name: %s", endpoint_name)
        self.sagemaker_client.delete_endpoint(EndpointName=endpoint_name)

    def delete_endpoint_config(self, endpoint_config_name: str) -> None:
        """sagemaker:DeleteEndpointConfig."""
        LOGGER.info("Deleting endpoint configuration with name: %s", endpoint_config_name)
        self.sagemaker_client.delete_endpoint_config(EndpointConfigName=endpoint_config_name)

    # ---- transform jobs ---------------------------------------------------------------------
    def describe_transform_job(self, job_name: str) -> dict:
        """sagemaker:DescribeTransformJob."""
        return self.sagemaker_client.describe_transform_job(TransformJobName=job_name)

    def stop_transform_job(self, name: str) -> None:
        """sagemaker:StopTransformJob."""
        LOGGER.info("Stopping transform job: %s", name)
        self.sagemaker_client.stop_transform_job(TransformJobName=name)

    def transform(self, job_name: str, model_name: str, strategy: str | None,
                  max_concurrent_transforms: int | None, max_payload: int | None,
                  input_config: dict, output_config: dict, resource_config: dict,
                  env: dict | None = None, tags: list[dict] | None = None,
                  data_processing: dict | None = None, **_ignored) -> None:
        """sagemaker:CreateTransformJob with the request these pieces make."""
        request = transform_request(job_name, model_name, strategy, max_concurrent_transforms,
                                    max_payload, env, input_config, output_config,
                                    resource_config, tags, data_processing)
        LOGGER.info("Creating transform job with name: %s", job_name)
        self.sagemaker_client.create_transform_job(**request)

    def wait_for_transform_job(self, job: str, poll: float = POLL_SECONDS) -> dict:
        """DescribeTransformJob every `poll` seconds, printing '.' while the job is InProgress
        ('_' while Stopping) and '!' when it Completed ('*' Failed, 's' Stopped), as v2 does;
        raises UnexpectedStatusException if the job failed."""
        while True:
            desc = self.describe_transform_job(job)
            status = desc["TransformJobStatus"]
            print(TRANSFORM_STATUS_CODES.get(status, "?"), end="", flush=True)
            if status not in ("InProgress", "Stopping"):
                print("")
                break
            time.sleep(poll)
        check_job_status(job, desc, "TransformJobStatus")
        return desc

    def logs_for_transform_job(self, job_name: str, wait: bool = False,
                               poll: float = POLL_SECONDS) -> dict:
        """The container's lines from CloudWatch Logs (/aws/sagemaker/TransformJobs:
        DescribeLogStreams, GetLogEvents) while DescribeTransformJob says the job runs, a '.'
        for each poll that brought no new line; with `wait`, until the job ends, raising if it
        failed."""
        logs_client = self.boto_session.client("logs")
        desc = self.describe_transform_job(job_name)
        count = desc["TransformResources"]["InstanceCount"]
        tail = _logs.LogTail(logs_client, job_name, 2 * count, log_group=TRANSFORM_LOG_GROUP)
        dotted = False
        color = tail.color

        def line_after_dots(index: int, message: str) -> None:
            nonlocal dotted
            if dotted:  # the dots of the polls before end their own line
                print()
                dotted = False
            color(index, message)
        tail.color = line_after_dots
        while True:
            done = desc["TransformJobStatus"] not in ("InProgress", "Stopping")
            if not tail.flush() and wait and not done:
                print(".", end="", flush=True)
                dotted = True
            if done or not wait:
                break
            time.sleep(poll)
            desc = self.describe_transform_job(job_name)
        if dotted:
            print()
        if wait:
            check_job_status(job_name, desc, "TransformJobStatus")
        return desc


def check_job_status(job: str, desc: dict, status_key_name: str) -> None:
    """Raise v2's UnexpectedStatusException (CapacityError) for a Failed job; warn if Stopped."""
    status = desc[status_key_name]
    if status == "Stopped":
        LOGGER.warning(
            "Job ended with status 'Stopped' rather than 'Completed'. "
            "This could mean the job timed out or stopped early for some other reason: "
            "Consider checking whether it completed as you expect.")
    elif status != "Completed":
        reason = desc.get("FailureReason", "(No reason provided)")
        job_type = status_key_name.replace("JobStatus", " job")
        message = (f"Error for {job_type} {job}: {status}. Reason: {reason}. "
                   f"Check troubleshooting guide for common errors: {TROUBLESHOOTING}")
        cls = CapacityError if "CapacityError" in str(reason) else UnexpectedStatusException
        raise cls(message=message, allowed_statuses=["Completed", "Stopped"],
                  actual_status=status)


def production_variant(model_name: str, instance_type: str | None = None,
                       initial_instance_count: int | None = None,
                       variant_name: str = "AllTraffic", initial_weight: float = 1,
                       accelerator_type: str | None = None) -> dict:
    """One entry of a CreateEndpointConfig request's ProductionVariants: which model, on which
    instances, under which name, with which share of the traffic (weight / sum of weights)."""
    variant = {"ModelName": model_name, "VariantName": variant_name,
               "InitialVariantWeight": initial_weight}
    if accelerator_type:
        variant["AcceleratorType"] = accelerator_type
    variant["InitialInstanceCount"] = initial_instance_count or 1
    variant["InstanceType"] = instance_type
    return variant


@contextlib.contextmanager
def _troubleshooting_on_error(section: str):
    """v2 logs where the troubleshooting guide is when creating/updating an endpoint fails."""
    try:
        yield
    except Exception:
        LOGGER.error("Please check the troubleshooting guide for common errors: %s",
                     f"{TROUBLESHOOTING}#sagemaker-python-sdk-troubleshooting-{section}")
        raise


def _deployment_entity_exists(describe_fn) -> bool:
    """True if the Describe call answers; False on its 'Could not find' error."""
    try:
        describe_fn()
        return True
    except ClientError as err:
        if not (err.response["Error"]["Code"] == "ValidationException"
                and "Could not find" in err.response["Error"]["Message"]):
            raise
        return False


def container_def(image_uri: str, model_data_url: str | None = None, env: dict | None = None,
                  container_mode: str | None = None) -> dict:
    """One container definition of a CreateModel request: Image, ModelDataUrl, Environment."""
    definition: dict = {"Image": image_uri, "Environment": dict(env or {})}
    if model_data_url:
        definition["ModelDataUrl"] = model_data_url
    if container_mode:
        definition["Mode"] = container_mode
    return definition


def transform_request(job_name, model_name, strategy, max_concurrent_transforms, max_payload,
                      env, input_config, output_config, resource_config, tags=None,
                      data_processing=None) -> dict:
    """The CreateTransformJob request: only the fields that were given, as v2 builds it."""
    request: dict = {"TransformJobName": job_name, "ModelName": model_name,
                     "TransformInput": input_config, "TransformOutput": output_config,
                     "TransformResources": resource_config}
    if strategy is not None:
        request["BatchStrategy"] = strategy
    if max_concurrent_transforms is not None:
        request["MaxConcurrentTransforms"] = max_concurrent_transforms
    if max_payload is not None:
        request["MaxPayloadInMB"] = max_payload
    if env:
        request["Environment"] = env
    if tags:
        request["Tags"] = tags
    if data_processing:
        request["DataProcessing"] = data_processing
    return request


def get_execution_role(sagemaker_session: Session | None = None) -> str:
    """The ARN of the role your code runs as (sts:GetCallerIdentity + iam:GetRole); on a
    SageMaker notebook, and on labcloud, that is the notebook's execution role."""
    sagemaker_session = sagemaker_session or Session()
    arn = sagemaker_session.get_caller_identity_arn()
    if ":role/" in arn:
        return arn
    raise ValueError(f"The current AWS identity is not a role: {arn}, therefore it cannot be "
                     "used as a SageMaker execution role")


# v1 names, still accepted by v2 with a rename warning
s3_input = deprecated_class(TrainingInput, "sagemaker.session.s3_input")
ShuffleConfig = deprecated_class(_ShuffleConfig, "sagemaker.session.ShuffleConfig")
