"""The built-in XGBoost algorithm image: `python -m labcloud.images.xgboost train|serve`.

It behaves as the real `sagemaker-xgboost` / legacy `xgboost` images do for the version in
$LABCLOUD_IMAGE_VERSION (facts in manifest.json), reading and writing the SageMaker layout under
$LABCLOUD_OPT_ML. Modules import xgboost lazily so a bad request fails in milliseconds.
"""
