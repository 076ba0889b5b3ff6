"""Token builders by name (`token_mode`): the built-in ones, any registered with `register_token_builder`, and any
that an installed package declares in the `videoassist.token_builders` entry point group, e.g. in its
pyproject.toml:

    [project.entry-points."videoassist.token_builders"]
    my_mode = "my_package.builders:MyTokenBuilder"

An entry point is loaded the first time its name is looked up (a checkpoint with that `token_mode` loads).
"""

from __future__ import annotations

from importlib.metadata import entry_points

from .base import QuerySettings, TokenBuilder, TokenBuilderConfig

ENTRY_POINT_GROUP = "videoassist.token_builders"
_BUILDERS: dict[str, type[TokenBuilder]] = {}


def register_token_builder(name: str, builder_cls: type[TokenBuilder]) -> None:
    """Make `builder_cls` the token builder of `token_mode` `name` (registering the same class again is a no-op)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"a token builder needs a non-empty name, got {name!r}")
    if not (isinstance(builder_cls, type) and issubclass(builder_cls, TokenBuilder)):
        raise TypeError(f"token builder {name!r}: {builder_cls!r} is not a TokenBuilder subclass")
    if not issubclass(builder_cls.config_class, TokenBuilderConfig):
        raise TypeError(f"token builder {name!r}: its config_class must subclass TokenBuilderConfig")
    if builder_cls.needs_queries and not issubclass(builder_cls.config_class, QuerySettings):
        raise TypeError(f"token builder {name!r} needs queries: its config_class must subclass QuerySettings too")
    registered = _BUILDERS.get(name)
    if registered is not None and registered is not builder_cls:
        where = f"{registered.__module__}.{registered.__qualname__}"
        raise ValueError(f"token builder {name!r} is registered already ({where})")
    _BUILDERS[name] = builder_cls


def get_token_builder(name: str) -> type[TokenBuilder]:
    """The builder class of `token_mode` `name`, loading its entry point on first use."""
    if name not in _BUILDERS:
        _load_entry_point(name)
    if name not in _BUILDERS:
        raise ValueError(
            f"token_mode must be one of {token_builder_names()}, got {name!r} (a plug-in registers with "
            f"register_token_builder or the {ENTRY_POINT_GROUP!r} entry point group)"
        )
    return _BUILDERS[name]


def token_builder_names() -> tuple[str, ...]:
    """Registered token modes, then those that installed packages offer and that are not loaded yet."""
    offered = [point.name for point in entry_points(group=ENTRY_POINT_GROUP) if point.name not in _BUILDERS]
    return (*_BUILDERS, *sorted(set(offered)))


def _load_entry_point(name: str) -> None:
    for point in entry_points(group=ENTRY_POINT_GROUP, name=name):
        try:
            register_token_builder(name, point.load())
        except Exception as error:  # a third-party package failed to import or gave no builder: say which
            raise ValueError(
                f"token_mode {name!r}: entry point {point.value} gives no token builder ({error})"
            ) from error
        return
