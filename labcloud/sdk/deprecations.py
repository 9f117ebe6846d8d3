"""The rename warnings SageMaker Python SDK v2 gives for v1 names, word for word.

v2 (sagemaker/deprecations.py) does two things for every rename: a DeprecationWarning (which
Python hides outside __main__) and a logger warning (which a notebook shows). We do the same, so
an old tutorial run here prints what it printed against the real SDK.
"""
from __future__ import annotations

import logging
import warnings

logger = logging.getLogger(__name__)

V2_URL = "https://sagemaker.readthedocs.io/en/stable/v2.html"


def _warn(msg: str, sdk_version: str | None = None) -> None:
    full_msg = f"{msg} in sagemaker>={sdk_version or '2'}.\nSee: {V2_URL} for details."
    warnings.warn(full_msg, DeprecationWarning, stacklevel=3)
    logger.warning(full_msg)


def renamed_warning(phrase: str) -> None:
    """e.g. 'The method get_image_uri has been renamed in sagemaker>=2. ...'"""
    _warn(f"{phrase} has been renamed")


def removed_warning(phrase: str) -> None:
    _warn(f"{phrase} is a no-op")


def removed_kwargs(name: str, kwargs: dict) -> None:
    """A v1 keyword v2 ignores (content_type=, update_endpoint=): warn that it is a no-op."""
    if name in kwargs:
        removed_warning(name)


def removed_function(name: str):
    """A v1 method v2 kept as a no-op with a warning (Estimator.delete_endpoint)."""

    def func(*args, **kwargs):
        removed_warning(f"The function {name}")

    func.__name__ = name
    return func


def deprecated_function(func, name: str):
    """`func`, warning on each call that `name` was renamed."""

    def deprecate(*args, **kwargs):
        renamed_warning(f"The {name}")
        return func(*args, **kwargs)

    return deprecate


def deprecated_serialize(instance, name: str):
    """A v1 pre-made serializer (csv_serializer): a v2 serializer that warns when used."""
    instance.serialize = deprecated_function(instance.serialize, name)
    return instance


def deprecated_deserialize(instance, name: str):
    """A v1 pre-made deserializer (csv_deserializer): a v2 deserializer that warns when used."""
    instance.deserialize = deprecated_function(instance.deserialize, name)
    return instance


def renamed_kwargs(old_name: str, new_name: str, value, kwargs: dict):
    """Take a v1 keyword (train_instance_count=...) as its v2 name, with v2's warning."""
    if old_name in kwargs:
        value = kwargs.pop(old_name)
        kwargs[new_name] = value
        renamed_warning(old_name)
    return value


def deprecated_class(cls, name: str):
    """A subclass of `cls` that warns, on construction, that `name` was renamed to it."""

    class DeprecatedClass(cls):
        def __init__(self, *args, **kwargs):
            renamed_warning(f"The class {name}")
            super().__init__(*args, **kwargs)

    DeprecatedClass.__name__ = name.rsplit(".", 1)[-1]
    DeprecatedClass.__qualname__ = DeprecatedClass.__name__
    return DeprecatedClass
