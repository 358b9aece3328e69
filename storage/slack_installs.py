"""Slack's installations (bot tokens per workspace or organization) and OAuth states, on
copbot's own database, both engines: slack_sdk's `AsyncInstallationStore` and
`AsyncOAuthStateStore` interfaces over copbot's `Database`.

slack_sdk's own async SQLAlchemy stores want an `AsyncEngine`; copbot's SQLite runs on its
one writer thread behind an asyncio lock (storage/database.py), which a second engine on
the same file would bypass and contend with. So these are the smallest stores over
copbot's connection, on slack_sdk's own table definitions and row-to-model builders (the
migration 0017 creates the tables; a contract test holds the two alike). Lookups read
beside the writers (`Database.reading`): every request and every send looks its token up.

The tables belong to no community (an organization's install serves many), so they stay
out of `storage.schema.metadata` and its per-community erase; a workspace's rows go when
it uninstalls copbot.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Column, MetaData, String, Table, and_, delete, desc, select, update

from storage.database import Database, Db
from storage.schema import insert_new

log = logging.getLogger(__name__)

slack_metadata = MetaData()
installations = SQLAlchemyInstallationStore.build_installations_table(
    slack_metadata, "slack_installations"
)
bots = SQLAlchemyInstallationStore.build_bots_table(slack_metadata, "slack_bots")
oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    slack_metadata, "slack_oauth_states"
)
# The workspaces of an organization-wide install seen so far: a send names its community
# (the workspace), and its token is the organization's.
org_teams = Table(
    "slack_org_teams",
    slack_metadata,
    Column("team_id", String(32), primary_key=True),
    Column("enterprise_id", String(32), nullable=False),
)
SLACK_TABLES = frozenset(slack_metadata.tables)


class SlackInstallations(AsyncInstallationStore):
    """Installations of one Slack app (`client_id`)."""

    def __init__(self, database: Database, client_id: str) -> None:
        self.database = database
        self.client_id = client_id

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        """Without who installed it: copbot asks for no user token, and keeps nothing of a
        member outside their community's own tables (which `/privacy erase` covers)."""
        row = _for_db(installation.to_dict(), self.client_id, "user_token_expires_at")
        row |= {"user_id": "", "user_token": None, "user_refresh_token": None}
        async with self.database.transaction() as db:
            await self._upsert(db, installations, row)
            await self._upsert(db, bots, _bot_row(installation.to_bot(), self.client_id))
            if installation.enterprise_id and installation.team_id:  # a workspace of an org
                await self._org_team(db, installation.enterprise_id, installation.team_id)
            await db.commit()

    async def async_save_bot(self, bot: Bot) -> None:
        async with self.database.transaction() as db:
            await self._upsert(db, bots, _bot_row(bot, self.client_id))
            await db.commit()

    async def _upsert(self, db: Db, table: Table, row: dict[str, Any]) -> None:
        """slack_sdk's rule: one row per (workspace, installed_at); a rotated token updates
        the row it came from."""
        c = table.c
        same = and_(
            c.client_id == self.client_id,
            c.enterprise_id == row["enterprise_id"],
            c.team_id == row["team_id"],
            c.installed_at == row["installed_at"],
        )
        found = await db.scalar(select(c.id).where(same).limit(1))
        columns = {k: v for k, v in row.items() if k in c}
        if found is None:
            await db.execute(table.insert().values(**columns))
        else:
            await db.execute(update(table).where(c.id == found).values(**columns))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        if is_enterprise_install:
            team_id = None
        c = bots.c
        query = (
            bots.select()
            .where(self._of(bots, enterprise_id, team_id), c.bot_token.is_not(None))
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        async with self.database.reading() as db:
            found = await db.execute(query)
        if not found.rows:
            return None
        return SQLAlchemyInstallationStore.build_bot_entity(found.rows[0]._mapping)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        if is_enterprise_install:
            team_id = None
        where = [self._of(installations, enterprise_id, team_id)]
        if user_id is not None:
            where.append(installations.c.user_id == user_id)
        query = (
            installations.select()
            .where(*where)
            .order_by(desc(installations.c.installed_at))
            .limit(1)
        )
        async with self.database.reading() as db:
            found = await db.execute(query)
        if not found.rows:
            return None
        return SQLAlchemyInstallationStore.build_installation_entity(found.rows[0]._mapping)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self.database.transaction() as db:
            await db.execute(delete(bots).where(self._of(bots, enterprise_id, team_id)))
            await db.commit()

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        where = [self._of(installations, enterprise_id, team_id)]
        if user_id is not None:
            where.append(installations.c.user_id == user_id)
        async with self.database.transaction() as db:
            await db.execute(delete(installations).where(*where))
            await db.commit()

    def _of(self, table: Table, enterprise_id: str | None, team_id: str | None) -> Any:
        c = table.c
        return and_(
            c.client_id == self.client_id,
            c.enterprise_id == enterprise_id,  # None compares as IS NULL
            c.team_id == team_id,
        )

    # ---- organization-wide installs: which organization a workspace belongs to ----

    async def org_team_seen(self, enterprise_id: str, team_id: str) -> None:
        """A request came from `team_id`, a workspace of `enterprise_id`'s install."""
        async with self.database.transaction() as db:
            await self._org_team(db, enterprise_id, team_id)
            await db.commit()

    async def _org_team(self, db: Db, enterprise_id: str, team_id: str) -> None:
        await db.execute(
            insert_new(db.dialect, org_teams, ["team_id"]).values(
                team_id=team_id, enterprise_id=enterprise_id
            )
        )
        await db.execute(
            update(org_teams)
            .where(org_teams.c.team_id == team_id, org_teams.c.enterprise_id != enterprise_id)
            .values(enterprise_id=enterprise_id)
        )

    async def org_of(self, team_id: str) -> str | None:
        """The organization whose install serves `team_id`, if one was seen."""
        async with self.database.reading() as db:
            found = await db.scalar(
                select(org_teams.c.enterprise_id).where(org_teams.c.team_id == team_id)
            )
        return str(found) if found is not None else None

    async def org_teams_of(self, enterprise_id: str) -> list[str]:
        async with self.database.reading() as db:
            found = await db.execute(
                select(org_teams.c.team_id)
                .where(org_teams.c.enterprise_id == enterprise_id)
                .order_by(org_teams.c.team_id)
            )
        return [str(team) for team in found.scalars()]


class SlackOAuthStates(AsyncOAuthStateStore):
    """The `state` of each OAuth flow under way, good for `expiration_seconds`: consumed
    once, by one statement, so two processes can't both accept it."""

    def __init__(self, database: Database, expiration_seconds: int = 600) -> None:
        self.database = database
        self.expiration_seconds = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = str(uuid4())
        expires = _naive(time.time() + self.expiration_seconds)
        async with self.database.transaction() as db:
            now = _naive(time.time())
            await db.execute(delete(oauth_states).where(oauth_states.c.expire_at <= now))
            await db.execute(oauth_states.insert().values(state=state, expire_at=expires))
            await db.commit()
        return state

    async def async_consume(self, state: str) -> bool:
        c = oauth_states.c
        async with self.database.transaction() as db:
            consumed = await db.execute(
                delete(oauth_states)
                .where(c.state == state, c.expire_at > _naive(time.time()))
                .returning(c.id)
            )
            await db.commit()
        return bool(consumed.rows)


def _naive(moment: float) -> datetime:
    """slack_sdk's columns are naive UTC (`DateTime` without a time zone)."""
    return datetime.fromtimestamp(moment, UTC).replace(tzinfo=None)


def _for_db(values: dict[str, Any], client_id: str, *also: str) -> dict[str, Any]:
    row = {**values, "client_id": client_id}
    for key in ("installed_at", "bot_token_expires_at", *also):
        row[key] = normalize_datetime_for_db(row.get(key))
    return row


def _bot_row(bot: Bot, client_id: str) -> dict[str, Any]:
    return _for_db(bot.to_dict(), client_id)


@dataclass(frozen=True)
class SlackStores:
    """Both stores, for bolt's OAuth flow and copbot's chat."""

    installations: SlackInstallations
    states: SlackOAuthStates


def slack_stores(database: Database, client_id: str) -> SlackStores:
    return SlackStores(SlackInstallations(database, client_id), SlackOAuthStates(database))
