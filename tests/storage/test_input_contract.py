"""Input that would reach the database: refused or cleaned alike on SQLite and PostgreSQL,
through the core, so both engines answer each case the same way."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from copbot.bootstrap import open_core
from tests.fakes import FakeChat, ManualClock, Talk


@pytest.fixture
async def talk(database_url: str) -> AsyncIterator[Talk]:
    async with open_core(database_url, chat=FakeChat(), clock=ManualClock()) as core:
        yield Talk(core)


async def test_a_tag_of_punctuation_is_refused_in_saving_and_in_search(talk: Talk) -> None:
    await talk("alice", "/library add https://example.org/plus 'C plus plus' tags:c++")
    for line in (
        "/library search plus tag:+",
        "/library list tag:&",
        "/library add https://example.org/b B tags:python,/",
    ):
        reply = await talk("alice", line)
        assert reply.error and "letter or digit" in reply.text, reply.text
    found = await talk("alice", "/library search plus tag:c++")
    assert [c.title for c in found.cards] == ["#1 C plus plus"]
