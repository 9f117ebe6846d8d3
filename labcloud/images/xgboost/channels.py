"""Channel and content-type checks, as the image's channel validation does them.

`train` is required, `validation` optional (and `code` allowed); a channel without ContentType
gets the image default text/libsvm, which is why a CSV uploaded without content_type="csv"
fails with a LIBSVM format error on AWS too.
"""
from __future__ import annotations

from .errors import UserError

DEFAULT_CONTENT_TYPE = "text/libsvm"
CSV_TYPES = {"csv", "text/csv"}
LIBSVM_TYPES = {"libsvm", "text/libsvm", "text/x-libsvm"}
OTHER_TYPES = {"parquet", "application/x-parquet", "recordio-protobuf",
               "application/x-recordio-protobuf"}
KNOWN_CHANNELS = ("train", "validation", "code")


def _media_type(content_type: str) -> tuple[str, dict[str, str]]:
    kind, *params = [part.strip() for part in content_type.lower().split(";")]
    pairs = dict(p.split("=", 1) for p in params if "=" in p)
    return kind, {k.strip(): v.strip() for k, v in pairs.items()}


def validate(data_config: dict) -> dict:
    """The channels with their ContentType filled in; UserError as the image words it."""
    if "train" not in data_config:
        raise UserError("Missing required channel: train")
    validated = {}
    for name, value in data_config.items():
        if name not in KNOWN_CHANNELS:
            raise UserError(f"Extraneous channel found: {name}")
        value = dict(value)
        value.setdefault("ContentType", DEFAULT_CONTENT_TYPE)
        kind, _ = _media_type(value["ContentType"])
        supported = CSV_TYPES | LIBSVM_TYPES | OTHER_TYPES if name != "code" else {"text/python"}
        mode = value.get("TrainingInputMode", "File")
        if kind not in supported or mode not in ("File", "FastFile", "Pipe"):
            raise UserError(f"Channel configuration for '{name}' channel is not supported: {value}")
        validated[name] = value
    return validated


def content_type(content_type_value: str | None) -> str:
    """'csv' or 'libsvm' for a channel's ContentType (the image's get_content_type)."""
    if content_type_value is None:
        return "libsvm"
    kind, params = _media_type(content_type_value)
    if kind in CSV_TYPES:
        if params.get("label_size", "1") != "1":
            raise UserError(f"{content_type_value} is not an accepted csv ContentType. Optional "
                            "parameter label_size must be equal to 1")
        return "csv"
    if kind in LIBSVM_TYPES:
        return "libsvm"
    if kind in OTHER_TYPES:
        raise UserError(f"labcloud's XGBoost image reads text/csv and text/libsvm data; "
                        f"{content_type_value} is not simulated.")
    accepted = ", ".join(["csv", "libsvm", "parquet", "recordio-protobuf", "text/csv",
                          "text/libsvm", "text/x-libsvm", "application/x-parquet",
                          "application/x-recordio-protobuf"])
    raise UserError(f"{content_type_value} is not an accepted ContentType: {accepted}.")
