"""Trainer callbacks."""

from __future__ import annotations

import logging
from pathlib import Path

from transformers import TrainerCallback

from ..data import FailureLog

logger = logging.getLogger(__name__)


class FailureReportCallback(TrainerCallback):
    """Reports the samples skipped for bad videos: at each log step when the count has grown, and at the end.

    Reads the run's failure log file, which every process and DataLoader worker appends to.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.reported = 0

    def summary(self) -> FailureLog:
        return FailureLog.read(self.path)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero:
            return
        failures = self.summary()
        if failures.total > self.reported:
            self.reported = failures.total
            logger.warning("step %d: %s (see %s)", state.global_step, failures.summary(), self.path)

    def on_train_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            failures = self.summary()
            if failures.total:
                logger.warning("%s (see %s)", failures.summary(), self.path)
            else:
                logger.info(failures.summary())


__all__ = ["FailureReportCallback"]
