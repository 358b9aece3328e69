"""Full garbage collections wait while a round runs, and only then: the young generations
are still collected, and the thresholds come back when the last round ends."""

from __future__ import annotations

import asyncio
import gc

from bot.common.collector import full_collections_held, round_work


def full_collections_while_keeping(objects: int) -> tuple[int, int]:
    """How many full and youngest-generation collections ran while `objects` containers
    were made and kept (each one a survivor that counts towards a full collection)."""
    before = gc.get_stats()
    kept = [[n] for n in range(objects)]
    after = gc.get_stats()
    del kept
    return (
        after[2]["collections"] - before[2]["collections"],
        after[0]["collections"] - before[0]["collections"],
    )


def test_no_full_collection_runs_while_held_though_one_would_without() -> None:
    thresholds = gc.get_threshold()
    unheld, _ = full_collections_while_keeping(2_000_000)
    assert unheld > 0  # the same work does trigger full collections when nothing holds them
    with full_collections_held():
        with full_collections_held():  # rounds in two communities at once
            pass
        held, young = full_collections_while_keeping(2_000_000)
        assert gc.get_threshold()[:2] == thresholds[:2]
    assert held == 0 and young > 0
    assert gc.get_threshold() == thresholds


def test_a_round_step_holds_full_collections_until_it_returns() -> None:
    seen = []

    @round_work
    async def step(n: int) -> int:
        seen.append(gc.get_threshold()[2])
        await asyncio.sleep(0)
        return n + 1

    thresholds = gc.get_threshold()
    assert asyncio.run(step(1)) == 2
    assert seen[0] > 1_000_000 and gc.get_threshold() == thresholds
