"""S3 through the real AWS CLI (v1): the `aws s3` commands students paste from tutorials."""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from conftest import run_aws_cli

MiB = 1024 * 1024


def tree(root: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under root."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def local_tree(tmp_path) -> Path:
    root = tmp_path / "upload"
    files = {
        "train/part-0.csv": b"1,2,3\n" * 100,
        "train/part-1.csv": b"4,5,6\n" * 50,
        "validation/val.csv": b"7,8,9\n",
        "notes with spaces.txt": "ünïcode ✓\n".encode(),
        "model/weights.bin": os.urandom(9 * MiB),  # above the CLI's 8 MB threshold: multipart
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_mb_ls_cp_recursive_up_and_down_rm_rb(cloud, aws, name, local_tree, tmp_path):
    s3 = aws("s3")
    out = run_aws_cli(cloud, "s3", "mb", f"s3://{name}")
    assert out.stdout.strip() == f"make_bucket: {name}"
    assert re.search(rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d {re.escape(name)}$",
                     run_aws_cli(cloud, "s3", "ls").stdout, re.M)

    run_aws_cli(cloud, "s3", "cp", str(local_tree), f"s3://{name}/dataset/", "--recursive")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"])
    assert keys == sorted(f"dataset/{rel}" for rel in tree(local_tree))
    head = s3.head_object(Bucket=name, Key="dataset/model/weights.bin")
    assert head["ETag"].endswith('-2"')  # 9 MiB in 8 MiB chunks

    listing = run_aws_cli(cloud, "s3", "ls", f"s3://{name}/dataset/").stdout.splitlines()
    assert sorted(line.split()[-1] for line in listing if "PRE" in line) == [
        "model/", "train/", "validation/"]
    files = [line for line in listing if "PRE" not in line]
    assert len(files) == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +14 notes with spaces\.txt", files[0])
    nested = run_aws_cli(cloud, "s3", "ls", f"s3://{name}/dataset/train/").stdout
    assert re.search(r" 600 part-0\.csv$", nested, re.M)
    assert re.search(r" 300 part-1\.csv$", nested, re.M)
    recursive = run_aws_cli(cloud, "s3", "ls", f"s3://{name}", "--recursive").stdout
    assert len(recursive.splitlines()) == 5

    down = tmp_path / "download"
    run_aws_cli(cloud, "s3", "cp", f"s3://{name}/dataset/", str(down), "--recursive")
    assert tree(down) == tree(local_tree)

    failed = run_aws_cli(cloud, "s3", "rb", f"s3://{name}", check=False)
    assert failed.returncode != 0
    assert "BucketNotEmpty" in failed.stderr
    assert "The bucket you tried to delete is not empty" in failed.stderr

    out = run_aws_cli(cloud, "s3", "rm", f"s3://{name}/dataset/train/", "--recursive").stdout
    assert sorted(re.findall(r"^delete: (\S+)$", out, re.M)) == [
        f"s3://{name}/dataset/train/part-0.csv", f"s3://{name}/dataset/train/part-1.csv"]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"])
    assert [k for k in keys if k.startswith("dataset/train/")] == []
    assert len(keys) == 3
    run_aws_cli(cloud, "s3", "rm", f"s3://{name}", "--recursive")
    assert "Contents" not in s3.list_objects_v2(Bucket=name)

    out = run_aws_cli(cloud, "s3", "rb", f"s3://{name}")
    assert out.stdout.strip() == f"remove_bucket: {name}"
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_cp_single_files_between_local_and_buckets(cloud, aws, name, tmp_path):
    s3 = aws("s3")
    s3.create_bucket(Bucket=name)
    src = tmp_path / "report.json"
    src.write_text('{"accuracy": 0.93}\n')
    run_aws_cli(cloud, "s3", "cp", str(src), f"s3://{name}/in/report.json")
    got = s3.get_object(Bucket=name, Key="in/report.json")
    assert got["Body"].read() == src.read_bytes()
    assert got["ContentType"] == "application/json"  # the CLI guesses it from the extension
    run_aws_cli(cloud, "s3", "cp", f"s3://{name}/in/report.json", f"s3://{name}/out/copy.json")
    assert s3.get_object(Bucket=name, Key="out/copy.json")["Body"].read() == src.read_bytes()
    run_aws_cli(cloud, "s3", "cp", f"s3://{name}/out/copy.json", str(tmp_path / "back.json"))
    assert (tmp_path / "back.json").read_bytes() == src.read_bytes()
    run_aws_cli(cloud, "s3", "rb", f"s3://{name}", "--force")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_s3api_errors_read_like_aws(cloud, bucket):
    out = run_aws_cli(cloud, "s3api", "get-object", "--bucket", bucket, "--key", "nope",
                      "/dev/null", check=False)
    assert out.returncode != 0
    assert ("An error occurred (NoSuchKey) when calling the GetObject operation: "
            "The specified key does not exist.") in out.stderr
    out = run_aws_cli(cloud, "s3api", "create-bucket", "--bucket", "Not_Valid", check=False)
    assert ("An error occurred (InvalidBucketName) when calling the CreateBucket operation: "
            "The specified bucket is not valid.") in out.stderr
    out = run_aws_cli(cloud, "s3", "ls", "s3://t-no-such-bucket-here", check=False)
    assert "An error occurred (NoSuchBucket) when calling the ListObjectsV2 operation: " \
           "The specified bucket does not exist" in out.stderr
