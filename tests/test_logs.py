"""CloudWatch Logs through the real boto3 client against the real server."""
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def stream(aws, name):
    logs = aws("logs")
    group = f"/test/{name}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    events = [{"timestamp": 1_700_000_000_000 + i, "message": f"line {i}"} for i in range(25)]
    logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=events)
    return group


def test_get_log_events_pages_forward_until_the_token_repeats(aws, stream):
    logs = aws("logs")
    seen, token = [], None
    for _ in range(10):
        kwargs = {"nextToken": token} if token else {"startFromHead": True}
        page = logs.get_log_events(logGroupName=stream, logStreamName="s1", limit=10, **kwargs)
        seen += [e["message"] for e in page["events"]]
        if page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    assert seen == [f"line {i}" for i in range(25)]
    assert token.startswith("f/") and len(token) == 58


def test_get_log_events_without_start_from_head_returns_the_newest(aws, stream):
    page = aws("logs").get_log_events(logGroupName=stream, logStreamName="s1", limit=5)
    assert [e["message"] for e in page["events"]] == [f"line {i}" for i in range(20, 25)]
    back = aws("logs").get_log_events(logGroupName=stream, logStreamName="s1", limit=5,
                                      nextToken=page["nextBackwardToken"])
    assert [e["message"] for e in back["events"]] == [f"line {i}" for i in range(15, 20)]


def test_time_window(aws, stream):
    page = aws("logs").get_log_events(logGroupName=stream, logStreamName="s1", startFromHead=True,
                                      startTime=1_700_000_000_003, endTime=1_700_000_000_006)
    assert [e["message"] for e in page["events"]] == ["line 3", "line 4", "line 5"]


def test_filter_log_events_terms_and_pages(aws, stream):
    logs = aws("logs")
    out = logs.filter_log_events(logGroupName=stream, filterPattern="line -3")
    assert "line 3" not in [e["message"] for e in out["events"]]
    assert len(out["events"]) == 25 - 3  # line 3, 13, 23 excluded
    paginator = logs.get_paginator("filter_log_events")
    messages = [e["message"] for page in paginator.paginate(logGroupName=stream,
                PaginationConfig={"PageSize": 4}) for e in page["events"]]
    assert messages == [f"line {i}" for i in range(25)]


def test_describe_streams_and_groups(aws, stream):
    logs = aws("logs")
    streams = logs.describe_log_streams(logGroupName=stream, logStreamNamePrefix="s")["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["s1"]
    assert streams[0]["firstEventTimestamp"] == 1_700_000_000_000
    assert streams[0]["lastEventTimestamp"] == 1_700_000_000_024
    groups = logs.describe_log_groups(logGroupNamePrefix=stream)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [stream]
    with pytest.raises(ClientError) as err:
        logs.describe_log_streams(logGroupName=stream, logStreamNamePrefix="s",
                                  orderBy="LastEventTime")
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"


def test_missing_group_and_stream_errors(aws, stream):
    logs = aws("logs")
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as err:
        logs.get_log_events(logGroupName="/nope", logStreamName="x")
    assert err.value.response["Error"]["Message"] == "The specified log group does not exist."
    with pytest.raises(logs.exceptions.ResourceNotFoundException) as err:
        logs.get_log_events(logGroupName=stream, logStreamName="nope")
    assert err.value.response["Error"]["Message"] == "The specified log stream does not exist."
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=stream)
