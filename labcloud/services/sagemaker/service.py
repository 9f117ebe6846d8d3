from ...server.json_protocol import JsonService


class SageMakerService(JsonService):
    def __init__(self, cloud):
        super().__init__("sagemaker")
        self.cloud = cloud
        self.target_prefix = self.prefix
