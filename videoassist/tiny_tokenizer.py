"""The tiny tokenizer every tiny test model shares: a byte-level BPE trained in milliseconds on a fixed corpus.

Its own module so that `testing` (the tiny VideoAssist models), `tiny_hf_models` and `tiny_originals` all import
it, and none of them imports another for it.
"""

from __future__ import annotations

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

SPECIAL_TOKENS = ["<pad>", "<bos>", "<eos>", "<unk>", "<video>"]
# A little English and Chinese, so that the byte-level BPE has merges for the words the tests use.
TOKENIZER_CORPUS = [
    "What colour is the circle? What shape is the red object? How many objects are there?",
    "Which way does the red circle move? What happens to the blue square? Describe this video.",
    "A red circle moves to the left. A blue square stays still. A green triangle appears. yes no",
    "一个红色的圆形向左移动。一个蓝色的正方形保持静止。圆形是什么颜色？有几个物体？是 否",
] * 4


def trained_bpe(special_tokens: list[str], vocab_size: int = 320) -> Tokenizer:
    """A byte-level BPE trained in milliseconds on the fixed corpus, its special tokens first: deterministic, covers
    any text."""
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>" if "<unk>" in special_tokens else None))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=special_tokens,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(TOKENIZER_CORPUS, trainer)
    return tokenizer


def tiny_tokenizer(vocab_size: int = 320) -> PreTrainedTokenizerFast:
    """The tiny models' tokenizer: trained_bpe with `<video>` among its special tokens."""
    return PreTrainedTokenizerFast(
        tokenizer_object=trained_bpe(SPECIAL_TOKENS, vocab_size),
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        additional_special_tokens=["<video>"],
    )
