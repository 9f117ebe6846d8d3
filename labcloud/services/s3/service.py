"""S3 (placeholder until the real service lands)."""
from ...server.http import Response


class S3Service:
    def __init__(self, cloud):
        self.cloud = cloud

    def handle(self, request):
        return Response(501, b"not yet")
