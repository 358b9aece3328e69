"""Arbitrary input to every command, line and button: no crash, and a refusal changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import build_catalog
from bot.kernel.core import FAILED, Core
from bot.kernel.messages import Action, Invocation, Reply
from copbot.bootstrap import open_core
from storage.schema import metadata
from storage.store import SqlStore
from tests.fakes import FakeChat, ManualClock, Talk

PATHS = [c.path for c in build_catalog()]
OPTION_NAMES = [*sorted({o.name for c in build_catalog() for o in c.options}), "colour"]
ACTION_IDS = [
    "profile.save",
    "profile.edit",
    "privacy.erase",
    "privacy.cancel",
    "nope",
    "library.upvote",
    "library.search",
    "library.list",
    "library.remove",
    "library.keep",
    "prompt.approve",
    "prompt.reject",
    "prompt.remove",
    "prompt.keep",
    "prompt.unschedule",
    "prompt.keep-schedule",
]

values = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=500),
    st.text(alphabet=st.characters(categories=["Cs", "Cc", "Cf", "Zl", "L"]), max_size=40),
    st.sampled_from(["", " ", "py, js", "Europe/Berlin", "@alice", "#general", "1", "yes"]),
    st.integers(),
    st.booleans(),
    st.none(),
)
option_sets = st.dictionaries(st.sampled_from(OPTION_NAMES), values, max_size=4)
# Example counts are kept modest: the suite runs on every CI push.
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


async def snapshot(store: SqlStore) -> Any:
    async with store.database.transaction() as db:
        return [
            (await db.execute(select(table).order_by(*table.primary_key))).all()
            for table in metadata.sorted_tables
        ]


def check(reply: Reply, before: Any, after: Any) -> None:
    assert isinstance(reply, Reply)
    assert reply.text != FAILED, "the core crashed on this input"
    if reply.error:
        assert reply.ephemeral
        assert before == after, "a refused command changed data"


class Harness:
    """A core on a SQLite file with two members who have profiles."""

    def __init__(self, tmp: Path) -> None:
        self.runner = asyncio.Runner()
        self.core: Core = self.runner.run(self._open(tmp))
        self.talk = Talk(self.core)
        self.run(self.talk("alice", "/profile set skills:python timezone:Europe/Berlin"))
        self.run(self.talk("bob", "/profile set interests:python bio:hello"))
        self.run(self.talk("bob", "/library add https://example.org Example python"))

    async def _open(self, tmp: Path) -> Core:
        self._context = open_core(f"sqlite:///{tmp / 'p.db'}", chat=FakeChat(), clock=ManualClock())
        return await self._context.__aenter__()

    def run(self, coroutine: Any) -> Any:
        return self.runner.run(coroutine)

    def checked(self, call: Any) -> Reply:
        store = self.core.store
        assert isinstance(store, SqlStore)
        before = self.run(snapshot(store))
        reply = self.run(call)
        check(reply, before, self.run(snapshot(store)))
        return reply

    def close(self) -> None:
        self.run(self._context.__aexit__(None, None, None))
        self.runner.close()


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    opened = Harness(tmp_path)
    yield opened
    opened.close()


def test_any_options_to_any_command(harness: Harness) -> None:
    @PROPERTY_SETTINGS
    @given(
        path=st.sampled_from(PATHS),
        options=option_sets,
        user=st.sampled_from(["alice", "eve", "mod"]),
    )
    def invoke(path: str, options: dict[str, Any], user: str) -> None:
        actor = harness.talk.actor(user)
        harness.checked(harness.core.invoke(Invocation(actor, "general", path, options)))

    invoke()


def test_any_typed_line(harness: Harness) -> None:
    @PROPERTY_SETTINGS
    @given(
        line=st.one_of(
            st.text(max_size=200),
            st.builds(
                lambda p, rest: f"/{p} {rest}", st.sampled_from(PATHS), st.text(max_size=120)
            ),
        )
    )
    def type_line(line: str) -> None:
        harness.checked(harness.core.invoke_text(harness.talk.actor("alice"), "general", line))

    type_line()


def test_any_button_or_form(harness: Harness) -> None:
    @PROPERTY_SETTINGS
    @given(
        action_id=st.sampled_from(ACTION_IDS),
        value=st.one_of(
            st.text(max_size=20),
            st.text(alphabet=st.characters(categories=["Cs", "Cc", "N", "P"]), max_size=20),
        ),
        form=option_sets.map(lambda d: {k: str(v) for k, v in d.items()}),
        user=st.sampled_from(["alice", "bob", "eve", "mod"]),
    )
    def press(action_id: str, value: str, form: dict[str, str], user: str) -> None:
        if action_id == "privacy.erase":  # a real erase is a legitimate change: forge the id
            value += "x"
        actor = harness.talk.actor(user)
        harness.checked(harness.core.act(Action(actor, "general", action_id, value, form)))

    press()


def test_the_invariant_can_fail(harness: Harness) -> None:
    store = harness.core.store
    assert isinstance(store, SqlStore)
    before = harness.run(snapshot(store))
    harness.run(harness.talk("alice", "/profile set bio:changed"))
    after = harness.run(snapshot(store))
    assert before != after
    with pytest.raises(AssertionError, match="changed data"):
        check(Reply("no", ephemeral=True, error=True), before, after)
