"""Token builders: the features of one video's frames → the visual tokens the LLM reads, chosen by `token_mode`.

Built in: `valley_v1`, `valley_v2`, `valley_v3` (valley.py), `llamavid` (llamavid.py), `objects` (objects.py) and
`classes` (classes.py).
Any other registers the same way (`register_token_builder`, or the `videoassist.token_builders` entry point
group; see registry.py and base.py).
"""

from .base import QuerySettings, TokenBuilder, TokenBuilderConfig
from .classes import ClassTokens, ClassTokensConfig
from .llamavid import LlamaVid, LlamaVidConfig
from .objects import ObjectScene, ObjectTokens, ObjectTokensConfig
from .registry import ENTRY_POINT_GROUP, get_token_builder, register_token_builder, token_builder_names
from .valley import ValleyConfig, ValleyV1, ValleyV2, ValleyV3, ValleyV3Config

register_token_builder("valley_v1", ValleyV1)
register_token_builder("valley_v2", ValleyV2)
register_token_builder("valley_v3", ValleyV3)
register_token_builder("llamavid", LlamaVid)
register_token_builder("objects", ObjectTokens)
register_token_builder("classes", ClassTokens)

__all__ = [
    "TokenBuilder",
    "TokenBuilderConfig",
    "QuerySettings",
    "register_token_builder",
    "get_token_builder",
    "token_builder_names",
    "ENTRY_POINT_GROUP",
    "ValleyConfig",
    "ValleyV1",
    "ValleyV2",
    "ValleyV3",
    "ValleyV3Config",
    "LlamaVid",
    "LlamaVidConfig",
    "ObjectTokens",
    "ObjectTokensConfig",
    "ObjectScene",
    "ClassTokens",
    "ClassTokensConfig",
]
