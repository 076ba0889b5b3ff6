"""YAML settings files → dataclasses: the one loader of the project (training configs, the demo recipe's settings).

    settings = load_dataclass("recipe.yaml", MySettings, ["train.steps=10"])   # `--set KEY=VALUE`, the value YAML

Every section of the file is a dataclass field: nested dataclasses, `list[SomeDataclass]`, `X | None`, tuples,
and the scalars are built from the field's type, and a bad file is a one-line ConfigError that names the file and
the key (an unknown key with its closest known one, a missing key, a value of the wrong type, or the message of a
ValueError a dataclass's `__post_init__` raised).
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Sequence
from pathlib import Path

import yaml

from .errors import ConfigError

NO_FILE = "<defaults>"  # what errors name when the settings come from the defaults and --set only


def read_yaml(path: str | Path | None, overrides: Sequence[str] = ()) -> dict:
    """The file's mapping (None: an empty one), with the "dotted.key=value" overrides applied."""
    raw: object = {}
    if path is not None:
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(path, "no such file") from None
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise ConfigError(path, f"cannot be read as YAML ({str(error).splitlines()[0]})") from None
        raw = {} if raw is None else raw
        if not isinstance(raw, dict):
            raise ConfigError(path, f"must be a mapping of settings, got {type(raw).__name__}")
    for override in overrides:
        apply_override(raw, override, path or NO_FILE)
    return raw


def apply_override(raw: dict, override: str, path) -> None:
    """Set "dotted.key=value" in `raw` (the value is YAML; a number in the key indexes a list)."""
    key, sep, value = override.partition("=")
    if not sep or not key:
        raise ConfigError(path, f"--set {override!r}: expected KEY=VALUE, e.g. train.steps=10")
    *parents, last = key.split(".")
    node = raw
    try:
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
            if not isinstance(node, (dict, list)):
                raise ConfigError(path, f"--set {key}: {part} is not a section")
        node[int(last) if isinstance(node, list) else last] = yaml.safe_load(value)
    except (ValueError, IndexError) as error:  # a list index that is not a number, or past the end
        raise ConfigError(path, f"--set {key}: no such entry ({error})") from None
    except yaml.YAMLError as error:
        raise ConfigError(path, f"--set {key}: the value is not YAML ({str(error).splitlines()[0]})") from None


def load_dataclass(path: str | Path | None, cls: type, overrides: Sequence[str] = ()):
    """`cls` from the YAML file `path` (None: from its defaults) and the overrides."""
    return build_dataclass(cls, read_yaml(path, overrides), path or NO_FILE)


def build_dataclass(cls: type, values, path, where: str = "", extra_allowed: Sequence[str] = ()):
    """`cls(**values)` with every value checked against (and built from) its field's type. `where` is the
    section's dotted name in the file; `extra_allowed` keys are known to the caller (listed as known keys)."""
    prefix = f"{where}." if where else ""
    if not isinstance(values, dict):
        raise ConfigError(path, f"{where or 'the file'}: must be a mapping, got {values!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in values:
        if key not in fields:
            known = [*fields, *extra_allowed]
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"
            raise ConfigError(path, f"unknown key {prefix}{key}{hint}")
    required = [n for n, f in fields.items() if f.default is f.default_factory is dataclasses.MISSING]
    missing = [n for n in required if n not in values]
    if missing:
        raise ConfigError(path, f"missing key {prefix}{missing[0]}")
    checked = {}
    for key, value in values.items():
        try:
            checked[key] = _coerce(value, hints[key], path, f"{prefix}{key}")
        except (TypeError, ValueError):
            raise ConfigError(path, f"{prefix}{key}: expected {_type_name(hints[key])}, got {value!r}") from None
    try:
        return cls(**checked)
    except (TypeError, ValueError) as error:
        raise ConfigError(path, f"{where or 'config'}: {error}") from None


def _coerce(value, hint, path, where: str):
    """The value as `hint` wants it (TypeError when it cannot be). YAML reads `1e-3` as a string (YAML 1.1
    floats need a dot): accept it as a float. A mapping for a dataclass type is built into one."""
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    if value is None:
        if type(None) in options:
            return None
        raise TypeError
    for option in options:
        origin = typing.get_origin(option) or option
        args = typing.get_args(option)
        if dataclasses.is_dataclass(option):
            if dataclasses.is_dataclass(value) and isinstance(value, option):
                return value  # a section the caller built already
            if isinstance(value, dict):
                return build_dataclass(option, value, path, where)
            continue
        if origin is bool and isinstance(value, bool):
            return value
        if origin is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if origin is float and not isinstance(value, bool):
            if isinstance(value, (int, float)):
                return float(value)
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    continue
        if origin is str and isinstance(value, str):
            return value
        if origin is dict and isinstance(value, dict):
            return value
        if origin in (list, tuple) and isinstance(value, (list, tuple)):
            try:
                return _sequence(value, origin, args, path, where)
            except (TypeError, ValueError):
                continue
    raise TypeError


def _sequence(value, origin, args, path, where: str):
    if origin is tuple and args and args[-1] is not Ellipsis:  # tuple[float, float]: exactly that many
        if len(value) != len(args):
            raise ValueError
        return tuple(_coerce(v, a, path, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args)))
    item = args[0] if args else typing.Any
    items = [v if item is typing.Any else _coerce(v, item, path, f"{where}[{i}]") for i, v in enumerate(value)]
    return origin(items)


def _type_name(hint) -> str:
    name = hint.__name__ if isinstance(hint, type) and not typing.get_args(hint) else str(hint)
    return name.replace("typing.", "").replace("NoneType", "null")


__all__ = ["read_yaml", "apply_override", "load_dataclass", "build_dataclass", "NO_FILE"]
