"""Errors a user can read: every message is one line that names the file (or thing) and the problem."""


def one_line(text) -> str:
    """`text` on one line: line breaks, tabs and other unprintable characters become single spaces (a library's
    multi-line message inside ours; a caption in a subtitle cue)."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())


class VideoAssistError(Exception):
    """Base class of every error videoassist raises on purpose; the CLI prints it as one line, no traceback."""


class FileProblem(VideoAssistError):
    """A problem with one file or folder: the message is "PATH: PROBLEM"."""

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):  # pickle (another process's error) rebuilds it from both parts, not from the message
        return type(self), (self.path, self.problem)


class VideoError(FileProblem):
    """A video (or image) file that cannot be used: missing, empty, not a video, corrupt, too long, too large."""


class DataError(FileProblem):
    """A dataset file (JSON, CSV, JSONL, shard) that cannot be read."""


class ConfigError(FileProblem):
    """A training config or settings file (or a folder or DeepSpeed file it names) that cannot be used."""


class ModelError(VideoAssistError):
    """A model name, checkpoint folder or config that cannot be loaded."""
