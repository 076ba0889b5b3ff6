"""Keep library chatter out of the commands' output: a user sees our progress bars, results and one-line errors.

Libraries with a log-level switch of their own (transformers, the hub, Streamlit) show errors only; Python warnings
and other libraries' log notices are dropped one by one, by their message, never all at once. The switches are
environment variables, so the processes a command starts (the Streamlit app, DataLoader workers) are quiet too,
and nothing here imports the libraries (`videoassist frames` starts fast). `--debug` skips all of it.
"""

from __future__ import annotations

import logging
import os
import warnings

# The libraries' own switches (a value the user set is kept): transformers' and the hub's log notices (the
# torchvision fallback of the image processors, the hub's network retries before its error), their loading bars,
# Streamlit's log lines (its server's start: `videoassist app` says where to go itself), and the log lines of Ray's
# C++ core in the `--engine ray` commands' driver (an "error" about how Ray Data passes an actor's arguments, on
# every run, which no user can act on; real failures reach the command as exceptions).
LIBRARY_SETTINGS = {
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "STREAMLIT_LOGGER_LEVEL": "warning",
}
# Python warnings raised inside libraries that a user of the commands cannot act on: (message start, category).
LIBRARY_WARNINGS = [
    # PEFT reads transformers' deprecated `is_gradient_checkpointing` whenever it wraps a model with LoRA adapters
    # (loading any LoRA checkpoint, the demo's too); the property is transformers', the read is PEFT's.
    ("`is_gradient_checkpointing` is deprecated", FutureWarning),
]


class DropNotices(logging.Filter):
    """Drops a logger's records whose message starts with one of `starts`."""

    def __init__(self, *starts: str):
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.starts)


# Log records of a library logger, by the start of their message. DeepSpeed logs this on every CPU-only machine.
LIBRARY_NOTICES = {"DeepSpeed": DropNotices("Setting accelerator to CPU")}


def quiet_libraries() -> None:
    """Silence the notices above in this process and the processes it starts. Call before the libraries load."""
    for name, value in LIBRARY_SETTINGS.items():
        os.environ.setdefault(name, value)
    for message, category in LIBRARY_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)
    # PYTHONWARNINGS carries the same filters into Python sub-processes (it matches a literal message start).
    options = [option for option in os.environ.get("PYTHONWARNINGS", "").split(",") if option]
    for message, category in LIBRARY_WARNINGS:
        if (option := f"ignore:{message}:{category.__name__}") not in options:
            options.append(option)
    os.environ["PYTHONWARNINGS"] = ",".join(options)
    for logger_name, notices in LIBRARY_NOTICES.items():
        logging.getLogger(logger_name).addFilter(notices)  # added once however often this runs
