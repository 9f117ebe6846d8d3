"""Service Quotas: the SageMaker quota table, increase requests, and enforcement on create."""
from .service import ServiceQuotasService, check

__all__ = ["ServiceQuotasService", "check"]
