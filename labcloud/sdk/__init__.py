"""labcloud.sdk: the SageMaker Python SDK v2 names the course uses, built only on boto3 calls.

Module names mirror `sagemaker.*`, so these read the same:

    import labcloud.sdk as sagemaker                  # import sagemaker
    from labcloud.sdk.estimator import Estimator      # from sagemaker.estimator import Estimator
    from labcloud.sdk.inputs import TrainingInput     # from sagemaker.inputs import TrainingInput
    from labcloud.sdk.serializers import CSVSerializer  # from sagemaker.serializers import ...

Every method's docstring names the API calls it makes; open the source to see them. After
`labcloud.start()`, those calls go to labcloud (boto3 reads AWS_ENDPOINT_URL).
"""
from . import amazon, estimator, exceptions, image_uris, inputs, session  # noqa: F401
from . import deserializers, model, model_monitor, predictor, serializers, transformer  # noqa
from .amazon import amazon_estimator  # noqa: F401
from .estimator import Estimator  # noqa: F401
from .inputs import TrainingInput  # noqa: F401
from .model import Model  # noqa: F401
from .predictor import Predictor, RealTimePredictor  # noqa: F401
from .session import Session, get_execution_role, production_variant, s3_input  # noqa: F401
from .transformer import Transformer  # noqa: F401

__all__ = ["Estimator", "Model", "Predictor", "RealTimePredictor", "Session", "TrainingInput",
           "Transformer", "get_execution_role", "production_variant", "image_uris", "s3_input",
           "estimator", "inputs", "model", "session", "transformer", "exceptions", "amazon",
           "predictor", "serializers", "deserializers", "model_monitor"]
