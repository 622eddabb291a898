"""Progress bars for the long operator commands (rebuild, replay, dlq list).

On stderr, so that what a command prints on stdout stays clean for a pipe, and only when
stderr is a terminal: in a log file or CI a bar is noise. `bar()` always gives an object
with `update(n)` and `counted()` always an iterable, so callers never check.
"""

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

import click

T = TypeVar("T")


class Progress(Protocol):
    def update(self, n_steps: int) -> None: ...


class _Silent:
    def update(self, n_steps: int) -> None:
        pass


def enabled() -> bool:
    return sys.stderr.isatty()


@contextmanager
def bar(label: str, length: int) -> Iterator[Progress]:
    """A bar of `length` steps; advance it with `update(n)`."""
    if not enabled():
        yield _Silent()
        return
    with click.progressbar(length=max(length, 1), label=label, file=sys.stderr, show_pos=True) as progress:
        yield progress


@contextmanager
def counted(label: str, items: Iterable[T]) -> Iterator[Iterable[T]]:
    """`items`, ticking a bar as they are consumed (a running count when there is no length)."""
    if not enabled():
        yield items
        return
    with click.progressbar(items, label=label, file=sys.stderr, show_pos=True) as progress:
        yield progress
