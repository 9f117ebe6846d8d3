"""Training callbacks: the evaluation lines and early stopping as each image generation does it.

The lines are printed here rather than by xgboost so their format follows the image version
(%g for 0.72/0.90, 5 decimals after) and each is flushed as it is made. Early stopping:
* legacy images (xgboost:1, 0.90-x, 1.0-1, 1.2-x) call xgb.train(early_stopping_rounds=N):
  the last metric of the last evaluation set decides, all trees are kept, and the 0.72/0.90
  images print "Will train until ..." and "Stopping. Best iteration:";
* current images (1.3-1 on) use xgb.callback.EarlyStopping(save_best=True) on the validation
  channel (train.py builds it), so the saved model ends at the best iteration and nothing extra
  is printed.
"""
from __future__ import annotations

import xgboost as xgb

from .hyperparameters import is_maximized
from .logs import ContainerLog


def _latest(evals_log) -> list[tuple[str, float]]:
    out = []
    for data, metrics in evals_log.items():
        for metric, values in metrics.items():
            value = values[-1]
            out.append((f"{data}-{metric}", float(value[0] if isinstance(value, tuple) else value)))
    return out


class PrintEvaluation(xgb.callback.TrainingCallback):
    def __init__(self, log: ContainerLog):
        super().__init__()
        self.log = log
        self.lines: list[str] = []

    def after_iteration(self, model, epoch, evals_log) -> bool:
        if evals_log:
            line = self.log.eval_line(epoch, _latest(evals_log))
            self.lines.append(line)
            self.log.raw(line)
        return False


class LegacyEarlyStopping(xgb.callback.TrainingCallback):
    """xgboost <= 1.2's early_stop(): the last (data, metric) pair decides; trees are kept."""

    def __init__(self, rounds: int, printer: PrintEvaluation, verbose: bool):
        super().__init__()
        self.rounds, self.printer, self.verbose = rounds, printer, verbose
        self.best_score = None
        self.best_iteration = 0
        self.best_line = ""

    def after_iteration(self, model, epoch, evals_log) -> bool:
        results = _latest(evals_log)
        if not results:
            return False
        label, score = results[-1]
        maximize = is_maximized(label.split("-", 1)[-1])
        if self.best_score is None:
            if self.verbose:
                if len(results) > 1:
                    self.printer.log.raw(f"Multiple eval metrics have been passed: '{label}' "
                                         "will be used for early stopping.\n\n")
                self.printer.log.raw(f"Will train until {label} hasn't improved in "
                                     f"{self.rounds} rounds.")
            self.best_score, self.best_iteration = score, epoch
            self.best_line = self.printer.lines[-1] if self.printer.lines else ""
        elif (score > self.best_score) if maximize else (score < self.best_score):
            self.best_score, self.best_iteration = score, epoch
            self.best_line = self.printer.lines[-1] if self.printer.lines else ""
        elif epoch - self.best_iteration >= self.rounds:
            if self.verbose:
                self.printer.log.raw(f"Stopping. Best iteration:\n{self.best_line}\n\n")
            return True
        return False

    def after_training(self, model):
        if self.best_score is not None:
            model.set_attr(best_iteration=str(self.best_iteration), best_score=str(self.best_score))
        return model
