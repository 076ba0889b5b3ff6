"""The LLM's precision for answering (videoassist/inference/precision.py, `--precision`): packed int8 / int4
linear layers close to fp32, a tied LM head packed from a copy, generation under every precision, `auto`, and a
bad name as one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn
from transformers import AutoModelForCausalLM

from videoassist.errors import VideoAssistError
from videoassist.inference import VideoAssistant
from videoassist.inference.precision import PackedLinear, apply_precision, packed_kernel_works, resolve_precision
from videoassist.models.videoassist import build
from videoassist.precisions import PRECISIONS
from videoassist.tiny_base_models import save_tiny_llm, save_tiny_vision_tower

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "synth" / "synth_000000.mp4"
# Relative error of the output against the fp32 linear on Gaussian weights and inputs: int8 with one scale per
# output channel is ~1%, int4 in groups of 64 (16 levels between each group's min and max) ~9%.
TOLERANCE = {8: 0.03, 4: 0.15}
# The logits of a whole tiny random LLM (every linear layer and the head packed, errors adding up layer by layer);
# a broken kernel or a head packed from the wrong matrix is off by ~1 or more.
MODEL_TOLERANCE = {"int8": 0.06, "int4": 0.45}


def relative_error(got: torch.Tensor, expected: torch.Tensor) -> float:
    return float((got - expected).norm() / expected.norm())


@pytest.mark.parametrize("bits", [8, 4])
@pytest.mark.parametrize("bias", [False, True])
def test_a_packed_linear_computes_what_the_fp32_linear_does(bits, bias):
    torch.manual_seed(0)
    linear = nn.Linear(256, 96, bias=bias)
    with torch.no_grad():
        linear.weight.normal_()
        if bias:
            linear.bias.normal_()
    x = torch.randn(3, 5, 256)
    packed = PackedLinear(linear, bits)
    with torch.no_grad():
        expected, got = linear(x), packed(x)
    assert got.shape == expected.shape and got.dtype == x.dtype
    assert relative_error(got, expected) < TOLERANCE[bits]
    assert relative_error(packed(x.bfloat16()).float(), expected) < TOLERANCE[bits]  # bf16 in, bf16 out
    assert packed.packed.dtype == (torch.int8 if bits == 8 else torch.uint8)
    assert packed.packed.numel() * packed.packed.element_size() <= 256 * 96 * bits // 8 * 1.01  # the bytes shrink


def test_int4_needs_whole_groups_of_inputs_and_blocks_of_outputs():
    assert PackedLinear(nn.Linear(96, 16), 4).group_size == 32
    assert PackedLinear(nn.Linear(128, 16), 4).group_size == 64
    for shape in ((48, 16), (64, 8)):
        with pytest.raises(ValueError, match="groups"):
            PackedLinear(nn.Linear(*shape), 4)


@pytest.fixture(scope="module")
def tiny_gemma(tmp_path_factory) -> Path:
    return save_tiny_llm(tmp_path_factory.mktemp("gemma") / "gemma3", "gemma3")


@pytest.mark.parametrize("precision", ["int8", "int4"])
def test_a_tied_lm_head_is_packed_from_a_copy_and_the_embedding_is_kept(tiny_gemma, precision):
    reference = AutoModelForCausalLM.from_pretrained(tiny_gemma, dtype=torch.float32).eval()
    llm = AutoModelForCausalLM.from_pretrained(tiny_gemma, dtype=torch.float32).eval()
    table = llm.get_input_embeddings().weight
    assert llm.get_output_embeddings().weight is table  # Gemma ties its head to the embedding
    apply_precision(precision, llm, llm.get_decoder(), llm)
    assert isinstance(llm.get_output_embeddings(), PackedLinear)
    assert llm.get_input_embeddings().weight is table and table.dtype == torch.float32
    assert torch.equal(table, reference.get_input_embeddings().weight)
    linears = [m for m in llm.get_decoder().modules() if isinstance(m, (nn.Linear, PackedLinear))]
    assert linears and all(isinstance(m, PackedLinear) for m in linears)
    ids = torch.tensor([[2, 7, 30, 41, 55]])
    with torch.no_grad():
        expected, got = reference(input_ids=ids).logits, llm(input_ids=ids).logits
    assert 0 < relative_error(got, expected) < MODEL_TOLERANCE[precision]


@pytest.fixture(scope="module")
def tiny_parts(tmp_path_factory, tiny_gemma) -> tuple[str, str]:
    return str(save_tiny_vision_tower(tmp_path_factory.mktemp("tower") / "clip", "clip")), str(tiny_gemma)


@pytest.mark.parametrize("precision", PRECISIONS)
def test_a_model_answers_under_every_precision(tiny_parts, precision):
    vision, llm = tiny_parts
    model, processor = build(vision=vision, llm=llm, token_mode="llamavid",
                             token_builder_config={"num_queries": 4, "query_heads": 4})
    assistant = VideoAssistant(model, processor)
    applied = assistant.chat.prepare(precision)
    assert applied == resolve_precision(precision, "cpu") and applied in PRECISIONS[1:]
    head = model.language_model.get_output_embeddings()
    assert isinstance(head, PackedLinear) == (applied in ("int8", "int4"))
    if applied == "bf16":
        assert head.weight.dtype == torch.bfloat16
    answer = assistant.ask(SAMPLE, "What colour is the circle?", max_new_tokens=5, num_frames=4)
    assert answer.text is not None and answer.visual_tokens > 0


def test_auto_picks_a_precision_this_cpu_runs_and_keeps_the_dtype_elsewhere():
    chosen = resolve_precision("auto", "cpu")
    assert chosen in ("int4", "int8", "bf16")
    if chosen != "bf16":
        assert packed_kernel_works(4 if chosen == "int4" else 8)
    assert resolve_precision("auto", "cuda") is None  # the checkpoint's dtype as loaded
    with pytest.raises(VideoAssistError, match="CPU only"):
        resolve_precision("int4", "cuda")
    with pytest.raises(VideoAssistError, match="unknown precision 'int3'"):
        resolve_precision("int3", "cpu")


def test_a_bad_precision_on_the_command_line_is_one_line():
    result = subprocess.run([sys.executable, "-m", "videoassist", "ask", str(SAMPLE), "What?", "--precision", "fp8"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "--precision" in errors[0] and "'fp8'" in errors[0]
