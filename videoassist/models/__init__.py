"""Model definitions, with no training, inference or CLI in them: `videoassist/` is the VideoAssist model
(config, model, processors, vision tower, token builders, projector), in the layout of a transformers model folder.
"""
