from .service import LogsService

__all__ = ["LogsService"]
