"""A runner's work in each community: one community's failure is logged and the others go
on, their results summed."""

from __future__ import annotations

import logging

import pytest

from bot.kernel.messages import CommunityKey
from bot.kernel.runners import in_each


async def test_one_community_failing_holds_up_no_other(caplog: pytest.LogCaptureFixture) -> None:
    communities = [CommunityKey("test", name) for name in ("a", "broken", "c", "quiet")]
    done = []

    async def work(community: CommunityKey) -> int | None:
        if community.id == "broken":
            raise RuntimeError("the database went away")
        done.append(community.id)
        return None if community.id == "quiet" else 2

    with caplog.at_level(logging.ERROR):
        total = await in_each(communities, work, "prompts")
    assert total == 4 and done == ["a", "c", "quiet"]
    [record] = caplog.records
    assert record.getMessage() == "prompts in test/broken failed"
