from .service import SageMakerService

__all__ = ["SageMakerService"]
