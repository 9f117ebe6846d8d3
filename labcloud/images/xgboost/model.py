"""The served model: loaded once at start, from either artifact format, predicting one request.

Images up to 1.2-x saved a pickled Booster and current ones `save_model`'s native format; the
serving image accepts both (it tries pickle, then xgboost's loader), so a model trained by one
image version can be hosted by another. Prediction uses one thread, as the image sets
nthread=1: single-row requests are faster without a thread pool. A legacy early-stopped model
keeps all its trees; like the image (ntree_limit=best_ntree_limit) it predicts with the best
iteration only.
"""
from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import xgboost as xgb

MODEL_NAME = "xgboost-model"


class BadRequest(Exception):
    """Data the model cannot score (400 "Unable to evaluate payload provided: ...")."""


class ServedModel:
    def __init__(self, model_dir: Path):
        self.booster, self.format = self._load(model_dir)
        self.booster.set_param({"nthread": 1})
        self.num_features = self.booster.num_features()
        best = self.booster.attr("best_iteration")
        self.iteration_range = (0, int(best) + 1) if best is not None and \
            self.format == "pkl_format" else (0, 0)

    @staticmethod
    def _load(model_dir: Path):
        path = model_dir / MODEL_NAME
        if not path.exists():
            files = sorted(p for p in model_dir.iterdir() if p.is_file()) if model_dir.exists() else []
            if not files:
                raise RuntimeError(f"Unable to load model: no model file in {model_dir}")
            path = files[0]
        try:
            with open(path, "rb") as f:
                booster = pickle.load(f)
            if isinstance(booster, xgb.Booster):
                return booster, "pkl_format"
        except Exception:
            pass
        booster = xgb.Booster()
        with warnings.catch_warnings():  # "Unknown file format: ``. Using UBJSON as a guess."
            warnings.simplefilter("ignore")
            booster.load_model(str(path))
        return booster, "xgb_format"

    def predict(self, kind: str, data) -> np.ndarray:
        width = data.shape[1]
        expected = self.num_features
        if kind == "libsvm":
            if width > expected + 1:
                raise BadRequest(f"Feature size of libsvm inference data {width} is larger than "
                                 f"feature size of trained model {expected}.")
        elif not (width == expected or width + 1 == expected):
            raise BadRequest(f"Feature size of {kind} inference data {width} is not consistent "
                             f"with feature size of trained model {expected}")
        if width != expected:
            data = self._fit_width(data, expected)
        try:
            predictions = self.booster.inplace_predict(
                data, iteration_range=self.iteration_range, validate_features=False)
        except xgb.core.XGBoostError as err:
            raise BadRequest(str(err).split("\nStack trace:")[0])
        return np.asarray(predictions, dtype=np.float32)

    @staticmethod
    def _fit_width(data, width: int):
        if isinstance(data, np.ndarray):
            pad = np.full((data.shape[0], width - data.shape[1]), np.nan, dtype=data.dtype)
            return np.hstack([data, pad]) if width > data.shape[1] else data[:, :width]
        data = data.tocsr()
        if data.shape[1] > width:
            data = data[:, :width]
        data.resize((data.shape[0], width))
        return data
