"""Valley v1 (github.com/RupertLuo/Valley @ 83d794f1, e.g. `luoruipu1/Valley2-7b`) → our `valley_v1` mode.

The original (`valley/model/valley_model.py`): CLIP vision tower, hidden_states[mm_vision_select_layer] with the
CLS kept, a linear `mm_projector` on every token, the patch tokens averaged over time, the per-frame CLS tokens
after them; in the prompt `<im_start>` P×patch `<im_end>` `<vi_start>` T×CLS `<vi_end>` (`:163-247`, `:381-402`).
The output folder holds the CLIP tower and the Llama LLM extracted from the checkpoint as standard HF folders
(`base_vision/`, `base_llm/`), referenced by the VideoAssist checkpoint, which stores the projector.
"""

from __future__ import annotations

from pathlib import Path

from transformers import CLIPImageProcessorPil, CLIPVisionConfig, CLIPVisionModel
from transformers.image_utils import PILImageResampling

from ..errors import ModelError
from ..models.videoassist import VideoAssistProcessor
from ..video import SamplingConfig
from .checkpoint import base_folders, referencing_config, save_checkpoint
from .hf_folder import write_hf_model
from .llama import read_tokenizer, without_buffers, write_llama
from .original import load_state_dict, read_config, vit_shapes

# transformers 4.28 saved CLIPVisionModel under `vision_model.`; today's CLIPVisionModel has no such level.
VISION_PREFIX = "model.vision_tower.vision_model."
PROJECTOR_PREFIX = "model.mm_projector."
MARKERS = ["<im_start>", "<im_end>", "<vi_start>", "<vi_end>"]  # valley/util/config.py
# OpenAI CLIP ViTs all use 64-wide heads; the head count is not in the weights' shapes.
CLIP_HEAD_WIDTH = 64
# Valley's video transform: shorter side to 256, centre crop 224 (data_util.py:272-281), PIL bilinear.
RESIZE_OVER_CROP = 256 / 224
VALLEY_SYSTEM = (
    "You are Valley, a large language and vision assistant trained by ByteDance. You are able to understand the "
    "visual content or video that the user provides, and assist the user with a variety of tasks using natural "
    "language. Follow the instructions carefully and explain your answers in detail."
)
# build_inputs (valley_model.py:381-402), tokenized with BOS; the role name "Assistent" is the original's.
VALLEY_CHAT_TEMPLATE = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ messages[0]['content'] }}"
    "{% else %}" + VALLEY_SYSTEM + "{% endif %}"
    "{{ '\\n\\n###' }}"  # an expression: the template engine trims the newline after a block tag
    "{% for message in messages %}"
    "{% if message['role'] == 'user' %} Human: {{ message['content'] }} \n###"
    "{% elif message['role'] == 'assistant' %} Assistent: {{ message['content'] }} \n###{% endif %}"
    "{% endfor %}"
)


def convert(source, output) -> Path:
    source, output = Path(source), Path(output)
    original = read_config(source)
    _check_v1(original, source)
    state = without_buffers(load_state_dict(source))
    vision_state = {k[len(VISION_PREFIX):]: v for k, v in state.items() if k.startswith(VISION_PREFIX)}
    projector_state = {"projector." + k[len(PROJECTOR_PREFIX):]: v for k, v in state.items()
                       if k.startswith(PROJECTOR_PREFIX)}
    llm_state = {k: v for k, v in state.items() if not k.startswith((VISION_PREFIX, PROJECTOR_PREFIX))}
    if not vision_state:
        raise ModelError(f"{source}: no {VISION_PREFIX}* weights (the CLIP tower is saved in Valley checkpoints)")
    if set(projector_state) != {"projector.weight", "projector.bias"}:
        raise ModelError(f"{source}: mm_projector is not one linear layer (keys {sorted(projector_state)})")

    vision_config = clip_vision_config(vision_state, source)
    vision_dir, llm_dir = base_folders(output)
    write_hf_model(CLIPVisionModel, vision_config, vision_state, vision_dir, source)
    text_config = write_llama(original, llm_state, llm_dir, source)

    tokenizer = read_tokenizer(source)
    missing = [m for m in MARKERS if m not in tokenizer.get_vocab()]
    if missing:
        raise ModelError(f"{source}: the tokenizer lacks Valley's marker tokens {missing}")
    tokenizer.chat_template = VALLEY_CHAT_TEMPLATE
    tokenizer.save_pretrained(llm_dir)

    config = referencing_config(vision_config, text_config, tokenizer, output, token_mode="valley_v1",
                                token_builder_config={"markers": MARKERS}, projector_type="linear",
                                select_layer=int(original.get("mm_vision_select_layer", -2)))
    video_processor = save_checkpoint(output, config, projector_state,
                                      valley_image_processor(vision_config.image_size))
    # Valley samples 8 frames evenly (data_util.py:263-266).
    VideoAssistProcessor(video_processor, tokenizer, config, SamplingConfig(num_frames=8)).save_pretrained(output)
    return output


def _check_v1(original: dict, source: Path) -> None:
    for flag in ("use_patch_importance_pooling", "use_delta_transformer"):
        if original.get(flag):
            raise ModelError(f"{source}/config.json: {flag} is set: a Valley v2/v3 checkpoint, only v1 converts")
    if not original.get("mm_use_im_start_end", True):
        raise ModelError(f"{source}/config.json: mm_use_im_start_end is false; Valley v1 places its markers")


def clip_vision_config(vision_state: dict, source: Path) -> CLIPVisionConfig:
    """The CLIP vision config, read off the weights' shapes (the Valley config only names the tower)."""
    keys = ("embeddings.patch_embedding.weight", "embeddings.position_embedding.weight",
            "encoder.layers.0.mlp.fc1.weight")
    shapes = vit_shapes(vision_state, keys, r"encoder\.layers\.(\d+)\.",
                        f"{source}: no CLIP vision weight {{key}} under {VISION_PREFIX}")
    return CLIPVisionConfig(
        hidden_size=shapes.width,
        intermediate_size=shapes.mlp_width,
        num_hidden_layers=shapes.depth,
        num_attention_heads=shapes.width // CLIP_HEAD_WIDTH,
        patch_size=shapes.patch_size,
        image_size=shapes.image_size,
        hidden_act="quick_gelu",
    )


def valley_image_processor(image_size: int) -> CLIPImageProcessorPil:
    return CLIPImageProcessorPil(
        size={"shortest_edge": round(image_size * RESIZE_OVER_CROP)},
        crop_size={"height": image_size, "width": image_size},
        resample=PILImageResampling.BILINEAR,
    )
