"""SageMaker tags: the `Tags` of every Create* call, AddTags, ListTags and DeleteTags.

AWS's tag operations name a resource by its ARN alone, whatever its kind, so the tags are kept
per ARN (one row of `Resources` of kind `sagemaker-tags` per tagged resource, in the same SQLite
store as the resources: they survive a restart with them). A resource's kind in that store is
the resource type of its ARN (`arn:aws:sagemaker:<region>:<account>:<kind>/<name>`), so an
ARN is looked up without knowing which module made it.

Tags go when their resource goes: a trigger on the resources table deletes them in the same
statement as the resource row, whichever code path deletes it (DeleteModel, an endpoint whose
deletion finishes later, a notebook instance...), so no Delete* handler has to remember them.

Wording: AWS documents the 50-tags-per-resource limit but no message for it nor for an ARN that
names no resource; both answers below are ValidationExceptions written in SageMaker's style
(labcloud's own wording, not copied from AWS).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ...server import paging
from ...server.errors import AWSError
from ...server.state import Resources

if TYPE_CHECKING:
    from ...server.json_protocol import JsonService

KIND = "sagemaker-tags"
MAX_TAGS = 50  # per resource, AWS's limit for user tags
DEFAULT_PAGE = 50  # ListTags' MaxResults may not be smaller (botocore model: min 50)

TRIGGER = f"""
DROP TRIGGER IF EXISTS sagemaker_tags_go_with_their_resource;
CREATE TRIGGER sagemaker_tags_go_with_their_resource AFTER DELETE ON resources
WHEN OLD.kind <> '{KIND}' AND OLD.arn LIKE '%:' || OLD.kind || '/%'
BEGIN
    DELETE FROM resources WHERE kind = '{KIND}' AND name = OLD.arn;
END;
"""


def resource_kind(arn: str) -> str:
    """`arn:aws:sagemaker:us-east-1:123456789012:model-package/g/1` -> `model-package`."""
    return arn.split(":", 5)[-1].split("/", 1)[0]


def _merged(current: list[dict], added: list[dict]) -> list[dict]:
    """`current` with `added` applied: a key given again takes its new value in its old place."""
    tags = {t["Key"]: t.get("Value", "") for t in current}
    for t in added:
        tags[t["Key"]] = t.get("Value", "")
    return [{"Key": k, "Value": v} for k, v in tags.items()]


class Tags:
    def __init__(self, cloud):
        self.cloud = cloud
        self.store = cloud.store
        self.docs = Resources(cloud.store, KIND)
        self.store.executescript(TRIGGER)

    # ---- the operations ----------------------------------------------------------------------
    def add(self, p: dict) -> dict:
        """AddTags: returns the tags given; a key already on the resource gets the new value."""
        arn = p["ResourceArn"]
        with self.store.transaction():
            current = self._current(arn)
            tags = _merged(current, p["Tags"])
            if len(tags) > MAX_TAGS:
                raise AWSError("ValidationException",
                               f"Cannot add {len(tags) - len(current)} tags to resource {arn}: a "
                               f"resource can have at most {MAX_TAGS} tags and it has "
                               f"{len(current)}.")
            self._write(arn, tags)
        return {"Tags": p["Tags"]}

    def list(self, p: dict) -> dict:
        """ListTags: in the order the keys were first added, MaxResults (at least 50) a page."""
        page, token = paging.page(
            self._current(p["ResourceArn"]), p.get("NextToken"),
            int(p.get("MaxResults", DEFAULT_PAGE)),
            AWSError("ValidationException", "Invalid pagination token given."))
        return {"Tags": page, **({"NextToken": token} if token else {})}

    def delete(self, p: dict) -> dict:
        """DeleteTags: keys the resource does not have are passed over, as AWS does."""
        arn = p["ResourceArn"]
        with self.store.transaction():
            gone = set(p["TagKeys"])
            self._write(arn, [t for t in self._current(arn) if t["Key"] not in gone])
        return {}

    # ---- Create* ------------------------------------------------------------------------------
    def recording(self, create: Callable[[dict], dict]) -> Callable[[dict], dict]:
        """`create` that also keeps the request's Tags, under the ARN its response returns (the
        one member of every Create* response that ends in `Arn`)."""
        def create_and_tag(p: dict) -> dict:
            result = create(p)
            if p.get("Tags"):
                [arn] = [v for k, v in result.items() if k.endswith("Arn")]
                with self.store.transaction():
                    self._write(arn, _merged([], p["Tags"]))
            return result
        return create_and_tag

    def record_creates(self, service: "JsonService") -> None:
        """Wrap every registered Create* operation whose input takes Tags: one place, so an
        operation added later is tagged without being listed here."""
        for name, handler in list(service.handlers.items()):
            shape = service.model.operation_model(name).input_shape
            if name.startswith("Create") and "Tags" in shape.members:
                service.handlers[name] = self.recording(handler)

    # ---- storage ------------------------------------------------------------------------------
    def _current(self, arn: str) -> list[dict]:
        """The resource's tags; a ValidationException if `arn` names no resource."""
        if self.store.query_one("SELECT 1 FROM resources WHERE kind=? AND arn=?",
                                (resource_kind(arn), arn)) is None:
            raise AWSError("ValidationException", f"Resource {arn} does not exist.")
        doc = self.docs.get(arn)
        return doc["Tags"] if doc else []

    def _write(self, arn: str, tags: list[dict]) -> None:
        now = self.cloud.clock.now()
        if not tags:
            self.docs.delete(arn)
        elif not self.docs.insert(arn, arn, {"Tags": tags}, status=None, created=now):
            self.docs.put(arn, {"Tags": tags}, status=None, modified=now)
