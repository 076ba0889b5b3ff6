"""A VideoAssistError raised in a DataLoader worker process, given back as the error it was in that worker.

PyTorch sends the main process a worker's exception as its class and its formatted traceback only, and raises
`Class(text)` there, or a RuntimeError(text) when the class cannot be built from one argument (FileProblem takes
a path and a problem), `text` being "Caught DataError in DataLoader worker process 0.\\nOriginal Traceback …".
The CLI would print that whole traceback. Its last line is the error as `traceback` formats it, "<module>.<Class>:
<message>", and our messages are one line, so the error can be rebuilt exactly.
"""

from __future__ import annotations

import re

from ..errors import FileProblem, VideoAssistError

WORKER_TRACEBACK = re.compile(r"Caught (?P<name>\w+) in DataLoader worker process \d+\.\nOriginal Traceback")


def error_classes(base: type = VideoAssistError) -> dict[str, type]:
    """Every VideoAssistError class by the name a traceback gives it, "<module>.<qualified name>"."""
    classes = {f"{base.__module__}.{base.__qualname__}": base}
    for subclass in base.__subclasses__():
        classes.update(error_classes(subclass))
    return classes


def worker_error(error: BaseException) -> VideoAssistError | None:
    """The VideoAssistError a DataLoader worker raised, if `error` is PyTorch's re-raise of one; else None."""
    text = str(error)
    caught = WORKER_TRACEBACK.match(text)
    if caught is None:
        return None
    name, separator, message = text.rstrip("\n").rpartition("\n")[2].partition(": ")
    kind = error_classes().get(name)
    if kind is None or not separator or kind.__name__ != caught["name"]:
        return None  # not one of ours, or a message this cannot read back: the traceback stays
    if issubclass(kind, FileProblem):
        path, _, problem = message.partition(": ")  # as FileProblem wrote it: "PATH: PROBLEM"
        return kind(path, problem)
    return kind(message)


__all__ = ["worker_error"]
