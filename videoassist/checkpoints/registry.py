"""The registry of model sources: the base class a source subclasses, and the ordered list load_model asks.

A source is one kind of model name: `matches(name)` says whether it loads that name (cheap: the name's form, a
folder's config.json), `load(name, dtype, device)` loads it. Specific sources are asked in the order they were
registered, before the general ones (`general = True`: sources that match nearly any name, a folder or a hub id).
"""

from __future__ import annotations

from ..errors import ModelError, one_line


class ModelSource:
    """One kind of model name. Subclass it, then `register_source(YourSource())`."""

    general = False  # True for a source that matches broadly: it is asked after every specific one

    def matches(self, name: str) -> bool:
        raise NotImplementedError

    def load(self, name: str, dtype=None, device: str | None = None):
        """→ (model, processor), the model on `device` (when given) and in eval mode."""
        raise NotImplementedError

    @staticmethod
    def ready(model, device: str | None):
        """The loaded model on `device` (when given) and in eval mode, as `load` returns it."""
        if device:
            try:
                model = model.to(device)
            except (RuntimeError, AssertionError, ValueError) as error:  # no such device, or torch built without it
                raise ModelError(f"device {device!r}: cannot be used ({one_line(error)})") from None
        return model.eval()


_SOURCES: list[ModelSource] = []


def register_source(source: ModelSource) -> ModelSource:
    _SOURCES.append(source)
    return source


def registered_sources() -> list[ModelSource]:
    """The sources in the order they are asked: the specific ones, then the general ones."""
    return sorted(_SOURCES, key=lambda source: source.general)


__all__ = ["ModelSource", "register_source", "registered_sources"]
