"""The repetition guard every answer is generated with: an answer whose tail is one phrase said over and over
("一个蓝色的蓝色的蓝色的…") ends there instead of running to the token limit.

A stopping criterion, not a penalty: `no_repeat_ngram_size` and `repetition_penalty` would also change answers that
rightly repeat words ("A red circle moves to the left. A blue square moves to the left."); the guard only acts once
the same phrase has been said `min_repeats` times in a row, which a finished answer never does. It looks at the
generated tokens only (a prompt repeats its video placeholder hundreds of times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from transformers import StoppingCriteria


@dataclass(frozen=True)
class RepetitionGuard:
    """Stop when the answer ends with one phrase of 1..`max_period` tokens repeated back to back at least
    `min_repeats` times and over at least `min_tokens` tokens (so a single token must come 8 times in a row,
    a two-token phrase 4 times, a longer one 3 times)."""

    min_repeats: int = 3
    min_tokens: int = 8
    max_period: int = 32

    def __post_init__(self) -> None:
        if self.min_repeats < 2 or self.min_tokens < 2 or self.max_period < 1:
            raise ValueError("RepetitionGuard needs min_repeats >= 2, min_tokens >= 2 and max_period >= 1")

    def repeats(self, period: int) -> int:
        """How many back-to-back copies of a phrase of `period` tokens end an answer."""
        return max(self.min_repeats, math.ceil(self.min_tokens / period))


DEFAULT_REPETITION_GUARD = RepetitionGuard()


def repeated_tail(tokens: list[int], guard: RepetitionGuard = DEFAULT_REPETITION_GUARD) -> tuple[int, int]:
    """(period, copies) of the phrase repeated back to back at the end of `tokens` by the guard's rule (the
    shortest such phrase), or (0, 0) when the tokens do not end that way."""
    for period in range(1, guard.max_period + 1):
        copies = guard.repeats(period)
        if copies * period > len(tokens):
            break
        tail = tokens[len(tokens) - copies * period:]
        if all(tail[i] == tail[i % period] for i in range(len(tail))):
            while (copies + 1) * period <= len(tokens) and \
                    tokens[len(tokens) - (copies + 1) * period:len(tokens) - copies * period] == tail[:period]:
                copies += 1
            return period, copies
    return 0, 0


def without_repeats(tokens: list[int], guard: RepetitionGuard = DEFAULT_REPETITION_GUARD) -> list[int]:
    """The answer the guard stopped, its repeated phrase said once ("一个蓝色的蓝色的蓝色的…" → "一个蓝色的"); any other
    answer as it is."""
    period, copies = repeated_tail(tokens, guard)
    return tokens[:len(tokens) - (copies - 1) * period] if copies else tokens


class StopOnRepeatedPhrase(StoppingCriteria):
    """transformers' stopping criterion for `guard`, over the tokens after the first `prompt_length`."""

    def __init__(self, prompt_length: int, guard: RepetitionGuard = DEFAULT_REPETITION_GUARD):
        self.prompt_length = prompt_length
        self.guard = guard

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs) -> torch.BoolTensor:
        generated = input_ids[:, self.prompt_length:]
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        for period in range(1, self.guard.max_period + 1):
            copies = self.guard.repeats(period)
            if copies * period > generated.shape[1]:
                break  # longer phrases need more tokens still
            tail = generated[:, -copies * period:].reshape(-1, copies, period)
            done |= (tail == tail[:, :1]).all(dim=2).all(dim=1)
        return done


__all__ = ["DEFAULT_REPETITION_GUARD", "RepetitionGuard", "StopOnRepeatedPhrase", "without_repeats"]
