"""Model definitions, with no training, inference or CLI in them: `videoassist/` is the VideoAssist model
(config, model, processors, vision tower, token builders, projector), in the layout of a transformers model folder;
`eva_vit/` is EVA-ViT-G, LLaMA-VID's vision tower, with LAVIS's weight names.
"""
