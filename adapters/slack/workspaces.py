"""Which bot token speaks for which workspace: one token for one workspace (set in the
config), or, installed by OAuth, each workspace's own token from the installation store,
refreshed before it expires (token rotation) and gone once the workspace uninstalls copbot.

Each workspace is its own community (`CommunityKey("slack", team id)`), also inside an
organization-wide install, whose one token serves every workspace of the organization: the
store learns which organization a workspace belongs to from its requests.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel.messages import CommunityKey
from bot.kernel.ports import ChannelUnavailable

log = logging.getLogger(__name__)

ClientFor = Callable[[str], AsyncWebClient]  # a Web API client for a token
KEPT_FOR = 10.0  # seconds a workspace's installation is used before the store is read again


class NotInstalled(ChannelUnavailable):
    """copbot has no token for the workspace (it was uninstalled, or never installed):
    whatever it meant to send there is refused, not retried."""


class Installations(Protocol):
    """What copbot asks of slack_sdk's installation store (`AsyncInstallationStore`; bolt
    gets the whole of it), and which organization serves which workspace."""

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None: ...

    async def async_save_bot(self, bot: Bot) -> None: ...

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None: ...

    async def org_team_seen(self, enterprise_id: str, team_id: str) -> None: ...

    async def org_of(self, team_id: str) -> str | None: ...

    async def org_teams_of(self, enterprise_id: str) -> list[str]: ...


class Workspaces(Protocol):
    async def client(self, community: CommunityKey) -> AsyncWebClient:
        """The client with the workspace's bot token; `NotInstalled` when there is none."""
        ...

    async def seen(self, enterprise_id: str | None, team_id: str | None) -> None:
        """A request came from this workspace (of this organization)."""
        ...

    async def uninstalled(
        self, enterprise_id: str | None, team_id: str | None, *, org_wide: bool
    ) -> list[str]:
        """The workspace (or organization) removed copbot: its tokens are forgotten at
        once. The workspaces it served."""
        ...


class OneWorkspace:
    """The configured bot token, for the one workspace it was installed in."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def client(self, community: CommunityKey) -> AsyncWebClient:
        return self._client

    async def seen(self, enterprise_id: str | None, team_id: str | None) -> None:
        return None

    async def uninstalled(
        self, enterprise_id: str | None, team_id: str | None, *, org_wide: bool
    ) -> list[str]:
        """The token is Slack's to revoke; copbot keeps nothing else of it."""
        return [team_id or enterprise_id or ""]


class Installed:
    """Workspaces that installed copbot through `/slack/install`."""

    def __init__(
        self,
        installations: Installations,
        rotator: AsyncTokenRotator,
        client_for: ClientFor,
        *,
        rotation_minutes: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.installations = installations
        self._rotator = rotator
        self._client_for = client_for
        self._minutes = rotation_minutes
        self._monotonic = monotonic
        self._known: dict[str, tuple[float, Bot]] = {}  # team: when its install was read, it
        self._clients: dict[str, tuple[str, AsyncWebClient]] = {}  # team: its token's client
        self._rotating: dict[str, asyncio.Lock] = {}
        self._seen: set[tuple[str, str]] = set()

    async def client(self, community: CommunityKey) -> AsyncWebClient:
        """The installation is read from the store at most once every `KEPT_FOR` seconds per
        workspace, not at every call: an uninstall or revoked token this process hears of,
        and a token it refreshes, show at once; another process's at the next read. (A token
        another process refreshed still works until it expires, and one about to expire is
        read again before it is refreshed.) One refresh at a time per workspace here."""
        team = community.id
        async with self._rotating.setdefault(team, asyncio.Lock()):
            bot = await self._current(team)
            if bot is None or not bot.bot_token:
                self._known.pop(team, None)
                self._clients.pop(team, None)
                raise NotInstalled(f"copbot isn't installed in Slack workspace {team}")
            refreshed = await self._rotated(team, bot)
            if refreshed is not bot:
                self._known[team] = (self._monotonic(), refreshed)
            bot = refreshed
        token = bot.bot_token or ""
        known = self._clients.get(team)
        if known is None or known[0] != token:
            known = self._clients[team] = (token, self._client_for(token))
        return known[1]

    async def _current(self, team: str) -> Bot | None:
        known = self._known.get(team)
        if known is not None and self._monotonic() - known[0] < KEPT_FOR:
            expires = known[1].bot_token_expires_at  # the rotator's own test, by the same clock
            if expires is None or expires > time.time() + self._minutes * 60:
                return known[1]
        bot = await self._bot(team)
        if bot is not None:
            self._known[team] = (self._monotonic(), bot)
        return bot

    async def _rotated(self, team: str, bot: Bot) -> Bot:
        """`bot`, its token refreshed first if it expires soon. Slack takes a refresh token
        once: when another process refreshed the same token first, its new one is in the
        store."""
        try:
            refreshed = await self._rotator.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=self._minutes
            )
        except SlackTokenRotationError:
            again = await self._bot(team)
            if again is None or again.bot_token == bot.bot_token:
                raise
            return again
        if refreshed is None:
            return bot
        await self.installations.async_save_bot(refreshed)
        log.info("refreshed the bot token of Slack workspace %s", team)
        return refreshed

    async def _bot(self, team: str) -> Bot | None:
        """The workspace's own install (the common case: one read), else, for a workspace
        of an Enterprise Grid organization, its install there or the organization's."""
        found = await self.installations.async_find_bot(enterprise_id=None, team_id=team)
        if found is not None:
            return found
        enterprise = await self.installations.org_of(team)
        if enterprise is None:
            return None
        found = await self.installations.async_find_bot(enterprise_id=enterprise, team_id=team)
        return found or await self.installations.async_find_bot(
            enterprise_id=enterprise, team_id=None, is_enterprise_install=True
        )

    async def seen(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Remembered once per process: a workspace's sends need its organization's id. A
        failure holds up no request (the workspace's next one tries again)."""
        if enterprise_id is None or team_id is None or (enterprise_id, team_id) in self._seen:
            return
        try:
            await self.installations.org_team_seen(enterprise_id, team_id)
        except Exception:
            log.exception("remembering that %s belongs to %s failed", team_id, enterprise_id)
            return
        self._seen.add((enterprise_id, team_id))

    async def uninstalled(
        self, enterprise_id: str | None, team_id: str | None, *, org_wide: bool
    ) -> list[str]:
        if org_wide and enterprise_id is not None:
            teams = await self.installations.org_teams_of(enterprise_id)
            await self.installations.async_delete_all(enterprise_id=enterprise_id, team_id=None)
        else:
            teams = [team_id] if team_id else []
            await self.installations.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)
        for team in teams:
            self._known.pop(team, None)
            self._clients.pop(team, None)
        log.info("copbot was uninstalled from Slack workspaces %s", ", ".join(teams) or "-")
        return teams
