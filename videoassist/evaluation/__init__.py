"""`videoassist eval`: ask a model every question of a Valley-format file and score the answers."""

from .items import EvalItem, eval_items
from .report import summarize, write_chart
from .run import evaluate

__all__ = ["EvalItem", "eval_items", "evaluate", "summarize", "write_chart"]
