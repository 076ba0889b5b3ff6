"""Scored predictions → the report: overall, per question type, per language (and per any other grouping the
benchmark has, e.g. Video-MME's duration), the benchmark's headline numbers, errors; and its chart."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from .items import CAPTION

FIRST_ERRORS = 5  # how many of the items that could not be scored the report lists


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _groups(predictions: list[dict], field: str) -> dict[str, dict]:
    """{name: {"score", "n"}} over the scored predictions of each value of `field`, plus "errors" where some
    could not be scored (a group with nothing scored has score None)."""
    scores, errors = defaultdict(list), defaultdict(int)
    for prediction in predictions:
        if "error" in prediction:
            errors[prediction[field]] += 1
        else:
            scores[prediction[field]].append(prediction["score"])
    groups = {}
    for name in sorted(set(scores) | set(errors)):
        groups[name] = {"score": _mean(scores[name]), "n": len(scores[name])}
        if errors[name]:
            groups[name]["errors"] = errors[name]
    return groups


def _headline(scored: list[dict], overall: float | None) -> dict:
    """The numbers papers quote: accuracy in percent; with a judge its mean 0-5 score too; exact-match accuracy
    where the scorer gave one."""
    answers = [p for p in scored if p["question_type"] != CAPTION]
    headline = {"accuracy": None if overall is None else round(100 * overall, 2)}
    judged = [p["judge_score"] for p in answers if "judge_score" in p]
    if judged:
        headline["average_score"] = round(sum(judged) / len(judged), 3)
    exact = [p["exact"] for p in answers if "exact" in p]
    if exact:
        headline["exact_match_accuracy"] = round(100 * sum(exact) / len(exact), 2)
    return headline


def summarize(predictions: list[dict], groups: tuple[str, ...] = ()) -> dict:
    """`predictions`: dicts with question_type, language, the fields named in `groups`, and a score (1/0 for
    answers, recall for captions) or an error.

    `overall` is the accuracy over the short-answer questions scored (or the mean caption recall when there are
    none; None when nothing was scored); `headline` the benchmark's numbers (see _headline); `by_<group>` the
    scores per value of each of `groups`; `n` counts the items scored, `errors` those that could not be, and
    `first_errors` lists the first few of them by key."""
    scored = [p for p in predictions if "error" not in p]
    failed = [p for p in predictions if "error" in p]
    answers = [p["score"] for p in scored if p["question_type"] != CAPTION]
    captions = [p["score"] for p in scored if p["question_type"] == CAPTION]
    overall = _mean(answers) if answers else _mean(captions)
    return {
        "overall": overall,
        "headline": _headline(scored, overall),
        "by_type": _groups(predictions, "question_type"),
        "by_language": _groups(predictions, "language"),
        **{f"by_{group}": _groups(predictions, group) for group in groups},
        "caption_keyword_recall": _mean(captions),
        "n": len(scored),
        "errors": len(failed),
        "first_errors": [{"key": p["key"], "error": p["error"]} for p in failed[:FIRST_ERRORS]],
    }


def _percent(score: float | None) -> str:
    return "not scored" if score is None else f"{100 * score:.0f}%"


def write_chart(report: dict, path: Path, title: str, second: str = "language") -> None:
    """Bar charts of the score per question type and per `second` grouping (language, or a benchmark's own such
    as duration); items not scored are noted under the bars and in the title."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 1]})
    for axis, key, label in ((axes[0], "by_type", "question type"), (axes[1], f"by_{second}", second)):
        groups = report[key]
        names = list(groups)
        bars = axis.bar(names, [100 * (groups[n]["score"] or 0) for n in names], color="#4c72b0")
        for bar, name in zip(bars, names):
            group = groups[name]
            note = f"{_percent(group['score'])}\nn={group['n']}"
            if group.get("errors"):
                note += f"\n{group['errors']} errors"
            axis.annotate(note, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                          fontsize=8, color="#c44e52" if group.get("errors") else "black")
        axis.set_ylim(0, 125)
        axis.set_xlabel(label)
        axis.set_ylabel("score (%)")
        axis.tick_params(axis="x", rotation=30)
    overall = "nothing scored" if report["overall"] is None else f"overall {100 * report['overall']:.1f}%"
    errors = f", {report['errors']} not scored" if report["errors"] else ""
    figure.suptitle(f"{title} — {overall} (n={report['n']}{errors})")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
