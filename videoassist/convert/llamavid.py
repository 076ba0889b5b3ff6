"""LLaMA-VID (github.com/dvlab-research/LLaMA-VID @ b3d3ae2b, e.g. `YanweiLi/llama-vid-7b-full-224-video-fps-1`) →
our `llamavid` mode with the `qformer` query encoder.

The original (`llamavid/model/llamavid_arch.py:262-412`): EVA-ViT-G features of every frame (the last of 39 blocks,
CLS first); a Q-Former reads 32 learned queries and the question (BERT ids), cross-attending to the frame's
layer-normed tokens; its query outputs, projected to the vision width, attend over the frame's patches (CLS
dropped) with keys `vlm_att_key_projector(X)` and scale √width; the weighted patches averaged over the queries go
through `vlm_att_val_projector` (context token); the patch mean goes through the mlp2x_gelu `mm_projector` (content
token); per frame [context, content]. Every original key maps to one of ours (`VLM_ATT_NAMES`, `qformer_key`).

The vision tower is not in the checkpoint: the original loads LAVIS's `eva_vit_g.pth` (a pickle, read here with
`torch.load(weights_only=True)`) and builds 39 of its blocks. The Q-Former's tokenizer is bert-base-uncased from the
hub, plus a `[DEC]` bos token. The output folder holds the tower and the Llama LLM as HF folders (`base_vision/`,
`base_llm/`), referenced by the VideoAssist checkpoint, which stores the projector, the builder's key and value
projections and the query encoder; the processor saves the Q-Former tokenizer in `qformer_tokenizer/`.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from transformers import AutoTokenizer, CLIPImageProcessorPil

from ..errors import ModelError
from ..models.eva_vit import EvaVitConfig, EvaVitModel
from ..models.videoassist import VideoAssistQFormerProcessor
from ..video import SamplingConfig
from .checkpoint import base_folders, referencing_config, save_checkpoint
from .hf_folder import write_hf_model
from .llama import read_tokenizer, without_buffers, write_llama
from .original import load_state_dict, load_weights, read_config, vit_shapes

# The original's modules → ours (one to one; the Q-Former's inner names in `qformer_key`).
VLM_ATT_NAMES = {
    "model.mm_projector.": "projector.",
    "model.vlm_att_key_projector.": "token_builder.key.",
    "model.vlm_att_val_projector.": "token_builder.value.",
    "model.vlm_att_query": "query_encoder.query_tokens",
    "model.vlm_att_ln.": "query_encoder.frame_norm.",
    "model.vlm_att_projector.": "query_encoder.projector.",
    "model.vlm_att_encoder.bert.": "query_encoder.qformer.",
}
# Keys of the original that it never uses: the tower it loads elsewhere, the Q-Former's LM head it sets to None
# (llamavid_arch.py:230).
UNUSED_PREFIXES = ("model.vision_tower.", "model.vlm_att_encoder.cls.")
# The configurations the original code builds (llamavid_arch.py, eva_vit.py:451-463); others are refused.
BERT_TYPES = ("qformer_pretrain", "qformer_pretrain_freeze")
EVA_DEPTH = 39  # of the 40 blocks in LAVIS's eva_vit_g.pth (BLIP-2's second-to-last layer)
EVA_HEAD_WIDTH = 88  # num_heads = 1408 // 88
BERT_HEAD_WIDTH = 64  # bert-base-uncased: 768 wide, 12 heads
QUESTION_TOKENS = 256  # the Q-Former tokenizer's max_length (llamavid_arch.py:274-280)
VICUNA_SYSTEM = (
    "A chat between a curious user and an artificial intelligence assistant. "
    "The assistant gives helpful, detailed, and polite answers to the user's questions."
)
# conv_vicuna_v1 (conversation.py:51-59, SeparatorStyle.TWO, sep " ", sep2 "</s>"), tokenized with BOS:
#   <s>SYSTEM USER: <image>\nQ ASSISTANT: A</s>USER: Q2 ASSISTANT:
VICUNA_CHAT_TEMPLATE = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ messages[0]['content'] }}"
    "{% else %}" + VICUNA_SYSTEM + "{% endif %}{{ ' ' }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %}{{ 'USER: ' + message['content'] + ' ' }}"
    "{% elif message['role'] == 'assistant' %}{{ 'ASSISTANT: ' + message['content'] + eos_token }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}ASSISTANT:{% endif %}"
)


def convert(source, output, vision_tower=None, qformer_tokenizer: str = "bert-base-uncased") -> Path:
    """`vision_tower`: LAVIS's eva_vit_g.pth (default: the file its config names, beside the weights);
    `qformer_tokenizer`: bert-base-uncased, a hub id or a folder."""
    source, output = Path(source), Path(output)
    original = read_config(source)
    _check_supported(original, source)
    tower_path = Path(vision_tower) if vision_tower else source / Path(original["mm_vision_tower"]).name
    if not tower_path.is_file():
        raise ModelError(f"{tower_path}: missing (LAVIS's eva_vit_g.pth, the vision tower; give it with "
                         "--vision-tower)")

    state = without_buffers(load_state_dict(source))
    trained, llm_state = split_weights(state, source)
    vision_config, vision_state = eva_tower(load_weights(tower_path), tower_path)
    vision_dir, llm_dir = base_folders(output)
    write_hf_model(EvaVitModel, vision_config, vision_state, vision_dir, source)
    text_config = write_llama(original, llm_state, llm_dir, source)

    tokenizer = read_tokenizer(source)
    tokenizer.chat_template = VICUNA_CHAT_TEMPLATE
    tokenizer.save_pretrained(llm_dir)
    bert_tokenizer = question_tokenizer(qformer_tokenizer)
    config = referencing_config(
        vision_config, text_config, tokenizer, output,
        token_mode="llamavid",
        token_builder_config={
            "query_encoder": "qformer",
            "num_queries": int(state["model.vlm_att_query"].shape[1]),
            "max_query_tokens": QUESTION_TOKENS,
            "content_pool": "mean",
            "qformer": qformer_settings(trained, len(bert_tokenizer), source),
        },
        projector_type="mlp2x_gelu",
        select_layer=-1,  # the last block built; the EVA tower ignores mm_vision_select_layer
    )
    # llamavid/processor/clip-patch14-224: shortest side to 224 (bicubic), centre crop 224, CLIP mean/std.
    size = vision_config.image_size
    image_processor = CLIPImageProcessorPil(size={"shortest_edge": size}, crop_size={"height": size, "width": size})
    video_processor = save_checkpoint(output, config, trained, image_processor)
    # fps 1 (model_video_chatgpt_general.py:48-54); the original has no frame cap, ours keeps the default one.
    VideoAssistQFormerProcessor(video_processor, tokenizer, bert_tokenizer, config,
                                SamplingConfig(num_frames=None, fps=1.0)).save_pretrained(output)
    return output


def _check_supported(original: dict, source: Path) -> None:
    where = f"{source}/config.json"
    expected = {"mm_projector_type": "mlp2x_gelu", "compress_type": "mean", "mm_vision_select_feature": "patch",
                "mm_use_im_start_end": False}
    for key, value in expected.items():
        if original.get(key) != value:
            raise ModelError(f"{where}: {key} is {original.get(key)!r}; only {value!r} converts (the video "
                             "checkpoints' setting)")
    if original.get("bert_type") not in BERT_TYPES:
        raise ModelError(f"{where}: bert_type is {original.get('bert_type')!r}; only {BERT_TYPES} convert")
    if not str(original.get("mm_vision_tower", "")).endswith(".pth"):
        raise ModelError(f"{where}: mm_vision_tower {original.get('mm_vision_tower')!r} is not LAVIS's EVA-ViT-G "
                         "(eva_vit_g.pth)")


def split_weights(state: dict[str, torch.Tensor], source: Path) -> tuple[dict, dict]:
    """→ (our trained modules' weights under our names, the LLM's weights)."""
    trained, llm = {}, {}
    for key, value in state.items():
        if key.startswith(UNUSED_PREFIXES):
            continue
        prefix = next((p for p in VLM_ATT_NAMES if key.startswith(p)), None)
        if prefix is None and key.startswith("model.vlm_att"):
            raise ModelError(f"{source}: {key} is a module the converted model lacks (vlm_att_bert_proj or "
                             "vlm_att_visual_proj: another LLaMA-VID variant)")
        if prefix is None:
            llm[key] = value
        elif prefix == "model.vlm_att_encoder.bert.":
            trained[VLM_ATT_NAMES[prefix] + qformer_key(key[len(prefix):])] = value
        else:
            trained[VLM_ATT_NAMES[prefix] + key[len(prefix):]] = value
    if "query_encoder.query_tokens" not in trained or not any(k.startswith("query_encoder.qformer.") for k in trained):
        raise ModelError(f"{source}: no model.vlm_att_query / model.vlm_att_encoder.bert.* weights (the full "
                         "LLaMA-VID checkpoints hold them)")
    return trained, llm


def qformer_key(key: str) -> str:
    """LAVIS's BertModel names → transformers' InstructBlipQFormerModel names."""
    key = key.replace(".attention.self.", ".attention.attention.").replace(".crossattention.self.",
                                                                          ".crossattention.attention.")
    return key.replace("embeddings.LayerNorm.", "embeddings.layernorm.")


def qformer_settings(trained: dict[str, torch.Tensor], vocab_size: int, source: Path) -> dict:
    """The Q-Former's InstructBlipQFormerConfig, read off its weights (bert-base-uncased's shapes in the release)."""
    prefix = "query_encoder.qformer."
    words = trained[prefix + "embeddings.word_embeddings.weight"]
    if words.shape[0] != vocab_size:
        raise ModelError(f"{source}: the Q-Former has {words.shape[0]} word embeddings, its tokenizer (+ [DEC]) "
                         f"{vocab_size} tokens: give the bert-base-uncased tokenizer it was trained with")
    layer_key = re.compile(re.escape(prefix) + r"encoder\.layer\.(\d+)\.")
    layers = sorted({int(m.group(1)) for k in trained if (m := layer_key.match(k))})
    crossed = [n for n in layers if f"{prefix}encoder.layer.{n}.crossattention.attention.query.weight" in trained]
    frequency = crossed[1] - crossed[0] if len(crossed) > 1 else len(layers)
    if not crossed or crossed != list(range(0, len(layers), frequency)):
        raise ModelError(f"{source}: the Q-Former's cross-attention layers {crossed} are not every n-th layer")
    hidden = words.shape[1]
    return {
        "vocab_size": vocab_size,
        "hidden_size": hidden,
        "num_hidden_layers": len(layers),
        "num_attention_heads": hidden // BERT_HEAD_WIDTH,
        "intermediate_size": trained[f"{prefix}encoder.layer.0.intermediate.dense.weight"].shape[0],
        "max_position_embeddings": trained[prefix + "embeddings.position_embeddings.weight"].shape[0],
        "cross_attention_frequency": frequency,
    }


def eva_tower(state: dict[str, torch.Tensor], path: Path) -> tuple[EvaVitConfig, dict[str, torch.Tensor]]:
    """LAVIS's EVA-ViT-G file → the config of the tower the original builds and its weights (the first 39 blocks;
    the original loads the file with strict=False, so anything else in it is unused)."""
    shapes = vit_shapes(state, ("patch_embed.proj.weight", "pos_embed", "blocks.0.mlp.fc1.weight"),
                        r"blocks\.(\d+)\.", f"{path}: no EVA-ViT weight {{key}} (not LAVIS's eva_vit_g.pth)")
    if shapes.depth < EVA_DEPTH:
        raise ModelError(f"{path}: {shapes.depth} blocks; LLaMA-VID builds {EVA_DEPTH}")
    config = EvaVitConfig(image_size=shapes.image_size, patch_size=shapes.patch_size, hidden_size=shapes.width,
                          num_hidden_layers=EVA_DEPTH, num_attention_heads=shapes.width // EVA_HEAD_WIDTH,
                          intermediate_size=shapes.mlp_width)
    with torch.device("meta"):
        expected = EvaVitModel(config).state_dict()
    missing = [k for k in expected if k not in state]
    if missing:
        raise ModelError(f"{path}: no {missing[0]} (not LAVIS's eva_vit_g.pth)")
    return config, {k: state[k] for k in expected}


def question_tokenizer(name_or_path: str):
    """bert-base-uncased as the original loads it: `[DEC]` as bos, the longest questions cut from the left."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(name_or_path, truncation_side="left")
    except (OSError, ValueError) as error:
        raise ModelError(f"{name_or_path}: the Q-Former's tokenizer (bert-base-uncased) is not readable "
                         f"({str(error).splitlines()[0]}); give a folder with --qformer-tokenizer") from error
    tokenizer.add_special_tokens({"bos_token": "[DEC]"})
    return tokenizer
