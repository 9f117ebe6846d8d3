"""S3's errors, worded as S3 words them.

Students compare what they see with Stack Overflow answers and AWS docs, so the code, the
HTTP status and the message (full stop or not) follow real S3 exactly. The extra fields
(<BucketName>, <Key>, <UploadId>...) are those S3 puts into its <Error> document.
"""
from __future__ import annotations

from ...server.errors import AWSError

MALFORMED_XML = ("The XML you provided was not well-formed or did not validate against our "
                 "published schema")


def no_such_bucket(bucket: str) -> AWSError:
    return AWSError("NoSuchBucket", "The specified bucket does not exist", 404,
                    extra={"BucketName": bucket})


def no_such_key(key: str) -> AWSError:
    return AWSError("NoSuchKey", "The specified key does not exist.", 404, extra={"Key": key})


def bucket_not_empty(bucket: str) -> AWSError:
    return AWSError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409,
                    extra={"BucketName": bucket})


def bucket_already_owned(bucket: str) -> AWSError:
    return AWSError("BucketAlreadyOwnedByYou", "Your previous request to create the named "
                    "bucket succeeded and you already own it.", 409, extra={"BucketName": bucket})


def invalid_bucket_name(bucket: str) -> AWSError:
    return AWSError("InvalidBucketName", "The specified bucket is not valid.", 400,
                    extra={"BucketName": bucket})


def invalid_location_constraint(constraint: str) -> AWSError:
    return AWSError("InvalidLocationConstraint", "The specified location-constraint is not valid",
                    400, extra={"LocationConstraint": constraint})


def no_such_upload(upload_id: str) -> AWSError:
    return AWSError("NoSuchUpload", "The specified upload does not exist. The upload ID may be "
                    "invalid, or the upload may have been aborted or completed.", 404,
                    extra={"UploadId": upload_id})


def invalid_part(upload_id: str, part_number: int, etag: str) -> AWSError:
    return AWSError("InvalidPart", "One or more of the specified parts could not be found.  "
                    "The part may not have been uploaded, or the specified entity tag may not "
                    "match the part's entity tag.", 400,
                    extra={"UploadId": upload_id, "PartNumber": part_number, "ETag": etag})


def invalid_part_order(upload_id: str) -> AWSError:
    return AWSError("InvalidPartOrder", "The list of parts was not in ascending order. Parts "
                    "must be ordered by part number.", 400, extra={"UploadId": upload_id})


def entity_too_small(size: int, minimum: int, part_number: int, etag: str) -> AWSError:
    return AWSError("EntityTooSmall", "Your proposed upload is smaller than the minimum "
                    "allowed object size.", 400,
                    extra={"ProposedSize": size, "MinSizeAllowed": minimum,
                           "PartNumber": part_number, "ETag": etag})


def invalid_range(requested: str, size: int) -> AWSError:
    return AWSError("InvalidRange", "The requested range is not satisfiable", 416,
                    extra={"RangeRequested": requested, "ActualObjectSize": size},
                    headers={"content-range": f"bytes */{size}"})


def malformed_xml() -> AWSError:
    return AWSError("MalformedXML", MALFORMED_XML, 400)


def invalid_argument(message: str, name: str | None = None, value: str | None = None) -> AWSError:
    extra = {"ArgumentName": name, "ArgumentValue": value} if name is not None else {}
    return AWSError("InvalidArgument", message, 400, extra=extra)


def invalid_request(message: str) -> AWSError:
    return AWSError("InvalidRequest", message, 400)


def bad_digest(what: str) -> AWSError:
    """`what` is the checksum S3 names: 'Content-MD5', 'CRC32', 'SHA256'..."""
    if what == "Content-MD5":
        return AWSError("BadDigest", "The Content-MD5 you specified did not match what we "
                        "received.", 400)
    return AWSError("BadDigest", f"The {what} you specified did not match the calculated "
                    "checksum.", 400)


def precondition_failed(condition: str) -> AWSError:
    return AWSError("PreconditionFailed", "At least one of the pre-conditions you specified "
                    "did not hold", 412, extra={"Condition": condition})


def method_not_allowed(method: str, resource_type: str) -> AWSError:
    return AWSError("MethodNotAllowed", "The specified method is not allowed against this "
                    "resource.", 405, extra={"Method": method, "ResourceType": resource_type})


def not_implemented(what: str) -> AWSError:
    return AWSError("NotImplemented", "A header you provided implies functionality that is not "
                    "implemented", 501, sender_fault=False, extra={"Header": what})
