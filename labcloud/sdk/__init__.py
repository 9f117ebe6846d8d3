"""labcloud.sdk: the SageMaker Python SDK v2 names the course uses, built only on boto3 calls.

Module names mirror `sagemaker.*`, so these read the same:

    import labcloud.sdk as sagemaker                  # import sagemaker
    from labcloud.sdk.estimator import Estimator      # from sagemaker.estimator import Estimator
    from labcloud.sdk.inputs import TrainingInput     # from sagemaker.inputs import TrainingInput

Every method's docstring names the API calls it makes; open the source to see them. After
`labcloud.start()`, those calls go to labcloud (boto3 reads AWS_ENDPOINT_URL).
Not here yet: endpoints (deploy, Predictor) — lesson 07.
"""
from . import amazon, estimator, exceptions, image_uris, inputs, session  # noqa: F401
from . import model, transformer  # noqa: F401
from .amazon import amazon_estimator  # noqa: F401
from .estimator import Estimator  # noqa: F401
from .inputs import TrainingInput  # noqa: F401
from .model import Model  # noqa: F401
from .session import Session, get_execution_role, s3_input  # noqa: F401
from .transformer import Transformer  # noqa: F401

__all__ = ["Estimator", "Model", "Session", "TrainingInput", "Transformer", "get_execution_role",
           "image_uris", "s3_input", "estimator", "inputs", "model", "session", "transformer",
           "exceptions", "amazon"]
