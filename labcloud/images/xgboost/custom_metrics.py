"""The evaluation metrics the image adds on top of xgboost's own (accuracy, f1, r2, ...).

The container accepts these names in `eval_metric` and computes them itself (as a feval), so
`validation:f1` or `validation:r2` can be tuning objectives; xgboost alone would reject them.
"""
from __future__ import annotations

import numpy as np

CUSTOM = ("accuracy", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "mse", "precision",
          "precision_macro", "precision_micro", "r2", "recall", "recall_macro", "recall_micro")


def split(metrics: list[str]) -> tuple[list[str], list[str]]:
    """(xgboost's own metrics, the image's custom ones) of an eval_metric list."""
    return [m for m in metrics if m not in CUSTOM], [m for m in metrics if m in CUSTOM]


def _classes(predt: np.ndarray, objective: str) -> np.ndarray:
    if predt.ndim == 2:
        return predt.argmax(axis=1).astype(float)
    if objective == "multi:softmax":
        return predt
    return (predt > 0.5).astype(float)


def _per_class(y: np.ndarray, c: np.ndarray):
    labels = np.unique(np.concatenate([y, c]))
    tp = np.array([np.sum((c == k) & (y == k)) for k in labels], dtype=float)
    fp = np.array([np.sum((c == k) & (y != k)) for k in labels], dtype=float)
    fn = np.array([np.sum((c != k) & (y == k)) for k in labels], dtype=float)
    return labels, tp, fp, fn


def _ratio(a, b):
    return np.divide(a, b, out=np.zeros_like(a, dtype=float), where=b > 0)


def value(name: str, y: np.ndarray, predt: np.ndarray, objective: str) -> float:
    if name == "mse":
        return float(np.mean((predt - y) ** 2))
    if name == "r2":
        total = np.sum((y - y.mean()) ** 2)
        return float(1 - np.sum((predt - y) ** 2) / total) if total > 0 else 0.0
    c = _classes(predt, objective)
    if name == "accuracy":
        return float(np.mean(c == y))
    labels, tp, fp, fn = _per_class(y, c)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = _ratio(2 * precision * recall, precision + recall)
    positive = labels == 1
    if name in ("precision", "recall", "f1", "f1_binary"):
        pick = {"precision": precision, "recall": recall}.get(name, f1)
        return float(pick[positive][0]) if positive.any() else 0.0
    if name == "balanced_accuracy" or name == "recall_macro":
        return float(recall.mean())
    if name == "precision_macro":
        return float(precision.mean())
    if name == "f1_macro":
        return float(f1.mean())
    if name in ("precision_micro", "recall_micro"):
        return float(_ratio(tp.sum(), tp.sum() + (fp if name == "precision_micro" else fn).sum()))
    raise KeyError(name)


def feval(names: list[str], objective: str):
    """A custom_metric for xgboost.train returning [(name, value), ...] in the given order."""
    def evaluate(predt: np.ndarray, dmatrix):
        y = dmatrix.get_label()
        return [(name, value(name, y, predt, objective)) for name in names]
    return evaluate
