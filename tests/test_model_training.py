"""Stage-1 gradients, batching and labels."""

import numpy as np
import torch

from videoassist.models.videoassist import IGNORE_INDEX
from videoassist.testing import build_tiny_model


def frames(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 36, 48, 3), dtype=np.uint8)


CONVERSATION = [
    {"role": "user", "content": "What colour is the circle?"},
    {"role": "assistant", "content": "red"},
    {"role": "user", "content": "How many objects are there?"},
    {"role": "assistant", "content": "two"},
]


def test_stage1_gradients_reach_only_token_builder_query_encoder_and_projector():
    for mode in ("valley_v2", "valley_v3", "llamavid"):
        model, processor = build_tiny_model(mode)
        model.train()
        batch = processor([CONVERSATION], videos=[frames(4)], padding_side="right")
        model(**batch).loss.backward()
        trained = {name for name, p in model.named_parameters() if p.grad is not None and p.grad.abs().sum() > 0}
        allowed = ("token_builder.", "projector.", "query_encoder.")
        assert trained, mode
        assert all(name.startswith(allowed) for name in trained), sorted(trained)[:5]
        assert any(name.startswith("projector.") for name in trained)
        assert any(name.startswith("token_builder.") for name in trained)  # v2/v3/llamavid have parameters
        if mode == "llamavid":
            assert any(name.startswith("query_encoder.") for name in trained)


def test_labels_cover_only_the_assistant_replies():
    model, processor = build_tiny_model("valley_v1")
    batch = processor([CONVERSATION], videos=[frames(2)], padding_side="right")
    labelled = [t for t in batch["labels"][0].tolist() if t != IGNORE_INDEX]
    text = processor.tokenizer.decode(labelled)
    assert text.replace(" ", "") == "red<eos>\ntwo<eos>\n"
    placeholder = batch["input_ids"] == processor.video_token_id
    assert (batch["labels"][placeholder] == IGNORE_INDEX).all()


def test_chat_template_of_the_tokenizer_is_used_when_it_has_one():
    model, processor = build_tiny_model("valley_v1")
    processor.tokenizer.chat_template = (
        "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{% if m['role'] == 'assistant' %}"
        "{{ eos_token }}{% endif %}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}"
    )
    text = processor.render([{"role": "user", "content": "hi"}], add_generation_prompt=True)
    assert text == "<|user|>hi<|assistant|>"
    batch = processor([CONVERSATION], videos=[frames(2)], padding_side="right")
    labelled = [t for t in batch["labels"][0].tolist() if t != IGNORE_INDEX]
    assert processor.tokenizer.decode(labelled).replace(" ", "") == "red<eos>two<eos>"


def test_loss_uses_only_labelled_positions_and_matches_full_logits():
    model, processor = build_tiny_model("llamavid")
    batch = processor([CONVERSATION], videos=[frames(3)], padding_side="right")
    with torch.no_grad():
        out = model(**batch)
        full = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
    labels = batch["labels"]
    expected = torch.nn.functional.cross_entropy(full[0, :-1], labels[0, 1:], ignore_index=IGNORE_INDEX)
    assert out.logits.shape[1] == int((labels[0, 1:] != IGNORE_INDEX).sum())
    torch.testing.assert_close(out.loss, expected)


def test_a_batch_gives_the_same_outputs_as_its_samples_one_by_one():
    for mode in ("valley_v1", "llamavid"):
        model, processor = build_tiny_model(mode)
        conversations = [CONVERSATION, [{"role": "user", "content": "hello"}], CONVERSATION[:2]]
        videos = [frames(2, seed=1), None, frames(5, seed=2)]
        batch = processor(conversations, videos=videos, padding_side="right")
        with torch.no_grad():
            batched = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
            for row, (conversation, video) in enumerate(zip(conversations, videos)):
                single = processor([conversation], videos=[video], padding_side="right")
                alone = model(**{k: v for k, v in single.items() if k != "labels"}).logits[0]
                torch.testing.assert_close(batched[row, : alone.shape[0]], alone, atol=2e-5, rtol=1e-4)
