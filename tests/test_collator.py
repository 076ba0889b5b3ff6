"""VideoAssistCollator: labels only on replies, mixed video / text-only batches with different frame counts, and
truncation that cuts text but never a visual placeholder; every batch goes through the model's forward."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from videoassist.data import VideoAssistCollator
from videoassist.models.videoassist import IGNORE_INDEX
from videoassist.testing import build_tiny_model

REPLIES = ["A red circle moves to the left.", "two", "yes"]


def conversation(turns: int = 3) -> list[dict]:
    questions = ["Describe this video.", "How many objects are there?", "Is there a green triangle?"]
    messages = []
    for question, reply in list(zip(questions, REPLIES))[:turns]:
        messages += [{"role": "user", "content": question, "lang": "en"}, {"role": "assistant", "content": reply}]
    messages[0]["content"] = "<video>\n" + messages[0]["content"]
    return messages


def item(name: str, num_frames: int | None, turns: int = 3) -> dict:
    rng = np.random.default_rng(len(name))
    frames = None if num_frames is None else rng.integers(0, 256, (num_frames, 40, 48, 3), dtype=np.uint8)
    return {"id": name, "messages": conversation(turns), "frames": frames}


@pytest.fixture(scope="module", params=["valley_v1", "llamavid"])
def tiny(request):
    return build_tiny_model(request.param)


def placeholders(batch, processor) -> list[int]:
    return (batch["input_ids"] == processor.video_token_id).sum(dim=1).tolist()


def labelled_spans(labels: torch.Tensor) -> list[list[int]]:
    spans, current = [], []
    for token in labels.tolist() + [IGNORE_INDEX]:
        if token != IGNORE_INDEX:
            current.append(token)
        elif current:
            spans.append(current)
            current = []
    return spans


def test_labels_are_only_on_the_assistant_replies(tiny):
    model, processor = tiny
    batch = VideoAssistCollator(processor)([item("a", 4)])
    spans = labelled_spans(batch["labels"][0])
    assert [processor.decode(span) for span in spans] == REPLIES
    labelled = batch["labels"][0] != IGNORE_INDEX
    assert not (batch["input_ids"][0][labelled] == processor.video_token_id).any()
    assert torch.equal(batch["labels"][0][labelled], batch["input_ids"][0][labelled])


def test_a_batch_mixes_videos_of_different_lengths_and_text_only(tiny):
    model, processor = tiny
    items = [item("eight", 8), item("text", None, turns=1), item("three", 3, turns=2)]
    batch = VideoAssistCollator(processor)(items)
    assert batch["frames_per_video"].tolist() == [8, 3]
    assert batch["pixel_values_videos"].shape[0] == 11
    config = model.config
    assert placeholders(batch, processor) == [config.num_visual_tokens(8, 3), 0, config.num_visual_tokens(3, 2)]
    if config.token_mode == "llamavid":
        assert batch["queries_per_video"].tolist() == [3, 2]
    # right padding: every row starts with its tokens
    assert (batch["attention_mask"][:, 0] == 1).all()
    assert (batch["labels"][batch["attention_mask"] == 0] == IGNORE_INDEX).all()
    output = model(**batch)
    assert torch.isfinite(output.loss)
    output.loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.projector.parameters())
    model.zero_grad()


def test_truncation_keeps_every_visual_placeholder(tiny):
    model, processor = tiny
    items = [item("eight", 8), item("text", None), item("two", 2, turns=1)]
    full = VideoAssistCollator(processor)(items)
    cut = VideoAssistCollator(processor, max_length=10)(items)
    assert placeholders(cut, processor) == placeholders(full, processor)
    lengths = cut["attention_mask"].sum(dim=1).tolist()
    for row, length in enumerate(lengths):
        visual = (cut["input_ids"][row] == processor.video_token_id).nonzero()
        if len(visual):  # the visual tokens alone pass max_length: the row ends with the last of them
            assert length == int(visual.max()) + 1 > 10
        else:
            assert length == 10
        # what is kept is exactly the start of the untruncated row, labels included
        assert torch.equal(cut["input_ids"][row, :length], full["input_ids"][row, :length])
        assert torch.equal(cut["labels"][row, :length], full["labels"][row, :length])
        assert (cut["labels"][row, length:] == IGNORE_INDEX).all()
    assert cut["input_ids"].shape[1] == max(lengths)
    assert torch.equal(cut["pixel_values_videos"], full["pixel_values_videos"])
    assert torch.isfinite(model(**cut).loss)


def test_truncation_cuts_text_to_max_length_when_the_video_fits(tiny):
    model, processor = tiny
    items = [item("four", 4, turns=1), item("text", None)]
    full = VideoAssistCollator(processor)(items)
    visual_end = int((full["input_ids"][0] == processor.video_token_id).nonzero().max()) + 1
    max_length = visual_end + 3
    assert full["input_ids"].shape[1] > max_length
    cut = VideoAssistCollator(processor, max_length=max_length)(items)
    assert cut["input_ids"].shape == (2, max_length)
    assert torch.equal(cut["input_ids"], full["input_ids"][:, :max_length])
    assert torch.equal(cut["labels"], full["labels"][:, :max_length])
    assert torch.isfinite(model(**cut).loss)


def test_without_max_length_the_batch_is_the_processors(tiny):
    model, processor = tiny
    items = [item("four", 4), item("text", None)]
    batch = VideoAssistCollator(processor)(items)
    expected = processor([i["messages"] for i in items], videos=[i["frames"] for i in items], padding_side="right")
    assert batch.keys() == expected.keys()
    assert all(torch.equal(batch[key], expected[key]) for key in batch)
