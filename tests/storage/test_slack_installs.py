"""Slack's installation and OAuth state stores on copbot's database, both engines: what
slack_sdk's own stores promise (latest install wins, a rotated token updates its row, an
org-wide install is found by its organization), on the tables migration 0017 made."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import Connection, func, select

from storage.database import Database, open_database
from storage.migrate import migrate
from storage.slack_installs import SlackInstallations, SlackOAuthStates, bots, slack_metadata

CLIENT = "111.222"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    opened = open_database(database_url)
    await migrate(opened)
    yield opened
    await opened.dispose()


def _install(
    team: str | None, token: str, *, at: float, enterprise: str | None = None
) -> Installation:
    return Installation(
        app_id="A0COPBOT",
        enterprise_id=enterprise,
        team_id=team,
        team_name=f"{team} team",
        bot_token=token,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write",
        bot_refresh_token=f"xoxe-{token}",
        bot_token_expires_in=43200,
        user_id="U0INSTALLER",
        is_enterprise_install=team is None,
        installed_at=at,
    )


def _slack_differences(connection: Connection) -> list[object]:
    def slack_only(name: str | None, kind: str, parents: object) -> bool:
        return kind != "table" or (name or "") in slack_metadata.tables

    context = MigrationContext.configure(connection, opts={"include_name": slack_only})
    return compare_metadata(context, slack_metadata)


async def test_migration_0017_builds_slack_sdks_own_tables(database: Database) -> None:
    assert await database.run_sync(_slack_differences) == []


async def test_the_latest_install_of_a_workspace_is_found_and_the_other_stays_apart(
    database: Database,
) -> None:
    store = SlackInstallations(database, CLIENT)
    now = time.time()
    await store.async_save(_install("T1", "xoxe.xoxb-old", at=now - 60))
    await store.async_save(_install("T1", "xoxe.xoxb-one", at=now))
    await store.async_save(_install("T2", "xoxe.xoxb-two", at=now))
    one = await store.async_find_bot(enterprise_id=None, team_id="T1")
    two = await store.async_find_installation(enterprise_id=None, team_id="T2")
    assert one is not None and one.bot_token == "xoxe.xoxb-one"
    assert two is not None and two.bot_token == "xoxe.xoxb-two"
    assert two.user_id == ""  # copbot keeps no installer: no member data outside a community
    assert one.bot_token_expires_at is not None
    assert abs(one.bot_token_expires_at - (now + 43200)) < 5  # naive UTC in, the same moment out
    elsewhere = SlackInstallations(database, "999.999")  # another app's rows are not its own
    assert await elsewhere.async_find_bot(enterprise_id=None, team_id="T1") is None


async def test_a_rotated_token_updates_its_row_and_uninstalling_deletes_all(
    database: Database,
) -> None:
    store = SlackInstallations(database, CLIENT)
    await store.async_save(_install("T1", "xoxe.xoxb-one", at=time.time()))
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None
    bot.bot_token, bot.bot_refresh_token = "xoxe.xoxb-rotated", "xoxe-next"
    await store.async_save_bot(bot)
    found = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxe.xoxb-rotated"
    async with database.transaction() as db:  # the same row, not a second one
        rows = await db.scalar(select(func.count()).select_from(bots))
    assert rows == 1
    await store.async_delete_all(enterprise_id=None, team_id="T1")
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None
    assert await store.async_find_installation(enterprise_id=None, team_id="T1") is None


async def test_an_org_wide_install_serves_each_workspace_seen_in_it(database: Database) -> None:
    store = SlackInstallations(database, CLIENT)
    await store.async_save(_install(None, "xoxe.xoxb-org", at=time.time(), enterprise="E1"))
    found = await store.async_find_bot(enterprise_id="E1", team_id="T7", is_enterprise_install=True)
    assert found is not None and found.bot_token == "xoxe.xoxb-org"
    assert await store.org_of("T7") is None
    await store.org_team_seen("E1", "T7")
    await store.org_team_seen("E1", "T7")  # once is enough, twice changes nothing
    await store.org_team_seen("E1", "T8")
    assert await store.org_of("T7") == "E1"
    assert await store.org_teams_of("E1") == ["T7", "T8"]


async def test_an_oauth_state_is_good_once_and_not_after_it_expires(database: Database) -> None:
    states = SlackOAuthStates(database, expiration_seconds=600)
    state = await states.async_issue()
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False  # a second redirect with it is refused
    assert await states.async_consume("made-up") is False
    stale = await SlackOAuthStates(database, expiration_seconds=-1).async_issue()
    assert await states.async_consume(stale) is False
