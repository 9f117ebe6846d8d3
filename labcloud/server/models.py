"""botocore's bundled service models: the specification every labcloud service follows."""
from __future__ import annotations

from functools import lru_cache

import botocore.session
from botocore.model import ServiceModel


@lru_cache(maxsize=None)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=None)
def service_model(name: str) -> ServiceModel:
    return _session().get_service_model(name)


def enum_values(service: str, shape_name: str) -> list[str]:
    return list(service_model(service).shape_for(shape_name).enum)
