"""The Ray session of the `--engine ray` commands: join a cluster, or start a quiet local one, and end it after.

Ray is an optional extra (`pip install -e ".[ray]"`), imported only here and by the engines, only when asked for.
A local instance is sized to this machine, bound to 127.0.0.1, without the dashboard; the job's workers get this
process's quiet settings (videoassist/cli/_quiet.py), and Ray Data's progress bars and notices are off: the
command shows its own progress bar. Workers' own logs stay in Ray's session folder (/tmp/ray/session_latest/logs).
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager

from .errors import VideoAssistError

INSTALL_HINT = 'the ray engine needs Ray: pip install -e ".[ray]" (or pip install "videoassist[ray]")'
# Environment variables the job's worker processes get from this one when set here (the CLI's quiet settings).
PASSED_ENVIRONMENT = ("TRANSFORMERS_VERBOSITY", "HF_HUB_VERBOSITY", "HF_HUB_DISABLE_PROGRESS_BARS",
                      "PYTHONWARNINGS", "OMP_WAIT_POLICY")


LOCAL_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # "0": a Ray instance bound to 127.0.0.1
MAX_BLOCKS = 4096


def small_blocks(count: int) -> int:
    """Blocks for a dataset of `count` small rows (paths, records): one each up to MAX_BLOCKS, so a result streams
    back as soon as its row is done rather than when a large block is."""
    return max(1, min(count, MAX_BLOCKS))


def import_ray():
    """The `ray` module, or a one-line error saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401  (ray without the [data] extra lacks pyarrow and pandas)
    except ImportError as error:
        raise VideoAssistError(f"{INSTALL_HINT} ({error})") from None
    return ray


@contextmanager
def ray_session(address: str | None = None):
    """Ray connected for the duration: to the instance this process already holds (a test's), to `address` or
    $RAY_ADDRESS (a running cluster; `ray job submit` sets it), or to a new local one that is shut down at the end.
    Yields the `ray` module."""
    address = address or os.environ.get("RAY_ADDRESS")
    if not address:
        # Ray's single-machine mode (its default on macOS and Windows): the node's address is 127.0.0.1 and every
        # Ray process listens there only, not on all interfaces. Read when ray is first imported.
        os.environ.setdefault(LOCAL_ONLY, "0")
    ray = import_ray()
    quiet_ray_data(ray)
    if ray.is_initialized():
        yield ray
        return
    environment = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
    settings = dict(runtime_env={"env_vars": environment}, logging_level=logging.ERROR, log_to_driver=False)
    if address:
        ray.init(address=address, **settings)
    else:
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, **settings)
    try:
        yield ray
    finally:
        ray.shutdown()


def quiet_ray_data(ray) -> None:
    """No Ray Data progress bars, execution notices or logged tracebacks in the command's output: an error that
    stops a job reaches the command as an exception."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.CRITICAL)


def task_result(ray, reference):
    """`ray.get(reference)`; our own error raised in the task (a VideoAssistError: a model that does not load, …)
    is raised as itself, not wrapped in Ray's exception, so the command prints it as one line."""
    try:
        return ray.get(reference)
    except ray.exceptions.RayTaskError as error:
        if isinstance(error.cause, VideoAssistError):
            raise error.cause from None
        raise
