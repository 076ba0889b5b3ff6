"""EVA-ViT-G as LAVIS ships it (BLIP-2's `eva_vit_g.pth`, used by LLaMA-VID): a transformers model whose weight
names are LAVIS's, one to one, so the original file loads without renaming."""

from transformers import AutoConfig, AutoModel

from .modeling_eva_vit import EvaVitConfig, EvaVitModel

AutoConfig.register(EvaVitConfig.model_type, EvaVitConfig)
AutoModel.register(EvaVitConfig, EvaVitModel)

__all__ = ["EvaVitConfig", "EvaVitModel"]
