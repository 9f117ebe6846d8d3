"""Deserializers: what Predictor.predict turns the InvokeEndpoint response body into.

A deserializer has `deserialize(stream, content_type)` (stream: the response's Body, a botocore
StreamingBody; content_type: the response's ContentType) and `ACCEPT` (-> the request's Accept
header, which asks the container for a format). Same names, defaults and behaviour as SageMaker
Python SDK v2 (sagemaker/base_deserializers.py).

Note, as in v2: NumpyDeserializer and PandasDeserializer compare the content type exactly, and
the XGBoost container answers `text/csv; charset=utf-8`, which they refuse; CSVDeserializer
(or np.fromstring on the bytes) reads it.
"""
from __future__ import annotations

import abc
import codecs
import csv
import io
import json

import numpy as np


class BaseDeserializer(abc.ABC):
    """deserialize(stream, content_type) -> a Python object; ACCEPT -> the Accept header."""

    @abc.abstractmethod
    def deserialize(self, stream, content_type):
        """The response body as an object."""

    @property
    @abc.abstractmethod
    def ACCEPT(self):  # noqa: N802 - the SDK's name
        """The content types asked of the endpoint."""


class SimpleBaseDeserializer(BaseDeserializer):
    """A deserializer whose Accept value is given at construction (a MIME type or a tuple)."""

    def __init__(self, accept="*/*"):
        self.accept = accept

    @property
    def ACCEPT(self):  # noqa: N802
        if isinstance(self.accept, str):
            return (self.accept,)
        return self.accept


class StringDeserializer(SimpleBaseDeserializer):
    """The body decoded to str."""

    def __init__(self, encoding: str = "UTF-8", accept="application/json"):
        super().__init__(accept=accept)
        self.encoding = encoding

    def deserialize(self, stream, content_type):
        try:
            return stream.read().decode(self.encoding)
        finally:
            stream.close()


class BytesDeserializer(SimpleBaseDeserializer):
    """The body as bytes (what a Predictor returns by default)."""

    def deserialize(self, stream, content_type):
        try:
            return stream.read()
        finally:
            stream.close()


class CSVDeserializer(SimpleBaseDeserializer):
    """CSV text as a list of rows, each a list of strings: '1.5,2' -> [['1.5', '2']]."""

    def __init__(self, encoding: str = "utf-8", accept="text/csv"):
        super().__init__(accept=accept)
        self.encoding = encoding

    def deserialize(self, stream, content_type):
        try:
            decoded = stream.read().decode(self.encoding)
            return list(csv.reader(decoded.splitlines()))
        finally:
            stream.close()


class StreamDeserializer(SimpleBaseDeserializer):
    """(stream, content_type) as they came: closing the stream is up to you."""

    def deserialize(self, stream, content_type):
        return stream, content_type


class NumpyDeserializer(SimpleBaseDeserializer):
    """A NumPy array from exactly text/csv, application/json or application/x-npy."""

    def __init__(self, dtype=None, accept="application/x-npy", allow_pickle: bool = True):
        super().__init__(accept=accept)
        self.dtype = dtype
        self.allow_pickle = allow_pickle

    def deserialize(self, stream, content_type):
        try:
            if content_type == "text/csv":
                return np.genfromtxt(codecs.getreader("utf-8")(stream), delimiter=",",
                                     dtype=self.dtype)
            if content_type == "application/json":
                return np.array(json.load(codecs.getreader("utf-8")(stream)), dtype=self.dtype)
            if content_type == "application/x-npy":
                return np.load(io.BytesIO(stream.read()), allow_pickle=self.allow_pickle)
        finally:
            stream.close()
        raise ValueError("%s cannot read content type %s." % (type(self).__name__, content_type))


class JSONDeserializer(SimpleBaseDeserializer):
    """JSON text as Python objects."""

    def __init__(self, accept="application/json"):
        super().__init__(accept=accept)

    def deserialize(self, stream, content_type):
        try:
            return json.load(codecs.getreader("utf-8")(stream))
        finally:
            stream.close()


class PandasDeserializer(SimpleBaseDeserializer):
    """A pandas DataFrame from exactly text/csv (first line = header) or application/json."""

    def __init__(self, accept=("text/csv", "application/json")):
        super().__init__(accept=accept)

    def deserialize(self, stream, content_type):
        import pandas
        if content_type == "text/csv":
            return pandas.read_csv(stream)
        if content_type == "application/json":
            return pandas.read_json(stream)
        raise ValueError("%s cannot read content type %s." % (type(self).__name__, content_type))


class JSONLinesDeserializer(SimpleBaseDeserializer):
    """JSON Lines as a list of Python objects, one per line."""

    def __init__(self, accept="application/jsonlines"):
        super().__init__(accept=accept)

    def deserialize(self, stream, content_type):
        try:
            body = stream.read().decode("utf-8")
            return [json.loads(line) for line in body.rstrip().split("\n")]
        finally:
            stream.close()
