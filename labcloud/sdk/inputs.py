"""TrainingInput: one channel of a training job, as the CreateTrainingJob request spells it."""
from __future__ import annotations


class TrainingInput:
    """An S3 data channel. `.config` is exactly the dict that goes into the request's
    InputDataConfig (plus the ChannelName the estimator adds)."""

    def __init__(self, s3_data: str, distribution: str | None = None,
                 compression: str | None = None, content_type: str | None = None,
                 record_wrapping: str | None = None, s3_data_type: str = "S3Prefix",
                 instance_groups: list[str] | None = None, input_mode: str | None = None,
                 attribute_names: list[str] | None = None,
                 target_attribute_name: str | None = None, shuffle_config=None):
        self.config: dict = {
            "DataSource": {"S3DataSource": {"S3DataType": s3_data_type, "S3Uri": s3_data}}}
        if not (target_attribute_name or distribution):
            distribution = "FullyReplicated"
        source = self.config["DataSource"]["S3DataSource"]
        if distribution is not None:
            source["S3DataDistributionType"] = distribution
        if compression is not None:
            self.config["CompressionType"] = compression
        if content_type is not None:
            self.config["ContentType"] = content_type
        if record_wrapping is not None:
            self.config["RecordWrapperType"] = record_wrapping
        if instance_groups is not None:
            source["InstanceGroupNames"] = instance_groups
        if input_mode is not None:
            self.config["InputMode"] = input_mode
        if attribute_names is not None:
            source["AttributeNames"] = attribute_names
        if target_attribute_name is not None:
            self.config["TargetAttributeName"] = target_attribute_name
        if shuffle_config is not None:
            self.config["ShuffleConfig"] = {"Seed": shuffle_config.seed}

    def __repr__(self) -> str:
        return f"TrainingInput({self.config!r})"


class ShuffleConfig:
    """The seed for shuffling a channel's S3 keys each epoch."""

    def __init__(self, seed: int):
        self.seed = seed
