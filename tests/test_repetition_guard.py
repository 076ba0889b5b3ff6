"""The repetition guard: an answer that says one phrase over and over stops there, for our models and transformers'
own video LLMs alike, streamed or not; answers that only reuse words are left alone."""

from pathlib import Path

import pytest
import torch

from test_train_fixtures import one_thread  # noqa: F401 (autouse fixture: tiny models run fastest on one thread)
from videoassist.inference import RepetitionGuard, VideoAssistant
from videoassist.inference.generation import StopOnRepeatedPhrase, without_repeats
from videoassist.testing import save_tiny_hf_model, save_tiny_model

CLIP = sorted((Path(__file__).resolve().parent.parent / "samples").rglob("*.mp4"))[0]
LOOP = "蓝色的"  # the phrase a real clip made the demo repeat until the token limit
MAX_NEW_TOKENS = 60


def stops(ids: list[int], prompt_length: int = 0, guard: RepetitionGuard = RepetitionGuard()) -> bool:
    return bool(StopOnRepeatedPhrase(prompt_length, guard)(torch.tensor([ids]), None)[0])


def test_a_phrase_said_over_and_over_stops_and_a_finished_answer_does_not():
    a, b, c, d, e = 11, 12, 13, 14, 15
    assert stops([a, b, c] * 3)  # a three-token phrase, three times
    assert not stops([a, b, c] * 2)
    assert stops([d, e] + [a, b] * 4) and not stops([a, b] * 3)  # two tokens: four times (8 tokens)
    assert stops([a] * 8) and not stops([a] * 7)  # one token: eight times
    # "A red circle moves to the left. A blue square moves to the left.": words come back, no phrase in a row
    red, blue, circle, square, moves, to, the, left, dot = range(20, 29)
    caption = [red, circle, moves, to, the, left, dot, blue, square, moves, to, the, left, dot]
    assert not any(stops(caption[:n]) for n in range(1, len(caption) + 1))
    # the prompt's repeated placeholders are not the answer
    assert not stops([99] * 50 + [a, b], prompt_length=50)
    assert stops([99] * 50 + [a, b, c] * 3, prompt_length=50)
    # each row of a batch on its own
    both = StopOnRepeatedPhrase(0)(torch.tensor([[a, b, c] * 3, [a, b, c, d, e, a, b, c, d]]), None)
    assert both.tolist() == [True, False]
    # a phrase longer than max_period is not looked for
    assert not stops(list(range(40, 45)) * 3, guard=RepetitionGuard(max_period=4))
    with pytest.raises(ValueError):
        RepetitionGuard(min_repeats=1)


def test_a_stopped_loop_keeps_its_phrase_once():
    a, b, c, d = 11, 12, 13, 14
    assert without_repeats([d, a, b, c, a, b, c, a, b, c]) == [d, a, b, c]
    assert without_repeats([d] + [a, b] * 5) == [d, a, b]  # more copies than the guard needed: all but one go
    assert without_repeats([d] + [a] * 9) == [d, a]
    assert without_repeats([d, a, b, c, a, b, c]) == [d, a, b, c, a, b, c]  # not a loop: left alone
    assert without_repeats([]) == []


def force_loop(model, cycle: list[int]) -> list[int]:
    """Make `model` a tiny LM that says `cycle` over and over: a forward hook overwrites its logits so that the k-th
    forward call (one per new token) picks cycle[k % len(cycle)]. Returns the list of the tokens picked, which the
    caller empties before each question."""
    calls = []

    def hook(module, args, kwargs, output):
        following = cycle[len(calls) % len(cycle)]
        output.logits[:, -1, :] = -1e4
        output.logits[:, -1, following] = 1e4
        calls.append(following)
        return output

    model.register_forward_hook(hook, with_kwargs=True)
    return calls


def check_guard(assistant: VideoAssistant) -> None:
    tokenizer = assistant.chat.tokenizer
    cycle = tokenizer(LOOP, add_special_tokens=False)["input_ids"]
    assert cycle and not set(cycle) & set(tokenizer.all_special_ids)
    calls = force_loop(assistant.model, cycle)
    ask = lambda **kw: assistant.ask(CLIP, "What colour is the circle?", max_new_tokens=MAX_NEW_TOKENS,  # noqa: E731
                                     num_frames=2, **kw)

    guarded = ask()
    assert len(calls) < MAX_NEW_TOKENS // 3  # stopped well before the limit ...
    assert guarded.text == LOOP  # ... and the answer says the phrase once

    calls.clear()
    stream = ask(stream=True)
    streamed = "".join(stream).strip()  # what was shown as it came: the copies up to the stop
    assert streamed.startswith(LOOP * 3) and set(streamed) <= set(LOOP)
    assert stream.answer.text == guarded.text  # streaming stops the same way, and keeps the same answer
    assert len(calls) < MAX_NEW_TOKENS // 3

    assistant.repetition_guard = None
    calls.clear()
    try:
        looping = ask()
    finally:
        assistant.repetition_guard = RepetitionGuard()
    assert len(calls) == MAX_NEW_TOKENS  # without the guard the same model loops to the token limit
    assert looping.text.count(LOOP) > 3 * streamed.count(LOOP)


def test_our_models_stop_a_loop(tmp_path):
    check_guard(VideoAssistant.load(str(save_tiny_model(tmp_path / "llamavid", "llamavid"))))


@pytest.mark.hf_video
def test_transformers_video_llms_stop_a_loop(tmp_path):
    check_guard(VideoAssistant.load(str(save_tiny_hf_model(tmp_path / "llava_onevision", "llava_onevision"))))
