"""The decode-ahead thread: order, errors raised in the consumer, early stop closes the source."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from annotator.analysis.prefetch import prefetch


def test_items_arrive_in_order_from_another_thread() -> None:
    threads: set[str] = set()

    def gen() -> Iterator[int]:
        for i in range(50):
            threads.add(threading.current_thread().name)
            yield i

    assert list(prefetch(gen(), ahead=2)) == list(range(50))
    assert threads == {"facet-decode"}


def test_an_error_in_the_source_is_raised_in_the_consumer() -> None:
    def gen() -> Iterator[int]:
        yield 1
        raise ValueError("broken file")

    got = []
    with pytest.raises(ValueError, match="broken file"):
        for x in prefetch(gen()):
            got.append(x)
    assert got == [1]


def test_leaving_early_stops_the_producer_and_closes_the_source() -> None:
    closed = threading.Event()
    produced = []

    def gen() -> Iterator[int]:
        try:
            for i in range(10_000):
                produced.append(i)
                yield i
        finally:
            closed.set()

    for x in prefetch(gen(), ahead=3):
        if x == 5:
            break
    assert closed.is_set()  # the finally ran (container.close() in iter_rgb)
    assert len(produced) <= 5 + 1 + 3 + 1  # bounded: never ran ahead more than the queue
