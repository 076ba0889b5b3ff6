"""Scored predictions → the report: overall, per question type, per language; and its chart."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .items import CAPTION


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def summarize(predictions: list[dict]) -> dict:
    """`predictions`: dicts with question_type, language and score (1/0 for answers, recall for captions).

    `overall` is the accuracy over short-answer questions (or the mean caption recall when there are none)."""
    by_type, by_language = defaultdict(list), defaultdict(list)
    for prediction in predictions:
        by_type[prediction["question_type"]].append(prediction["score"])
        by_language[prediction["language"]].append(prediction["score"])
    answers = [p["score"] for p in predictions if p["question_type"] != CAPTION]
    captions = [p["score"] for p in predictions if p["question_type"] == CAPTION]
    return {
        "overall": _mean(answers) if answers else _mean(captions),
        "by_type": {name: {"score": _mean(scores), "n": len(scores)} for name, scores in sorted(by_type.items())},
        "by_language": {
            name: {"score": _mean(scores), "n": len(scores)} for name, scores in sorted(by_language.items())
        },
        "caption_keyword_recall": _mean(captions) if captions else None,
        "n": len(predictions),
    }


def write_chart(report: dict, path: Path, title: str) -> None:
    """Bar charts of the score per question type and per language."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 1]})
    for axis, key, label in ((axes[0], "by_type", "question type"), (axes[1], "by_language", "language")):
        names = list(report[key])
        scores = [100 * report[key][n]["score"] for n in names]
        bars = axis.bar(names, scores, color="#4c72b0")
        for bar, name in zip(bars, names):
            axis.annotate(f"{bar.get_height():.0f}%\nn={report[key][name]['n']}",
                          (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=8)
        axis.set_ylim(0, 115)
        axis.set_xlabel(label)
        axis.set_ylabel("score (%)")
        axis.tick_params(axis="x", rotation=30)
    figure.suptitle(f"{title} — overall {100 * report['overall']:.1f}% (n={report['n']})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
