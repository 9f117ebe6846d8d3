"""get_image_uri: SDK v1's way to find an algorithm image, kept by v2 with a rename warning."""
from __future__ import annotations

from .. import image_uris
from ..deprecations import renamed_warning


def get_image_uri(region_name: str, repo_name: str, repo_version="1") -> str:
    """v1 name of image_uris.retrieve. Note the default: version '1', the legacy
    `xgboost:1` image (XGBoost 0.72), not a current one; pass e.g. '1.7-1'."""
    renamed_warning("The method get_image_uri")
    return image_uris.retrieve(framework=repo_name, region=region_name,
                               version=str(repo_version))
