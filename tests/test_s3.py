"""S3 through real boto3 against the real labcloud server: every operation, S3's exact error
codes and wording, listing order and pagination, multipart, safety of keys, persistence."""
from __future__ import annotations

import base64
import hashlib
import http.client
import io
import os
import re
import uuid
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlparse

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum

import labcloud
from labcloud import config
from labcloud.server.errors import AWSError

MiB = 1024 * 1024


@pytest.fixture
def s3(aws):
    return aws("s3")


def error(call, **kwargs) -> dict:
    """The parsed error response of a call that must fail."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response


def raw_request(cloud, method: str, path: str, body: bytes = b"",
                headers: dict | None = None) -> tuple[int, dict, bytes]:
    """A plain HTTP request (no SDK): for what boto3 cannot send or hides."""
    url = urlparse(cloud.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def client_for(conn) -> object:
    return boto3.client("s3", endpoint_url=conn.url, region_name=config.REGION,
                        aws_access_key_id=config.ACCESS_KEY_ID,
                        aws_secret_access_key=config.SECRET_ACCESS_KEY)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


# ---- addressing ------------------------------------------------------------------------------
def test_boto3_uses_path_style_against_the_loopback_endpoint(cloud, s3, bucket):
    urls = []

    def remember(request, **_):
        urls.append(request.url)
    s3.meta.events.register("before-send.s3.PutObject", remember)
    try:
        s3.put_object(Bucket=bucket, Key="dir/file.txt", Body=b"x")
    finally:
        s3.meta.events.unregister("before-send.s3.PutObject", remember)
    assert urls == [f"{cloud.url}/{bucket}/dir/file.txt"]


# ---- buckets ---------------------------------------------------------------------------------
def test_create_head_list_delete_bucket(s3, name, cloud_now):
    created = s3.create_bucket(Bucket=name)
    assert created["Location"] == f"/{name}"
    head = s3.head_bucket(Bucket=name)
    assert head["BucketRegion"] == "us-east-1"
    listed = s3.list_buckets()
    entry = next(b for b in listed["Buckets"] if b["Name"] == name)
    assert entry["BucketRegion"] == "us-east-1"
    assert abs(entry["CreationDate"] - cloud_now()) < timedelta(minutes=5)
    assert listed["Owner"]["ID"]
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    assert s3.delete_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert error(s3.head_bucket, Bucket=name)["Error"]["Code"] == "404"


def test_list_buckets_prefix_and_pages(s3):
    stem = f"t-lb-{uuid.uuid4().hex[:8]}"
    names = [f"{stem}-{i}" for i in range(5)]
    for n in names:
        s3.create_bucket(Bucket=n)
    assert [b["Name"] for b in s3.list_buckets(Prefix=stem)["Buckets"]] == names
    first = s3.list_buckets(Prefix=stem, MaxBuckets=2)
    assert [b["Name"] for b in first["Buckets"]] == names[:2]
    pages = s3.get_paginator("list_buckets").paginate(Prefix=stem, MaxBuckets=2)
    assert [b["Name"] for p in pages for b in p["Buckets"]] == names


def test_create_bucket_with_configuration_and_already_owned(s3, name):
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    assert s3.head_bucket(Bucket=name)["BucketRegion"] == "eu-west-1"
    err = error(s3.create_bucket, Bucket=name)
    assert err["Error"] == {"Code": "BucketAlreadyOwnedByYou", "BucketName": name,
                            "Message": "Your previous request to create the named bucket "
                                       "succeeded and you already own it."}
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 409
    with pytest.raises(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})


def test_recreating_a_us_east_1_bucket_is_s3s_legacy_no_op(s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep", Body=b"kept")
    assert s3.create_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"kept"
    # with a location constraint S3 says BucketAlreadyOwnedByYou even in us-east-1
    err = error(s3.create_bucket, Bucket=bucket,
                CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert err["Error"]["Code"] == "BucketAlreadyOwnedByYou"


@pytest.mark.parametrize("constraint", ["us-east-1", "mars-north-1"])
def test_invalid_location_constraint(s3, name, constraint):
    err = error(s3.create_bucket, Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": constraint})
    assert err["Error"]["Code"] == "InvalidLocationConstraint"
    assert err["Error"]["Message"] == "The specified location-constraint is not valid"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("bad", ["ab", "a" * 64, "Upper-case", "-starts-with-dash",
                                 "ends-with-dash-", "two..dots", "192.168.10.1", "xn--punycode",
                                 "sthree-bucket", "name-s3alias", ".dot-first"])
def test_invalid_bucket_names(s3, bad):
    err = error(s3.create_bucket, Bucket=bad)
    assert err["Error"] == {"Code": "InvalidBucketName", "BucketName": bad,
                            "Message": "The specified bucket is not valid."}
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("good", ["abc", "a" * 63, "1-a.b-2", "my.bucket.name", "192.168.10.1a"])
def test_valid_bucket_names(s3, good):
    s3.create_bucket(Bucket=good)
    assert s3.head_bucket(Bucket=good)["ResponseMetadata"]["HTTPStatusCode"] == 200
    s3.delete_bucket(Bucket=good)


def test_missing_bucket_errors(s3, name):
    expected = {"Code": "NoSuchBucket", "Message": "The specified bucket does not exist",
                "BucketName": name}
    for call, kwargs in [(s3.list_objects_v2, {}), (s3.list_objects, {}),
                         (s3.delete_bucket, {}), (s3.get_bucket_location, {}),
                         (s3.put_object, {"Key": "k", "Body": b"x"}),
                         (s3.get_object, {"Key": "k"}), (s3.delete_object, {"Key": "k"}),
                         (s3.create_multipart_upload, {"Key": "k"}),
                         (s3.list_multipart_uploads, {})]:
        err = error(call, Bucket=name, **kwargs)
        assert err["Error"] == expected, call
        assert err["ResponseMetadata"]["HTTPStatusCode"] == 404
    # HEAD answers have no body: botocore reports the bare status
    assert error(s3.head_bucket, Bucket=name)["Error"] == {"Code": "404", "Message": "Not Found"}
    assert error(s3.head_object, Bucket=name, Key="k")["Error"]["Code"] == "404"


def test_bucket_not_empty(s3, bucket):
    s3.put_object(Bucket=bucket, Key="x", Body=b"1")
    err = error(s3.delete_bucket, Bucket=bucket)
    assert err["Error"] == {"Code": "BucketNotEmpty", "BucketName": bucket,
                            "Message": "The bucket you tried to delete is not empty"}
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 409
    s3.delete_object(Bucket=bucket, Key="x")
    s3.delete_bucket(Bucket=bucket)


def test_error_document_and_request_id_headers(cloud, bucket):
    status, headers, body = raw_request(cloud, "GET", f"/{bucket}/missing%20key")
    assert status == 404
    assert re.fullmatch(r"[0-9A-F]{16}", headers["x-amz-request-id"])
    assert headers["content-type"] == "application/xml"
    text = body.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
                           "<Message>The specified key does not exist.</Message>"
                           "<Key>missing key</Key>"
                           f"<RequestId>{headers['x-amz-request-id']}</RequestId>")
    status, headers, body = raw_request(cloud, "HEAD", f"/{bucket}/missing")
    assert (status, body) == (404, b"")
    assert headers["x-amz-request-id"]


def test_malformed_xml_and_method_not_allowed(cloud, s3, bucket):
    name = f"{bucket}-never"
    status, _, body = raw_request(cloud, "PUT", f"/{name}", b"<CreateBucketConfiguration><oops")
    assert status == 400
    assert (b"<Code>MalformedXML</Code><Message>The XML you provided was not well-formed or did "
            b"not validate against our published schema</Message>") in body
    assert error(s3.head_bucket, Bucket=name)["Error"]["Code"] == "404"
    status, _, body = raw_request(cloud, "POST", f"/{bucket}")
    assert status == 405
    assert b"<Code>MethodNotAllowed</Code>" in body


def test_unsupported_features_say_not_implemented(s3, bucket):
    err = error(s3.get_bucket_tagging, Bucket=bucket)
    assert err["Error"]["Code"] == "NotImplemented"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 501


# ---- objects ---------------------------------------------------------------------------------
def test_put_get_head_roundtrip(s3, bucket, cloud_now):
    data = b"label,feature\n1,2.5\n"
    put = s3.put_object(Bucket=bucket, Key="data/train.csv", Body=data, ContentType="text/csv",
                        Metadata={"Owner": "student", "epoch": "3"},
                        CacheControl="no-cache", ContentDisposition="attachment")
    assert put["ETag"] == f'"{md5(data)}"'
    got = s3.get_object(Bucket=bucket, Key="data/train.csv")
    assert got["Body"].read() == data
    assert got["ContentType"] == "text/csv"
    assert got["ContentLength"] == len(data)
    assert got["ETag"] == put["ETag"]
    assert got["Metadata"] == {"owner": "student", "epoch": "3"}
    assert got["CacheControl"] == "no-cache"
    assert got["ContentDisposition"] == "attachment"
    assert got["AcceptRanges"] == "bytes"
    headers = got["ResponseMetadata"]["HTTPHeaders"]
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT",
                        headers["last-modified"])
    assert abs(got["LastModified"] - cloud_now()) < timedelta(minutes=5)
    head = s3.head_object(Bucket=bucket, Key="data/train.csv")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == put["ETag"]
    assert head["Metadata"] == {"owner": "student", "epoch": "3"}
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert listed["LastModified"] == got["LastModified"]  # ISO in lists, HTTP date on GET
    assert listed["Size"] == len(data)
    assert listed["ETag"] == put["ETag"]
    assert listed["StorageClass"] == "STANDARD"


def test_default_content_type_and_empty_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b""
    assert got["ContentType"] == "binary/octet-stream"
    assert got["ETag"] == f'"{md5(b"")}"'


def test_overwrite_replaces_body_and_metadata(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"first version", Metadata={"v": "1"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"2nd", ContentType="text/plain")
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"2nd"
    assert got["Metadata"] == {}
    assert got["ContentType"] == "text/plain"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["k"]


def test_concurrent_overwrites_never_show_a_torn_object(s3, bucket):
    """Readers racing writers on one key always get one whole version, with its own ETag."""
    from concurrent.futures import ThreadPoolExecutor
    bodies = [bytes([i]) * (256 * 1024 + i) for i in range(6)]
    etags = {f'"{md5(b)}"': b for b in bodies}
    s3.put_object(Bucket=bucket, Key="hot", Body=bodies[0])

    def write(i):
        for n in range(8):
            s3.put_object(Bucket=bucket, Key="hot", Body=bodies[(i + n) % len(bodies)])

    def read(_):
        seen = []
        for _ in range(12):
            got = s3.get_object(Bucket=bucket, Key="hot")
            data = got["Body"].read()
            assert etags[got["ETag"]] == data
            seen.append(got["ETag"])
        return seen

    with ThreadPoolExecutor(6) as pool:
        writers = [pool.submit(write, i) for i in range(3)]
        readers = [pool.submit(read, i) for i in range(3)]
        for f in writers + readers:
            f.result()


def test_presigned_urls(s3, bucket):
    import urllib.request
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up/x.txt",
                                                          "ContentType": "text/plain"})
    req = urllib.request.Request(url, data=b"via presigned PUT", method="PUT",
                                 headers={"Content-Type": "text/plain"})
    assert urllib.request.urlopen(req, timeout=10).status == 200
    url = s3.generate_presigned_url("get_object", Params={
        "Bucket": bucket, "Key": "up/x.txt",
        "ResponseContentDisposition": 'attachment; filename="x.txt"'})
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"via presigned PUT"
        assert resp.headers["Content-Type"] == "text/plain"
        assert resp.headers["Content-Disposition"] == 'attachment; filename="x.txt"'


def test_missing_key_errors(s3, bucket):
    err = error(s3.get_object, Bucket=bucket, Key="no/such.txt")
    assert err["Error"] == {"Code": "NoSuchKey", "Key": "no/such.txt",
                            "Message": "The specified key does not exist."}
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key="no/such.txt")
    err = error(s3.head_object, Bucket=bucket, Key="no/such.txt")
    assert err["Error"] == {"Code": "404", "Message": "Not Found"}
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_key_too_long(s3, bucket):
    err = error(s3.put_object, Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert err["Error"]["Code"] == "KeyTooLongError"
    assert err["Error"]["Message"] == "Your key is too long"
    s3.put_object(Bucket=bucket, Key="k" * 1024, Body=b"x")


@pytest.mark.parametrize("spec, status, body, content_range", [
    ("bytes=0-4", 206, b"01234", "bytes 0-4/10"),
    ("bytes=5-", 206, b"56789", "bytes 5-9/10"),
    ("bytes=-3", 206, b"789", "bytes 7-9/10"),
    ("bytes=8-100", 206, b"89", "bytes 8-9/10"),
    ("bytes=-50", 206, b"0123456789", "bytes 0-9/10"),
    ("bytes=9-9", 206, b"9", "bytes 9-9/10"),
    ("bytes=5-2", 200, b"0123456789", None),  # invalid syntax: S3 ignores the header
])
def test_range_reads(s3, bucket, spec, status, body, content_range):
    s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
    got = s3.get_object(Bucket=bucket, Key="digits", Range=spec)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == status
    assert got["Body"].read() == body
    assert got["ContentLength"] == len(body)
    assert got.get("ContentRange") == content_range


@pytest.mark.parametrize("spec, size", [("bytes=10-", 10), ("bytes=10-20", 10), ("bytes=-0", 10),
                                        ("bytes=0-", 0)])
def test_unsatisfiable_range(s3, bucket, spec, size):
    s3.put_object(Bucket=bucket, Key="obj", Body=b"0123456789"[:size])
    err = error(s3.get_object, Bucket=bucket, Key="obj", Range=spec)
    assert err["Error"] == {"Code": "InvalidRange", "RangeRequested": spec,
                            "ActualObjectSize": str(size),
                            "Message": "The requested range is not satisfiable"}
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 416
    assert err["ResponseMetadata"]["HTTPHeaders"]["content-range"] == f"bytes */{size}"


def test_conditional_reads_and_writes(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"v1")["ETag"]
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"v1"
    err = error(s3.get_object, Bucket=bucket, Key="c", IfMatch='"0123"')
    assert err["Error"]["Code"] == "PreconditionFailed"
    assert err["Error"]["Message"] == "At least one of the pre-conditions you specified did not hold"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 412
    err = error(s3.get_object, Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 304
    err = error(s3.put_object, Bucket=bucket, Key="c", Body=b"v2", IfNoneMatch="*")
    assert err["Error"]["Code"] == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="c")["Body"].read() == b"v1"
    s3.put_object(Bucket=bucket, Key="new", Body=b"n", IfNoneMatch="*")


def test_delete_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="gone", Body=b"x")
    assert s3.delete_object(Bucket=bucket, Key="gone")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error(s3.head_object, Bucket=bucket, Key="gone")["Error"]["Code"] == "404"
    # deleting a key that does not exist is not an error in S3
    assert s3.delete_object(Bucket=bucket, Key="never")["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_delete_objects_plain_and_quiet(s3, bucket):
    for k in ("a", "b", "c", "d"):
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"},
                                                               {"Key": "missing"}]})
    assert sorted(d["Key"] for d in out["Deleted"]) == ["a", "b", "missing"]
    assert "Errors" not in out
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
    assert "Deleted" not in out
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["d"]
    err = error(s3.delete_objects, Bucket=bucket, Delete={"Objects": []})
    assert err["Error"]["Code"] == "MalformedXML"


def test_copy_object(s3, bucket, name):
    other = f"{name}-dst"
    s3.create_bucket(Bucket=other)
    s3.put_object(Bucket=bucket, Key="src dir/ünï cödé+1.txt", Body=b"payload",
                  ContentType="text/plain", Metadata={"a": "1"})
    out = s3.copy_object(Bucket=other, Key="copy.txt",
                         CopySource={"Bucket": bucket, "Key": "src dir/ünï cödé+1.txt"})
    assert out["CopyObjectResult"]["ETag"] == f'"{md5(b"payload")}"'
    got = s3.get_object(Bucket=other, Key="copy.txt")
    assert (got["Body"].read(), got["ContentType"], got["Metadata"]) == (
        b"payload", "text/plain", {"a": "1"})
    s3.copy_object(Bucket=other, Key="replaced.txt", MetadataDirective="REPLACE",
                   CopySource=f"{bucket}/src dir/ünï cödé+1.txt",
                   ContentType="application/json", Metadata={"b": "2"})
    got = s3.get_object(Bucket=other, Key="replaced.txt")
    assert (got["ContentType"], got["Metadata"]) == ("application/json", {"b": "2"})
    # onto itself only when something changes
    err = error(s3.copy_object, Bucket=other, Key="copy.txt",
                CopySource={"Bucket": other, "Key": "copy.txt"})
    assert err["Error"]["Code"] == "InvalidRequest"
    assert err["Error"]["Message"] == (
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or "
        "encryption attributes.")
    s3.copy_object(Bucket=other, Key="copy.txt", CopySource={"Bucket": other, "Key": "copy.txt"},
                   MetadataDirective="REPLACE", Metadata={"c": "3"})
    assert s3.head_object(Bucket=other, Key="copy.txt")["Metadata"] == {"c": "3"}
    err = error(s3.copy_object, Bucket=other, Key="x", CopySource={"Bucket": bucket, "Key": "nope"})
    assert err["Error"]["Code"] == "NoSuchKey"
    err = error(s3.copy_object, Bucket=other, Key="x",
                CopySource={"Bucket": f"{name}-nope", "Key": "nope"})
    assert err["Error"]["Code"] == "NoSuchBucket"


def test_checksums_are_verified_and_returned(s3, bucket):
    data = b"checked bytes"
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    put = s3.put_object(Bucket=bucket, Key="c", Body=data)  # botocore adds CRC32 itself
    assert put["ChecksumCRC32"] == crc
    got = s3.get_object(Bucket=bucket, Key="c", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == crc
    assert got["Body"].read() == data  # botocore validated the checksum while reading
    err = error(s3.put_object, Bucket=bucket, Key="bad", Body=data, ChecksumCRC32="AAAAAA==")
    assert err["Error"]["Code"] == "BadDigest"
    assert err["Error"]["Message"] == "The CRC32 you specified did not match the calculated checksum."
    wrong_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    err = error(s3.put_object, Bucket=bucket, Key="bad", Body=data, ContentMD5=wrong_md5)
    assert err["Error"] == {"Code": "BadDigest", "Message": "The Content-MD5 you specified did "
                                                            "not match what we received."}
    assert error(s3.head_object, Bucket=bucket, Key="bad")["Error"]["Code"] == "404"


def _chunked(data: bytes, checksum_name="x-amz-checksum-crc32", cls=Crc32Checksum) -> bytes:
    """The body botocore's flexible checksums send over TLS: aws-chunked with a trailer."""
    return AwsChunkedWrapper(io.BytesIO(data), checksum_cls=cls, checksum_name=checksum_name,
                             chunk_size=64 * 1024).read()


def test_aws_chunked_body_with_trailing_checksum(cloud, s3, bucket):
    data = os.urandom(200 * 1024 + 7)
    headers = {"Content-Encoding": "aws-chunked", "Content-Type": "application/x-npy",
               "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
               "x-amz-trailer": "x-amz-checksum-crc32",
               "x-amz-decoded-content-length": str(len(data))}
    status, resp_headers, _ = raw_request(cloud, "PUT", f"/{bucket}/chunked.bin",
                                          _chunked(data), headers)
    assert status == 200
    assert resp_headers["etag"] == f'"{md5(data)}"'
    got = s3.get_object(Bucket=bucket, Key="chunked.bin")
    assert got["Body"].read() == data
    assert got["ContentType"] == "application/x-npy"
    assert "ContentEncoding" not in got  # aws-chunked is transport, not the object's encoding
    # a trailer that does not match the bytes is refused, and nothing is stored
    good = _chunked(data)
    trailer_at = good.rindex(b"x-amz-checksum-crc32:")
    body = good[:trailer_at] + b"x-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    status, _, err = raw_request(cloud, "PUT", f"/{bucket}/bad.bin", body, headers)
    assert status == 400
    assert b"<Code>BadDigest</Code>" in err
    assert error(s3.head_object, Bucket=bucket, Key="bad.bin")["Error"]["Code"] == "404"
    # a decoded length that does not match
    status, _, err = raw_request(cloud, "PUT", f"/{bucket}/short.bin", _chunked(data),
                                 {**headers, "x-amz-decoded-content-length": "5"})
    assert status == 400
    assert b"<Code>IncompleteBody</Code>" in err


def test_signed_streaming_chunks_are_decoded(cloud, s3, bucket):
    """Other SDKs sign each chunk (STREAMING-AWS4-HMAC-SHA256-PAYLOAD); labcloud does not check
    signatures but must still strip the chunk framing."""
    parts = [b"a" * 10, b"b" * 3]
    body = b"".join(b"%x;chunk-signature=%s\r\n%s\r\n" % (len(p), b"0" * 64, p) for p in parts)
    body += b"0;chunk-signature=" + b"0" * 64 + b"\r\n\r\n"
    status, _, _ = raw_request(cloud, "PUT", f"/{bucket}/signed", body, {
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "13"})
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="signed")["Body"].read() == b"a" * 10 + b"b" * 3


# ---- listing ---------------------------------------------------------------------------------
LIST_KEYS = ([f"f{i:02d}.csv" for i in range(6)]
             + [f"data/train/part-{i}.csv" for i in range(5)]
             + [f"data/val/part-{i}.csv" for i in range(3)]
             + ["data/readme.txt", "data/zz.txt"]
             + [f"logs/{i}.log" for i in range(4)]
             + ["a b/c", "a+b/c", "é/x", "z", "Z"])


@pytest.fixture(scope="module")
def listed_bucket(aws):
    s3 = aws("s3")
    name = f"t-list-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=name)
    for key in LIST_KEYS:
        s3.put_object(Bucket=name, Key=key, Body=key.encode())
    return name


def expected_entries(keys, prefix="", delimiter="", after=None) -> list[tuple[str, str]]:
    """What S3 lists, computed the obvious way: sort by UTF-8 bytes, roll up, dedupe."""
    out: list[tuple[str, str]] = []
    for key in sorted(keys, key=lambda k: k.encode()):
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix):]
        if delimiter and delimiter in rest:
            entry = ("prefix", prefix + rest[:rest.index(delimiter) + len(delimiter)])
        else:
            entry = ("key", key)
        if after is not None and entry[1].encode() <= after.encode():
            continue
        if entry not in out:
            out.append(entry)
    return out


def _entries(resp) -> list[tuple[str, str]]:
    items = [("key", o["Key"]) for o in resp.get("Contents", [])]
    items += [("prefix", p["Prefix"]) for p in resp.get("CommonPrefixes", [])]
    return sorted(items, key=lambda e: e[1].encode())


def test_listing_is_utf8_binary_order(s3, listed_bucket):
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=listed_bucket)["Contents"]]
    assert len(keys) == 25
    assert keys == sorted(LIST_KEYS, key=lambda k: k.encode())
    assert keys.index("Z") < keys.index("a b/c") < keys.index("a+b/c") < keys.index("z") \
        < keys.index("é/x")


@pytest.mark.parametrize("max_keys", [7, 2])  # 2: pages also end on a common prefix
@pytest.mark.parametrize("prefix, delimiter", [("", ""), ("", "/"), ("data/", "/"),
                                               ("data/", ""), ("", "a"), ("f0", "/")])
def test_list_objects_v2_pagination_is_exact(s3, listed_bucket, prefix, delimiter, max_keys):
    pages, token = [], None
    while True:
        kwargs = {"Bucket": listed_bucket, "MaxKeys": max_keys, "Prefix": prefix,
                  "Delimiter": delimiter}
        if token:
            kwargs["ContinuationToken"] = token
        resp = s3.list_objects_v2(**kwargs)
        page = _entries(resp)
        assert resp["KeyCount"] == len(page)
        assert resp["MaxKeys"] == max_keys
        pages.append(page)
        if not resp["IsTruncated"]:
            assert "NextContinuationToken" not in resp
            break
        token = resp["NextContinuationToken"]
        assert len(pages) < 20
    expected = expected_entries(LIST_KEYS, prefix, delimiter)
    assert [e for page in pages for e in page] == expected
    assert [len(p) for p in pages[:-1]] == [max_keys] * (len(pages) - 1)
    assert 1 <= len(pages[-1]) <= max_keys or expected == []
    paginated = s3.get_paginator("list_objects_v2").paginate(
        Bucket=listed_bucket, Prefix=prefix, Delimiter=delimiter,
        PaginationConfig={"PageSize": max_keys})
    assert [e for resp in paginated for e in _entries(resp)] == expected


def test_list_objects_v2_delimiter_page_count(s3, listed_bucket):
    """25 keys, MaxKeys=7, Delimiter='/': 6 files + z, Z and 5 prefixes = 13 entries, 2 pages."""
    first = s3.list_objects_v2(Bucket=listed_bucket, MaxKeys=7, Delimiter="/")
    assert first["IsTruncated"] is True
    assert [p["Prefix"] for p in first["CommonPrefixes"]] == ["a b/", "a+b/", "data/"]
    assert [o["Key"] for o in first["Contents"]] == ["Z", "f00.csv", "f01.csv", "f02.csv"]
    second = s3.list_objects_v2(Bucket=listed_bucket, MaxKeys=7, Delimiter="/",
                                ContinuationToken=first["NextContinuationToken"])
    assert second["IsTruncated"] is False
    assert [p["Prefix"] for p in second["CommonPrefixes"]] == ["logs/", "é/"]
    assert [o["Key"] for o in second["Contents"]] == ["f03.csv", "f04.csv", "f05.csv", "z"]


def test_list_objects_v2_start_after_and_max_keys_zero(s3, listed_bucket):
    resp = s3.list_objects_v2(Bucket=listed_bucket, StartAfter="f03.csv", Prefix="f")
    assert [o["Key"] for o in resp["Contents"]] == ["f04.csv", "f05.csv"]
    assert resp["StartAfter"] == "f03.csv"
    resp = s3.list_objects_v2(Bucket=listed_bucket, StartAfter="data/", Delimiter="/")
    assert _entries(resp) == expected_entries(LIST_KEYS, "", "/", after="data/")
    assert "data/" not in [p["Prefix"] for p in resp["CommonPrefixes"]]
    resp = s3.list_objects_v2(Bucket=listed_bucket, MaxKeys=0)
    assert resp["KeyCount"] == 0 and "Contents" not in resp and resp["IsTruncated"] is False
    err = error(s3.list_objects_v2, Bucket=listed_bucket, ContinuationToken="not-a-token")
    assert err["Error"]["Code"] == "InvalidArgument"
    assert err["Error"]["Message"] == "The continuation token provided is incorrect"
    err = error(s3.list_objects_v2, Bucket=listed_bucket, MaxKeys=-1)
    assert err["Error"]["Code"] == "InvalidArgument"


@pytest.mark.parametrize("max_keys", [7, 2])
@pytest.mark.parametrize("prefix, delimiter", [("", ""), ("", "/"), ("data/", "/")])
def test_list_objects_v1_marker_pagination(s3, listed_bucket, prefix, delimiter, max_keys):
    pages, marker = [], ""
    while True:
        resp = s3.list_objects(Bucket=listed_bucket, MaxKeys=max_keys, Prefix=prefix,
                               Delimiter=delimiter, Marker=marker)
        pages.append(_entries(resp))
        assert resp["Marker"] == marker
        if not resp["IsTruncated"]:
            break
        if delimiter:
            marker = resp["NextMarker"]
        else:
            assert "NextMarker" not in resp  # S3 only sends it with a delimiter
            marker = resp["Contents"][-1]["Key"]
        assert len(pages) < 20
    assert [e for page in pages for e in page] == expected_entries(LIST_KEYS, prefix, delimiter)
    assert all(o["Owner"]["ID"] for o in s3.list_objects(Bucket=listed_bucket)["Contents"])


def test_encoding_type_url(s3, listed_bucket):
    """boto3 asks for EncodingType=url and decodes; asked explicitly, it leaves keys encoded."""
    resp = s3.list_objects_v2(Bucket=listed_bucket, Prefix="a", Delimiter="/")
    assert [p["Prefix"] for p in resp["CommonPrefixes"]] == ["a b/", "a+b/"]
    resp = s3.list_objects_v2(Bucket=listed_bucket, Prefix="é", EncodingType="url")
    assert [o["Key"] for o in resp["Contents"]] == ["%C3%A9/x"]
    assert resp["Prefix"] == "%C3%A9"
    resp = s3.list_objects_v2(Bucket=listed_bucket, Prefix="a", EncodingType="url")
    assert [o["Key"] for o in resp["Contents"]] == ["a+b/c", "a%2Bb/c"]


# ---- multipart -------------------------------------------------------------------------------
def test_multipart_upload_low_level(s3, bucket):
    part1, part2 = os.urandom(5 * MiB), b"tail bytes"
    up = s3.create_multipart_upload(Bucket=bucket, Key="big/model.bin",
                                    ContentType="application/octet-stream",
                                    Metadata={"stage": "final"})
    upload_id = up["UploadId"]
    assert (up["Bucket"], up["Key"]) == (bucket, "big/model.bin")
    listed = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in listed] == [("big/model.bin", upload_id)]
    e1 = s3.upload_part(Bucket=bucket, Key="big/model.bin", UploadId=upload_id, PartNumber=1,
                        Body=part1)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="big/model.bin", UploadId=upload_id, PartNumber=2,
                        Body=part2)["ETag"]
    assert (e1, e2) == (f'"{md5(part1)}"', f'"{md5(part2)}"')
    parts = s3.list_parts(Bucket=bucket, Key="big/model.bin", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [
        (1, e1, 5 * MiB), (2, e2, len(part2))]
    first = s3.list_parts(Bucket=bucket, Key="big/model.bin", UploadId=upload_id, MaxParts=1)
    assert first["IsTruncated"] is True and first["NextPartNumberMarker"] == 1
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="big/model.bin", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    expected_etag = hashlib.md5(hashlib.md5(part1).digest() + hashlib.md5(part2).digest())
    assert done["ETag"] == f'"{expected_etag.hexdigest()}-2"'
    assert done["Key"] == "big/model.bin"
    got = s3.get_object(Bucket=bucket, Key="big/model.bin")
    assert got["Body"].read() == part1 + part2
    assert got["ETag"] == done["ETag"]
    assert got["Metadata"] == {"stage": "final"}
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    err = error(s3.list_parts, Bucket=bucket, Key="big/model.bin", UploadId=upload_id)
    assert err["Error"]["Code"] == "NoSuchUpload"


def test_multipart_errors(s3, bucket):
    key = "mp.bin"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    small = [s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n,
                            Body=b"x" * 10)["ETag"] for n in (1, 2)]

    def complete(parts):
        return error(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=upload_id,
                     MultipartUpload={"Parts": parts})["Error"]

    err = complete([{"PartNumber": 2, "ETag": small[1]}, {"PartNumber": 1, "ETag": small[0]}])
    assert err["Code"] == "InvalidPartOrder"
    assert err["Message"] == ("The list of parts was not in ascending order. Parts must be "
                              "ordered by part number.")
    err = complete([{"PartNumber": 1, "ETag": '"0000"'}])
    assert err["Code"] == "InvalidPart"
    assert err["Message"] == ("One or more of the specified parts could not be found.  The part "
                              "may not have been uploaded, or the specified entity tag may not "
                              "match the part's entity tag.")
    err = complete([{"PartNumber": 1, "ETag": small[0]}, {"PartNumber": 3, "ETag": small[1]}])
    assert err["Code"] == "InvalidPart"
    err = complete([{"PartNumber": 1, "ETag": small[0]}, {"PartNumber": 2, "ETag": small[1]}])
    assert err["Code"] == "EntityTooSmall"
    assert err["Message"] == "Your proposed upload is smaller than the minimum allowed object size."
    assert (err["ProposedSize"], err["MinSizeAllowed"], err["PartNumber"]) == ("10", "5242880", "1")
    assert complete([])["Code"] == "MalformedXML"
    # a single small part is fine: only parts before the last must be 5 MiB
    done = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                        MultipartUpload={"Parts": [{"PartNumber": 2,
                                                                    "ETag": small[1]}]})
    assert done["ETag"].endswith('-1"')
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"x" * 10
    err = error(s3.upload_part, Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1,
                Body=b"late")
    assert err["Error"] == {
        "Code": "NoSuchUpload", "UploadId": upload_id,
        "Message": "The specified upload does not exist. The upload ID may be invalid, or the "
                   "upload may have been aborted or completed."}
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 404
    err = error(s3.upload_part, Bucket=bucket, Key=key, UploadId="bogus", PartNumber=10001,
                Body=b"x")
    assert err["Error"]["Code"] == "InvalidArgument"
    assert err["Error"]["Message"] == "Part number must be an integer between 1 and 10000, inclusive"


def test_abort_multipart_upload(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="a")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="a", UploadId=upload_id, PartNumber=1, Body=b"1")
    out = s3.abort_multipart_upload(Bucket=bucket, Key="a", UploadId=upload_id)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    err = error(s3.abort_multipart_upload, Bucket=bucket, Key="a", UploadId=upload_id)
    assert err["Error"]["Code"] == "NoSuchUpload"
    err = error(s3.complete_multipart_upload, Bucket=bucket, Key="a", UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]})
    assert err["Error"]["Code"] == "NoSuchUpload"
    assert error(s3.head_object, Bucket=bucket, Key="a")["Error"]["Code"] == "404"
    # an upload id of another key is no upload of this key
    other = s3.create_multipart_upload(Bucket=bucket, Key="b")["UploadId"]
    err = error(s3.upload_part, Bucket=bucket, Key="a", UploadId=other, PartNumber=1, Body=b"1")
    assert err["Error"]["Code"] == "NoSuchUpload"


def test_list_multipart_uploads_markers(s3, bucket):
    ids = {k: s3.create_multipart_upload(Bucket=bucket, Key=k)["UploadId"]
           for k in ("k1", "k2", "k3", "dir/k4")}
    first = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2)
    assert [u["Key"] for u in first["Uploads"]] == ["dir/k4", "k1"]
    assert first["IsTruncated"] is True
    rest = s3.list_multipart_uploads(Bucket=bucket, KeyMarker=first["NextKeyMarker"],
                                     UploadIdMarker=first["NextUploadIdMarker"])
    assert [(u["Key"], u["UploadId"]) for u in rest["Uploads"]] == [
        ("k2", ids["k2"]), ("k3", ids["k3"])]
    grouped = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["dir/"]


def test_upload_part_copy(s3, bucket):
    source = os.urandom(6 * MiB)
    s3.put_object(Bucket=bucket, Key="source", Body=source)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="joined")["UploadId"]
    p1 = s3.upload_part_copy(Bucket=bucket, Key="joined", UploadId=upload_id, PartNumber=1,
                             CopySource={"Bucket": bucket, "Key": "source"},
                             CopySourceRange=f"bytes=0-{5 * MiB - 1}")["CopyPartResult"]["ETag"]
    p2 = s3.upload_part_copy(Bucket=bucket, Key="joined", UploadId=upload_id, PartNumber=2,
                             CopySource={"Bucket": bucket, "Key": "source"},
                             CopySourceRange=f"bytes={5 * MiB}-{6 * MiB - 1}")
    s3.complete_multipart_upload(Bucket=bucket, Key="joined", UploadId=upload_id,
                                 MultipartUpload={"Parts": [
                                     {"PartNumber": 1, "ETag": p1},
                                     {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="joined")["Body"].read() == source
    err = error(s3.upload_part_copy, Bucket=bucket, Key="joined", UploadId="nope", PartNumber=1,
                CopySource={"Bucket": bucket, "Key": "source"})
    assert err["Error"]["Code"] == "NoSuchUpload"


def test_upload_file_20mb_is_multipart_and_download_file_matches(s3, bucket, tmp_path):
    data = os.urandom(20 * MiB)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    cfg = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB)
    s3.upload_file(str(src), bucket, "models/big.bin", Config=cfg)
    head = s3.head_object(Bucket=bucket, Key="models/big.bin")
    chunks = [data[i:i + 8 * MiB] for i in range(0, len(data), 8 * MiB)]
    expected = hashlib.md5(b"".join(hashlib.md5(c).digest() for c in chunks)).hexdigest()
    assert head["ETag"] == f'"{expected}-3"'
    assert head["ContentLength"] == len(data)
    dest = tmp_path / "back.bin"
    s3.download_file(bucket, "models/big.bin", str(dest), Config=cfg)  # ranged GETs in parallel
    assert hashlib.sha256(dest.read_bytes()).digest() == hashlib.sha256(data).digest()
    small = tmp_path / "small.txt"
    small.write_bytes(b"small file\n")
    s3.upload_file(str(small), bucket, "small.txt")
    small_etag = md5(b"small file\n")
    assert s3.head_object(Bucket=bucket, Key="small.txt")["ETag"] == f'"{small_etag}"'
    s3.download_file(bucket, "small.txt", str(tmp_path / "small.back"))
    assert (tmp_path / "small.back").read_text() == "small file\n"


# ---- keys are keys, never paths --------------------------------------------------------------
def _files_outside_s3(home: Path) -> set[Path]:
    root = home.parent
    return {p for p in root.rglob("*") if p.is_file() and home / "s3" not in p.parents}


def test_dangerous_keys_stay_keys(cloud, s3, bucket):
    home = Path(cloud.home)
    before = _files_outside_s3(home)
    keys = ["../../x", "../" * 12 + "etc/x", "/abs/x", "a\x00b", "..", ".", "./x/../y",
            "back\\slash", "c\rd"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == sorted(keys, key=lambda k: k.encode())
    for k in keys:
        assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == k.encode()
    after = _files_outside_s3(home)
    new = {p for p in after - before if not p.name.startswith("state.db")}
    assert new == set()
    assert not (home.parent / "x").exists() and not (home / "x").exists()
    assert not any(p.name == "x" for p in home.rglob("*"))
    for k in keys:
        s3.delete_object(Bucket=bucket, Key=k)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


# ---- persistence and the in-process API -----------------------------------------------------
def _data_files(home: Path) -> int:
    return sum(1 for p in (home / "s3" / "data").rglob("*") if p.is_file())


def test_state_survives_a_restart(tmp_path):
    home = tmp_path / "restart-home"
    conn = labcloud.start(home, export=False, quiet=True)
    try:
        s3 = client_for(conn)
        s3.create_bucket(Bucket="persist")
        s3.put_object(Bucket="persist", Key="a/one.txt", Body=b"old", Metadata={"m": "1"})
        s3.put_object(Bucket="persist", Key="a/one.txt", Body=b"one", Metadata={"m": "2"},
                      ContentType="text/plain")
        s3.put_object(Bucket="persist", Key="gone", Body=b"bye")
        s3.delete_object(Bucket="persist", Key="gone")
        upload_id = s3.create_multipart_upload(Bucket="persist", Key="pending")["UploadId"]
        s3.upload_part(Bucket="persist", Key="pending", UploadId=upload_id, PartNumber=1,
                       Body=b"p" * 100)
        # LastModified comes from the simulated clock
        urllib_advance(conn.url, 86400)
        s3.put_object(Bucket="persist", Key="tomorrow", Body=b"t")
        etag = s3.head_object(Bucket="persist", Key="a/one.txt")["ETag"]
    finally:
        labcloud.stop(home)
    # what a crash would leave: a half-written temp file and a body no row points at
    hour_ago = datetime.now().timestamp() - 3600
    crashed = [home / "s3" / "tmp" / "half-written", home / "s3" / "data" / "00" / "orphan"]
    for path in crashed:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"junk")
        os.utime(path, (hour_ago, hour_ago))
    conn = labcloud.start(home, export=False, quiet=True)
    try:
        assert not any(p.exists() for p in crashed)
        s3 = client_for(conn)
        assert "persist" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        got = s3.get_object(Bucket="persist", Key="a/one.txt")
        assert (got["Body"].read(), got["Metadata"], got["ContentType"], got["ETag"]) == (
            b"one", {"m": "2"}, "text/plain", etag)
        assert [o["Key"] for o in s3.list_objects_v2(Bucket="persist")["Contents"]] == [
            "a/one.txt", "tomorrow"]
        tomorrow = s3.head_object(Bucket="persist", Key="tomorrow")["LastModified"]
        assert tomorrow - datetime.now(timezone.utc) > timedelta(hours=23)
        parts = s3.list_parts(Bucket="persist", Key="pending", UploadId=upload_id)["Parts"]
        assert [p["Size"] for p in parts] == [100]
        # the restart retired the overwritten and deleted bodies: one file per live body
        assert _data_files(home) == 3
        assert list((home / "s3" / "tmp").iterdir()) == []
    finally:
        labcloud.stop(home)


def urllib_advance(url: str, seconds: float) -> None:
    import json
    import urllib.request
    req = urllib.request.Request(f"{url}/_labcloud/clock", method="POST",
                                 data=json.dumps({"advance": seconds}).encode())
    urllib.request.urlopen(req, timeout=10).read()


def test_python_api_shares_state_with_the_wire(tmp_path):
    from labcloud.server.app import Cloud
    home = tmp_path / "api-home"
    api = Cloud(home).services["s3"]
    assert api.bucket_exists("inproc") is False
    api.create_bucket("inproc")
    api.create_bucket("inproc")  # us-east-1: re-creating your own bucket is a no-op
    assert api.bucket_exists("inproc") is True
    with pytest.raises(AWSError) as info:
        api.create_bucket("Bad_Name")
    assert (info.value.code, info.value.message) == ("InvalidBucketName",
                                                     "The specified bucket is not valid.")
    assert api.put_object_bytes("inproc", "a/one.txt", b"one", content_type="text/plain") \
        == f'"{md5(b"one")}"'
    src = tmp_path / "two.bin"
    src.write_bytes(b"two" * 1000)
    assert api.put_object_file("inproc", "a/two.bin", src) == f'"{md5(b"two" * 1000)}"'
    assert src.exists()
    moved = tmp_path / "three.bin"
    moved.write_bytes(b"3")
    api.put_object_file("inproc", "b/three.bin", moved, move=True)
    assert not moved.exists()
    listing = api.list_objects("inproc", "a/")
    assert [(o["Key"], o["Size"], o["ETag"]) for o in listing] == [
        ("a/one.txt", 3, f'"{md5(b"one")}"'), ("a/two.bin", 3000, f'"{md5(b"two" * 1000)}"')]
    assert isinstance(listing[0]["LastModified"], datetime)
    assert len(api.list_objects("inproc")) == 3
    assert api.object_file("inproc", "b/three.bin").read_bytes() == b"3"
    assert home / "s3" in api.object_file("inproc", "a/one.txt").parents
    with pytest.raises(AWSError) as info:
        api.object_file("inproc", "missing")
    assert (info.value.code, info.value.status) == ("NoSuchKey", 404)
    with pytest.raises(AWSError) as info:
        api.object_file("no-such-bucket-here", "k")
    assert info.value.code == "NoSuchBucket"
    with pytest.raises(AWSError) as info:
        api.list_objects("no-such-bucket-here")
    assert info.value.code == "NoSuchBucket"
    conn = labcloud.start(home, export=False, quiet=True)
    try:
        s3 = client_for(conn)
        got = s3.get_object(Bucket="inproc", Key="a/one.txt")
        assert (got["Body"].read(), got["ContentType"]) == (b"one", "text/plain")
        s3.put_object(Bucket="inproc", Key="c/wire.txt", Body=b"from the wire")
        assert api.object_file("inproc", "c/wire.txt").read_bytes() == b"from the wire"
        api.delete_object("inproc", "a/one.txt")
        api.delete_object("inproc", "a/one.txt")  # missing key: no error, as in S3
        assert error(s3.head_object, Bucket="inproc", Key="a/one.txt")["Error"]["Code"] == "404"
    finally:
        labcloud.stop(home)


def test_list_page_walk_matches_s3_semantics_for_random_keys():
    """The paging walk itself, over many random key sets and tiny scan batches, so that every
    batch boundary (inside a rolled-up prefix, on a marker, at the end) is crossed."""
    import random

    from labcloud.services.s3.listing import list_page
    from labcloud.services.s3.store import ObjectInfo

    rng = random.Random(7)
    alphabet = ["a", "b", "/", "é", "~", "Z"]
    for _ in range(300):
        keys = sorted({"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
                       for _ in range(rng.randint(0, 30))}, key=lambda k: k.encode())
        objects = [ObjectInfo("b", k, 0, "", 0.0, "", {}, {}, {}, None, "") for k in keys]

        def scan(lower, inclusive, upper, limit):
            rows = [o for o in objects if (o.key.encode() >= lower if inclusive
                                           else o.key.encode() > lower)
                    and (upper is None or o.key.encode() < upper)]
            return rows[:limit]

        prefix = rng.choice(["", "a", "a/", "é", "b~"])
        delimiter = rng.choice(["", "/", "a", "é"])
        max_keys = rng.randint(1, 6)
        batch = rng.randint(1, 4)
        walked, after = [], None
        for _ in range(100):
            page = list_page(scan, prefix, delimiter, after, max_keys, batch=batch)
            entries = [("key", o.key) for o in page.contents]
            entries += [("prefix", p) for p in page.prefixes]
            walked += sorted(entries, key=lambda e: e[1].encode())
            assert page.count <= max_keys
            if not page.truncated:
                break
            assert page.count == max_keys
            after = page.last
        assert walked == expected_entries(keys, prefix, delimiter), (keys, prefix, delimiter)
