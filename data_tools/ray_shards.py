"""`python -m data_tools shard … --engine ray`: the shard writer's per-record work (probe the video, read its bytes)
in Ray Data tasks, on this machine or a cluster. The driver writes the shards as the members stream back, in the
records' order, so the shards hold exactly what the local writer's hold and `--resume` works the same."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from videoassist.ray_cluster import ray_session, small_blocks


@contextmanager
def ray_mapper(address: str | None = None):
    """A `mapper` for write_shards: `mapper(function, jobs)` runs `function` on each job in a Ray task (one CPU
    each) and yields the results in the jobs' order."""
    with ray_session(address) as ray:

        def mapper(function: Callable[[dict], dict], jobs: list[dict]) -> Iterator[dict]:
            if not jobs:
                return
            dataset = ray.data.from_items(jobs, override_num_blocks=small_blocks(len(jobs)))
            dataset.context.execution_options.preserve_order = True  # this dataset only: shards keep record order
            yield from dataset.map(function, num_cpus=1).iter_rows()

        yield mapper
