"""labcloud: a local simulated AWS cloud that real boto3 talks to.

    import labcloud
    labcloud.start()           # connect to (or start) the server for $LABCLOUD_HOME
    import boto3
    boto3.client("s3").list_buckets()
"""
__version__ = "0.1.0"

from .lifecycle import Connection, start, status, stop  # noqa: E402

__all__ = ["Connection", "start", "status", "stop", "__version__"]
