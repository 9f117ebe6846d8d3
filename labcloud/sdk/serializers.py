"""Serializers: what Predictor.predict turns your data into before InvokeEndpoint sends it.

A serializer has `serialize(data)` (-> the request Body) and `CONTENT_TYPE` (-> the request's
ContentType header, which tells the container how to read the body). Same names, defaults and
behaviour as SageMaker Python SDK v2 (sagemaker/base_serializers.py), so a notebook written for
the real SDK sends byte for byte the same request here.

The default of a Predictor is IdentitySerializer: your bytes go as they are, labelled
application/octet-stream, which the XGBoost container refuses (415): pass CSVSerializer().
"""
from __future__ import annotations

import abc
import csv
import io
import json

import numpy as np


class BaseSerializer(abc.ABC):
    """serialize(data) -> the request body; CONTENT_TYPE -> its ContentType header."""

    @abc.abstractmethod
    def serialize(self, data):
        """The request body for `data`."""

    @property
    @abc.abstractmethod
    def CONTENT_TYPE(self):  # noqa: N802 - the SDK's name
        """The MIME type of the body."""


class SimpleBaseSerializer(BaseSerializer):
    """A serializer whose content type is given at construction (and may be changed later)."""

    def __init__(self, content_type: str = "application/json"):
        if not isinstance(content_type, str):
            raise ValueError(
                "content_type must be a string specifying the MIME type of the data sent in "
                "requests: e.g. 'application/json', 'text/csv', etc. Got %s" % content_type)
        self.content_type = content_type

    @property
    def CONTENT_TYPE(self):  # noqa: N802
        return self.content_type


class CSVSerializer(SimpleBaseSerializer):
    """Lists, NumPy arrays and pandas DataFrames as CSV text: one line per row, no header, no
    index. A 1-D list or array is one row; a file-like object is read as it is."""

    def __init__(self, content_type: str = "text/csv"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        if hasattr(data, "read"):
            return data.read()
        if _is_dataframe(data):
            return data.to_csv(header=False, index=False)
        is_mutable_sequence_like = self._is_sequence_like(data) and hasattr(data, "__setitem__")
        has_multiple_rows = len(data) > 0 and self._is_sequence_like(data[0])
        if is_mutable_sequence_like and has_multiple_rows:
            return "\n".join([self._serialize_row(row) for row in data])
        return self._serialize_row(data)

    @staticmethod
    def _serialize_row(data) -> str:
        if isinstance(data, str):
            return data
        if isinstance(data, np.ndarray):
            data = np.ndarray.flatten(data)
        if hasattr(data, "__len__"):
            if len(data) == 0:
                raise ValueError("Cannot serialize empty array")
            buffer = io.StringIO()
            csv.writer(buffer, delimiter=",").writerow(data)
            return buffer.getvalue().rstrip("\r\n")
        raise ValueError("Unable to handle input format: %s" % type(data))

    @staticmethod
    def _is_sequence_like(data) -> bool:
        return hasattr(data, "__iter__") and hasattr(data, "__getitem__")


class JSONSerializer(SimpleBaseSerializer):
    """Any JSON-able object as JSON text (NumPy arrays, also as values of a dict, become
    lists)."""

    def serialize(self, data):
        if isinstance(data, dict):
            return json.dumps({key: value.tolist() if isinstance(value, np.ndarray) else value
                               for key, value in data.items()})
        if hasattr(data, "read"):
            return data.read()
        if isinstance(data, np.ndarray):
            return json.dumps(data.tolist())
        return json.dumps(data)


class IdentitySerializer(SimpleBaseSerializer):
    """The data as it is (bytes or str), labelled application/octet-stream by default."""

    def __init__(self, content_type: str = "application/octet-stream"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        return data


class LibSVMSerializer(SimpleBaseSerializer):
    """Text already in LIBSVM format (`<label> <index>:<value> ...`), or a file holding it."""

    def __init__(self, content_type: str = "text/libsvm"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        text = _text_or_file(data)
        if text is None:
            raise ValueError("Unable to handle input format: %s" % type(data))
        return text


class NumpySerializer(SimpleBaseSerializer):
    """Arrays and lists in NumPy's .npy format (application/x-npy)."""

    def __init__(self, dtype=None, content_type: str = "application/x-npy"):
        super().__init__(content_type=content_type)
        self.dtype = dtype

    def serialize(self, data):
        if isinstance(data, np.ndarray):
            if data.size == 0:
                raise ValueError("Cannot serialize empty array.")
            return self._serialize_array(data)
        if isinstance(data, list):
            if len(data) == 0:
                raise ValueError("Cannot serialize empty array.")
            return self._serialize_array(np.array(data, self.dtype))
        if hasattr(data, "read"):  # files and buffers, assumed to hold .npy data
            return data.read()
        return self._serialize_array(np.array(data))

    @staticmethod
    def _serialize_array(array: np.ndarray) -> bytes:
        buffer = io.BytesIO()
        np.save(buffer, array)
        return buffer.getvalue()


class JSONLinesSerializer(SimpleBaseSerializer):
    """An iterable of JSON-able objects as JSON Lines: one object per line."""

    def __init__(self, content_type: str = "application/jsonlines"):
        super().__init__(content_type=content_type)

    def serialize(self, data):
        text = _text_or_file(data)
        if text is not None:
            return text
        if hasattr(data, "__iter__"):
            return "\n".join(json.dumps(element) for element in data)
        raise ValueError("Object of type %s is not JSON Lines serializable." % type(data))


def _text_or_file(data):
    """A str as it is, or what a file-like object holds; None for anything else."""
    if isinstance(data, str):
        return data
    if hasattr(data, "read"):
        return data.read()
    return None


def _is_dataframe(data) -> bool:
    """pandas is imported only when a DataFrame could be there (it is slow to import)."""
    if type(data).__module__.split(".")[0] != "pandas":
        return False
    from pandas import DataFrame
    return isinstance(data, DataFrame)
