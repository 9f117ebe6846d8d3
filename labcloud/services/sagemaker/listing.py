"""List* operations share one shape: filters, a sort, MaxResults and an opaque NextToken."""
from __future__ import annotations

from typing import Callable

from ...server import paging
from ...server.errors import AWSError


def list_page(docs: list[dict], params: dict, *, name_key: str, status_key: str | None,
              summary: Callable[[dict], dict], sort_keys: dict[str, str],
              default_sort: str = "CreationTime") -> tuple[list[dict], str | None]:
    """Filter, sort and paginate resource documents the way SageMaker's List* operations do."""
    items = docs
    if params.get("NameContains"):
        needle = params["NameContains"].lower()
        items = [d for d in items if needle in d[name_key].lower()]
    if status_key and params.get("StatusEquals"):
        items = [d for d in items if d.get(status_key) == params["StatusEquals"]]
    for field, key, keep in (("CreationTimeAfter", "CreationTime", lambda v, t: v > t),
                             ("CreationTimeBefore", "CreationTime", lambda v, t: v < t),
                             ("LastModifiedTimeAfter", "LastModifiedTime", lambda v, t: v > t),
                             ("LastModifiedTimeBefore", "LastModifiedTime", lambda v, t: v < t)):
        if params.get(field) is not None:
            bound = _epoch(params[field])
            items = [d for d in items if d.get(key) is not None and keep(d[key], bound)]
    sort_by = params.get("SortBy", default_sort)
    key = sort_keys.get(sort_by, sort_keys[default_sort])
    descending = params.get("SortOrder", "Descending") == "Descending"
    items = sorted(items, key=lambda d: (d.get(key) if d.get(key) is not None else "", d[name_key]),
                   reverse=descending)
    page, token = paging.page(items, params.get("NextToken"), int(params.get("MaxResults", 10)),
                              AWSError("ValidationException", "Invalid pagination token given."))
    return [summary(d) for d in page], token


def _epoch(value) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    from datetime import datetime
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
