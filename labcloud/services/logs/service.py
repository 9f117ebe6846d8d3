from ...server.json_protocol import JsonService


class LogsService(JsonService):
    def __init__(self, cloud):
        super().__init__("logs")
        self.cloud = cloud
        self.target_prefix = self.prefix
