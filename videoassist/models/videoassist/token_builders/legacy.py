"""Old config.json files (before token builders were plug-ins) kept every built-in builder's settings flat at the
top level of VideoAssistConfig, whatever the mode: `content_pool`, `temporal_heads`, `object_classes`, … This is
the one place that reads them into the builder's sub-config, so that such checkpoints still load.
"""

from __future__ import annotations

# old top-level key → (the token modes it belonged to, its name in their sub-config); None: every mode
FLAT_KEYS = {
    "freeze_token_builder": (None, "freeze"),
    "temporal_heads": (("valley_v3",), "temporal_heads"),
    "temporal_layers": (("valley_v3",), "temporal_layers"),
    "content_pool": (("llamavid",), "content_pool"),
    "query_encoder": (("llamavid",), "query_encoder"),
    "num_queries": (("llamavid",), "num_queries"),
    "query_heads": (("llamavid",), "query_heads"),
    "max_query_tokens": (("llamavid",), "max_query_tokens"),
    "object_slots": (("objects",), "slots"),
    "object_track_steps": (("objects",), "track_steps"),
    "object_width": (("objects",), "width"),
    "object_layers": (("objects",), "layers"),
    "object_heads": (("objects",), "heads"),
}
# The old `objects` mode recorded only the sizes of its vocabulary (its order head always had two outputs).
OBJECT_SIZE_KEYS = ("object_classes", "object_motions", "object_events", "object_max_count")
LEGACY_KEYS = (*FLAT_KEYS, *OBJECT_SIZE_KEYS)


def builder_settings_from_flat_keys(token_mode: str, flat: dict) -> dict:
    """The sub-config settings of `token_mode` among old flat keys (those of the other modes are dropped)."""
    settings = {}
    for key, value in flat.items():
        modes, name = FLAT_KEYS.get(key, ((), None))
        if modes is None or token_mode in modes:
            settings[name] = value
    if token_mode == "objects":
        settings.update(placeholder_vocabulary(**{key: flat[key] for key in OBJECT_SIZE_KEYS if key in flat}))
    return settings


def placeholder_vocabulary(object_classes: int = 24, object_motions: int = 5, object_events: int = 9,
                           object_max_count: int = 3) -> dict:
    """A vocabulary of the old sizes (their defaults where a key is absent) with numbered words: the weights depend
    only on the sizes, and an old config never stored the words."""
    return {
        "classes": [[f"class{k}_name1", f"class{k}_name2"] for k in range(object_classes)],
        "motions": [f"motion{k}" for k in range(object_motions)],
        "events": [f"event{k}" for k in range(object_events)],
        "orders": ["order0", "order1"],
        "counts": [f"count{k + 1}" for k in range(object_max_count)],
    }
