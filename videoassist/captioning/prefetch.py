"""Run the slow input side of a loop ahead of it: `work(item)` for the next few items in a background thread."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def prefetched(items: Iterable[Item], work: Callable[[Item], Result], depth: int = 2) -> Iterator[tuple[Item, Future]]:
    """Yield (item, future of work(item)) in order, with up to `depth` items being worked on ahead of the one
    yielded. `future.result()` returns the result or raises what `work` raised, for the caller to handle."""
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    remaining = iter(items)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch") as pool:
        pending = deque((item, pool.submit(work, item)) for item in islice(remaining, depth))
        try:
            while pending:
                item, future = pending.popleft()
                pending.extend((later, pool.submit(work, later)) for later in islice(remaining, 1))
                yield item, future
        finally:  # the consumer stopped early (an error, Ctrl-C): do not start what was queued
            for _, future in pending:
                future.cancel()
