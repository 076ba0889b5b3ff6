"""`videoassist convert`: a tiny checkpoint in an original release's key layout and file format (pickled .bin
shards) is converted, loaded with our loader, and its visual tokens compared with the original forward,
re-implemented here from the original code (commits in docs/CHECKPOINTS.md)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from transformers import AutoTokenizer, CLIPVisionConfig, CLIPVisionModel

from videoassist.convert import convert
from videoassist.convert.original import load_state_dict
from videoassist.errors import ModelError
from videoassist.models.videoassist import VideoAssistForCausalLM, VideoAssistProcessor
from videoassist.testing import save_tiny_original_checkpoint


@pytest.fixture(scope="module")
def valley(tmp_path_factory):
    source = save_tiny_original_checkpoint(tmp_path_factory.mktemp("valley_original"), "valley")
    output = convert("valley", source, tmp_path_factory.mktemp("valley_converted") / "out")
    return source, output


def valley_original_visual_tokens(source, frames: torch.Tensor) -> torch.Tensor:
    """Valley v1 (valley_model.py:163-247 @ 83d794f1): CLIPVisionModel hidden_states[mm_vision_select_layer]
    with the CLS kept; mm_projector on every token; patch tokens (CLS excluded) averaged over the frames; then
    the per-frame projected CLS tokens, in the order they fill `<im_start>`…`<im_end>` then `<vi_start>`…."""
    original = json.loads((source / "config.json").read_text())
    state = load_state_dict(source)
    prefix = "model.vision_tower.vision_model."  # CLIPVisionModel of transformers 4.28; today's has no vision_model
    tower_state = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    tower_state.pop("embeddings.position_ids")
    tower = CLIPVisionModel(CLIPVisionConfig(hidden_size=128, intermediate_size=256, num_hidden_layers=3,
                                             num_attention_heads=2, image_size=56, patch_size=14)).eval()
    tower.load_state_dict(tower_state)
    hidden = tower(frames, output_hidden_states=True).hidden_states[original["mm_vision_select_layer"]]
    features = F.linear(hidden, state["model.mm_projector.weight"], state["model.mm_projector.bias"])
    mean_image_features = features[:, 1:, :].mean(dim=0)
    frame_image_features = features[:, 0, :]
    return torch.cat([mean_image_features, frame_image_features])


@torch.no_grad()
def test_converted_valley_gives_the_original_visual_tokens(valley):
    source, output = valley
    model = VideoAssistForCausalLM.from_pretrained(output)
    torch.manual_seed(1)
    frames = torch.randn(5, 3, 56, 56)
    ours = model.visual_tokens(model.get_video_features(frames, [5]))
    expected = valley_original_visual_tokens(source, frames)
    assert ours.shape == expected.shape == (16 + 5, 64)
    torch.testing.assert_close(ours, expected, atol=1e-5, rtol=0)


def test_converted_valley_keeps_the_llm_and_tower_weights(valley):
    source, output = valley
    state = load_state_dict(source)
    model = VideoAssistForCausalLM.from_pretrained(output)
    assert torch.equal(model.language_model.model.embed_tokens.weight, state["model.embed_tokens.weight"])
    assert torch.equal(model.language_model.lm_head.weight, state["lm_head.weight"])
    layer = model.vision_tower.model.encoder.layers[2]
    assert torch.equal(layer.mlp.fc1.weight, state["model.vision_tower.vision_model.encoder.layers.2.mlp.fc1.weight"])
    assert model.config.select_layer == -2 and model.config.projector_type == "linear"
    assert {"config.json", "model.safetensors", "processor_config.json", "base_llm", "base_vision"} <= {
        p.name for p in output.iterdir()}
    assert not list(output.rglob("*.bin")) and list((output / "base_llm").glob("*.safetensors"))


def test_converted_valley_prompt_has_valleys_layout(valley):
    """<im_start> P×patch <im_end> <vi_start> T×frame <vi_end> (valley_model.py:387-392), and the visual tokens
    land in those placeholders in the order the original writes them."""
    _, output = valley
    model = VideoAssistForCausalLM.from_pretrained(output)
    processor = VideoAssistProcessor.from_pretrained(output, config=model.config)
    frames = torch.randint(0, 256, (3, 60, 80, 3), dtype=torch.uint8).numpy()
    inputs = processor(conversations=[[{"role": "user", "content": "Describe the video."}]], videos=[frames],
                       add_generation_prompt=True)
    ids = inputs["input_ids"][0].tolist()
    token = processor.tokenizer.convert_tokens_to_ids
    start = ids.index(token("<im_start>"))
    video = model.config.video_token_id
    expected = ([token("<im_start>")] + [video] * 16 + [token("<im_end>"), token("<vi_start>")] + [video] * 3
                + [token("<vi_end>")])
    assert ids[start : start + len(expected)] == expected
    assert processor.tokenizer.decode(ids[:start]).startswith("<bos>You are Valley, a large language")
    assert processor.tokenizer.decode(ids[:start]).endswith("\n\n### Human: ")
    assert processor.tokenizer.decode(ids[start + len(expected):]) == "\nDescribe the video. \n###"


def test_pickle_with_an_object_is_refused_in_one_line(tmp_path):
    source = save_tiny_original_checkpoint(tmp_path / "original", "valley")
    shard = source / "pytorch_model-00001-of-00002.bin"
    state = torch.load(shard, weights_only=True)
    state["evil"] = torch.nn.Linear(2, 2)  # a module object: a pickle that is more than tensors
    torch.save(state, shard)
    with pytest.raises(ModelError, match="pytorch_model-00001-of-00002.bin: refused"):
        convert("valley", source, tmp_path / "out")
    result = subprocess.run([sys.executable, "-m", "videoassist", "convert", "valley", str(source), "--output",
                             str(tmp_path / "out2")], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "refused" in result.stderr
    assert not (tmp_path / "out2" / "config.json").exists()


# ---- LLaMA-VID ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def llamavid(tmp_path_factory):
    source = save_tiny_original_checkpoint(tmp_path_factory.mktemp("llamavid_original"), "llamavid")
    output = convert("llamavid", source, tmp_path_factory.mktemp("llamavid_converted") / "out",
                     qformer_tokenizer=source / "bert-base-uncased")
    return source, output


def eva_original(state: dict, frames: torch.Tensor, depth: int = 39, head_width: int = 88) -> torch.Tensor:
    """LAVIS's EVA-ViT-G as LLaMA-VID builds it (eva_vit.py:116-178, 322-350, 451-463): 39 pre-norm blocks, qkv with
    a q and v bias (k bias zero), q·scale, exact GELU, no final norm; CLS first."""
    width = state["cls_token"].shape[-1]
    heads = width // head_width
    x = F.conv2d(frames, state["patch_embed.proj.weight"], state["patch_embed.proj.bias"], stride=14)
    x = x.flatten(2).transpose(1, 2)
    x = torch.cat([state["cls_token"].expand(x.shape[0], -1, -1), x], dim=1) + state["pos_embed"]
    for n in range(depth):
        p = f"blocks.{n}."
        h = F.layer_norm(x, (width,), state[p + "norm1.weight"], state[p + "norm1.bias"], eps=1e-6)
        q_bias, v_bias = state[p + "attn.q_bias"], state[p + "attn.v_bias"]
        bias = torch.cat([q_bias, torch.zeros_like(v_bias), v_bias])
        qkv = F.linear(h, state[p + "attn.qkv.weight"], bias).reshape(x.shape[0], x.shape[1], 3, heads, -1)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        attention = ((q * head_width**-0.5) @ k.transpose(-2, -1)).softmax(-1)
        h = (attention @ v).transpose(1, 2).reshape(x.shape)
        x = x + F.linear(h, state[p + "attn.proj.weight"], state[p + "attn.proj.bias"])
        h = F.layer_norm(x, (width,), state[p + "norm2.weight"], state[p + "norm2.bias"], eps=1e-6)
        h = F.gelu(F.linear(h, state[p + "mlp.fc1.weight"], state[p + "mlp.fc1.bias"]))
        x = x + F.linear(h, state[p + "mlp.fc2.weight"], state[p + "mlp.fc2.bias"])
    return x


def lavis_qformer(state: dict, input_ids, text_mask, query_tokens, image, heads: int) -> torch.Tensor:
    """LAVIS's BertModel as the Q-Former runs (qformer.py:51-107, 386-466, is_decoder False): queries then text,
    position embeddings for the text only, bidirectional self-attention with a -10000 padding mask, cross-attention
    of the query rows in the layers that have it, query FFN / text FFN. → the query rows of the last layer."""
    b = "model.vlm_att_encoder.bert."
    width = query_tokens.shape[-1]

    def norm(x, name):
        return F.layer_norm(x, (width,), state[name + ".weight"], state[name + ".bias"], eps=1e-12)

    def linear(x, name):
        return F.linear(x, state[name + ".weight"], state[name + ".bias"])

    def attention(x, context, additive_mask, p):
        def heads_of(t):
            return t.reshape(t.shape[0], t.shape[1], heads, -1).transpose(1, 2)

        q, k, v = (heads_of(linear(t, p + "self." + name))
                   for t, name in ((x, "query"), (context, "key"), (context, "value")))
        scores = q @ k.transpose(-2, -1) / math.sqrt(width // heads) + additive_mask
        h = (scores.softmax(-1) @ v).transpose(1, 2).reshape(x.shape)
        return norm(linear(h, p + "output.dense") + x, p + "output.LayerNorm")

    def feed_forward(x, intermediate, output):
        return norm(linear(F.gelu(linear(x, intermediate + ".dense")), output + ".dense") + x, output + ".LayerNorm")

    text = state[b + "embeddings.word_embeddings.weight"][input_ids]
    text = text + state[b + "embeddings.position_embeddings.weight"][: input_ids.shape[1]]
    x = norm(torch.cat([query_tokens, text], dim=1), b + "embeddings.LayerNorm")
    mask = torch.cat([torch.ones(input_ids.shape[0], query_tokens.shape[1]), text_mask.float()], dim=1)
    additive = (1.0 - mask[:, None, None, :]) * -10000.0
    queries = query_tokens.shape[1]
    layer = 0
    while f"{b}encoder.layer.{layer}.attention.self.query.weight" in state:
        p = f"{b}encoder.layer.{layer}."
        x = attention(x, x, additive, p + "attention.")
        query_rows = x[:, :queries]
        if p + "crossattention.self.query.weight" in state:
            query_rows = attention(query_rows, image, 0.0, p + "crossattention.")
        x = torch.cat([feed_forward(query_rows, p + "intermediate_query", p + "output_query"),
                       feed_forward(x[:, queries:], p + "intermediate", p + "output")], dim=1)
        layer += 1
    return x[:, :queries]


def llamavid_original_visual_tokens(source, frames: torch.Tensor, question: str) -> torch.Tensor:
    """LLaMA-VID's visual tokens of one video for one question (llamavid_arch.py:262-412 @ b3d3ae2b): EVA features;
    the question tokenized by BERT ([CLS] q [SEP], alone as the original tokenizes each sample's prompts), repeated
    per frame; the Q-Former over vlm_att_query + question, cross-attending to vlm_att_ln(all 257 tokens);
    text_q = vlm_att_projector(queries); X = the patches (CLS dropped); context = vlm_att_val_projector(mean over
    queries of softmax(text_q·key_projector(X)ᵀ/√width)·X); content = mm_projector(mean of X); [ctx, content] per
    frame."""
    state = load_state_dict(source)
    features = eva_original(torch.load(source / "eva_vit_g.pth", weights_only=True), frames)
    bert = AutoTokenizer.from_pretrained(source / "bert-base-uncased", truncation_side="left")
    bert.add_special_tokens({"bos_token": "[DEC]"})
    tokens = bert([question], padding="longest", truncation=True, max_length=256, return_tensors="pt")
    frames_count = features.shape[0]
    input_ids = tokens.input_ids.expand(frames_count, -1)
    text_mask = tokens.attention_mask.expand(frames_count, -1)
    width = features.shape[-1]
    image = F.layer_norm(features, (width,), state["model.vlm_att_ln.weight"], state["model.vlm_att_ln.bias"])
    query_tokens = state["model.vlm_att_query"].expand(frames_count, -1, -1)
    heads = query_tokens.shape[-1] // 64  # bert-base's head width
    queries = lavis_qformer(state, input_ids, text_mask, query_tokens, image, heads)
    text_q = F.linear(queries, state["model.vlm_att_projector.weight"], state["model.vlm_att_projector.bias"])
    x = features[:, 1:]
    k = F.linear(x, state["model.vlm_att_key_projector.weight"], state["model.vlm_att_key_projector.bias"])
    attention = (text_q @ k.transpose(-2, -1) / width**0.5).softmax(-1)
    context = F.linear((attention @ x).mean(1)[:, None], state["model.vlm_att_val_projector.weight"],
                       state["model.vlm_att_val_projector.bias"])
    mm = "model.mm_projector."  # mlp2x_gelu: Linear, GELU, Linear
    hidden = F.gelu(F.linear(x.mean(1, keepdim=True), state[mm + "0.weight"], state[mm + "0.bias"]))
    content = F.linear(hidden, state[mm + "2.weight"], state[mm + "2.bias"])
    return torch.cat([context, content], dim=1).flatten(0, 1)


@torch.no_grad()
def test_converted_llamavid_gives_the_original_visual_tokens(llamavid):
    """Two videos in one batch, with questions of different lengths: the shorter one is padded in our batch and
    not in the original's (it tokenizes each sample's prompts alone), so the Q-Former's masks must hold."""
    source, output = llamavid
    model = VideoAssistForCausalLM.from_pretrained(output)
    processor = VideoAssistProcessor.from_pretrained(output, config=model.config)
    torch.manual_seed(1)
    videos = [torch.randint(0, 256, (n, 28, 28, 3), dtype=torch.uint8).numpy() for n in (3, 2)]
    questions = ["What colour is the circle?", "Describe this video."]
    batch = processor(conversations=[[{"role": "user", "content": q}] for q in questions], videos=videos,
                      add_generation_prompt=True)
    assert batch["query_input_ids"].shape[0] == 2 and not batch["query_attention_mask"][1].all()
    ours = model.visual_tokens(model.get_video_features(batch["pixel_values_videos"], batch["frames_per_video"]),
                               batch["query_input_ids"], batch["query_attention_mask"], batch["queries_per_video"])
    pixels = batch["pixel_values_videos"].split([3, 2])
    expected = torch.cat([llamavid_original_visual_tokens(source, p, q) for p, q in zip(pixels, questions)])
    assert ours.shape == expected.shape == (2 * (3 + 2), 64)
    torch.testing.assert_close(ours, expected, atol=1e-5, rtol=0)
    # The question matters: another one changes every context token and no content token.
    other = llamavid_original_visual_tokens(source, pixels[0], "Which way does the square move?")
    assert not torch.allclose(other[0::2], expected[:6][0::2], atol=1e-3)
    torch.testing.assert_close(other[1::2], expected[:6][1::2], atol=1e-6, rtol=0)


def test_converted_llamavid_keeps_the_weights_the_original_uses(llamavid):
    source, output = llamavid
    state = load_state_dict(source)
    eva = torch.load(source / "eva_vit_g.pth", weights_only=True)
    model = VideoAssistForCausalLM.from_pretrained(output)
    tower = model.vision_tower.model
    assert len(tower.blocks) == 39  # of the file's 40, as the original builds (depth=39, strict=False)
    assert torch.equal(tower.blocks[38].attn.qkv.weight, eva["blocks.38.attn.qkv.weight"])
    qformer = model.query_encoder.qformer
    assert torch.equal(qformer.encoder.layer[0].crossattention.attention.key.weight,
                       state["model.vlm_att_encoder.bert.encoder.layer.0.crossattention.self.key.weight"])
    assert qformer.encoder.layer[0].has_cross_attention and not qformer.encoder.layer[1].has_cross_attention
    assert torch.equal(model.language_model.lm_head.weight, state["lm_head.weight"])
    assert model.config.token_builder_config.query_encoder == "qformer"
    assert not list(output.rglob("*.bin")) and not list(output.rglob("*.pth"))
    assert (output / "qformer_tokenizer").is_dir()


def tokenizer_image_token(tokenizer, prompt: str) -> list[int]:
    """LLaVA's llava/mm_utils.py: split on <image>, tokenize each chunk (BOS on the first only), join with -200."""
    chunks = [tokenizer(chunk, add_special_tokens=False).input_ids for chunk in prompt.split("<image>")]
    ids = [tokenizer.bos_token_id] + chunks[0]
    for chunk in chunks[1:]:
        ids += [-200] + chunk
    return ids


def test_converted_llamavid_prompt_is_vicuna_v1_with_the_video_at_the_image_token(llamavid):
    """conv_vicuna_v1 (conversation.py:51-59) with `<image>\\n` before the question; the -200 id becomes the 2T
    visual tokens (llamavid_arch.py:466-517). Compared as ids with a byte-level tiny tokenizer, where tokenizing
    chunk by chunk equals tokenizing the whole; Llama's sentencepiece adds a `▁` after `<image>` in the original
    (docs/CHECKPOINTS.md)."""
    _, output = llamavid
    processor = VideoAssistProcessor.from_pretrained(output)
    video = torch.randint(0, 256, (3, 28, 28, 3), dtype=torch.uint8).numpy()
    conversation = [{"role": "user", "content": "What colour is the circle?"},
                    {"role": "assistant", "content": "red"}, {"role": "user", "content": "Describe this video."}]
    ids = processor(conversations=[conversation], videos=[video], add_generation_prompt=True)["input_ids"][0]
    system = ("A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, "
              "detailed, and polite answers to the user's questions.")
    # The first turn's video block; our builder gives the later question its own context tokens (3 here).
    prompt = (f"{system} USER: <image>\nWhat colour is the circle? ASSISTANT: red{processor.tokenizer.eos_token}"
              "USER: <image>\nDescribe this video. ASSISTANT:")
    original = tokenizer_image_token(processor.tokenizer, prompt)
    video_id = processor.video_token_id
    expanded, blocks = [], iter([6, 3])
    for token in original:
        expanded += [video_id] * next(blocks) if token == -200 else [token]
    assert ids.tolist() == expanded


def test_llamavid_refusals_are_one_line(tmp_path):
    source = save_tiny_original_checkpoint(tmp_path / "original", "llamavid")
    (source / "eva_vit_g.pth").unlink()
    result = subprocess.run([sys.executable, "-m", "videoassist", "convert", "llamavid", str(source), "--output",
                             str(tmp_path / "out"), "--qformer-tokenizer", str(source / "bert-base-uncased")],
                            capture_output=True, text=True)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "eva_vit_g.pth: missing" in result.stderr and "--vision-tower" in result.stderr
    config = json.loads((source / "config.json").read_text())
    (source / "config.json").write_text(json.dumps({**config, "compress_type": "mean_concat"}))
    with pytest.raises(ModelError, match="compress_type is 'mean_concat'; only 'mean' converts"):
        convert("llamavid", source, tmp_path / "out2")
