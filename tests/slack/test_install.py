"""copbot installed by OAuth in many workspaces (HTTP mode): each admin goes through the
real flow (GET /slack/install, Slack's authorize page, back to /slack/oauth_redirect with a
code that copbot exchanges with `oauth.v2.access`); each workspace is then its own
community, spoken to with its own token, refreshed before it expires, and forgotten when
it uninstalls copbot (its data erased after the grace period, the other's kept)."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import SlackOptions, slack_running
from adapters.slack.install import AUTHORIZED_TOKENS, Authorized, InstallOptions
from adapters.slack.manifest import BOT_SCOPES
from adapters.slack.requests import NOT_INSTALLED
from adapters.slack.run import Running
from adapters.slack.workspaces import KEPT_FOR, Installed, NotInstalled
from bot.admin.leaving import ERASE_AFTER, PrivacyRunner
from bot.kernel.messages import CommunityKey, Reply
from bot.kernel.ports import DatabaseBusy
from bot.kernel.runners import Services
from copbot.bootstrap import serving_core, slack_installs
from storage.database import open_database
from storage.migrate import migrate
from storage.slack_installs import SlackInstallations
from tests.fakes import ManualClock
from tests.slack.conftest import ALICE, BOB, MOD, MODERATORS_GROUP
from tests.slack.fake_slack import CLIENT_ID, CLIENT_SECRET, LIFETIME, Call, FakeSlack
from tests.slack.workspace import SECRET, Http, Workspace, text_of

ONE, TWO = "T0ONE", "T0TWO"
ORG, IN_ORG = "E0ORG", "T0INORG"


def install_options(fake: FakeSlack) -> SlackOptions:
    return SlackOptions(
        install=InstallOptions(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            stores=lambda core: slack_installs(core, CLIENT_ID),
            authorize_url=f"{fake.base}/oauth/v2/authorize",
        ),
        mode="http",
        signing_secret=SECRET,
        host="127.0.0.1",
        port=0,
        moderators=(MODERATORS_GROUP,),
        api_url=fake.api_url,
    )


@asynccontextmanager
async def copbot(fake: FakeSlack, database_url: str, clock: ManualClock) -> AsyncIterator[Running]:
    """copbot in HTTP mode, installed by OAuth (in no workspace yet, on a new database)."""
    async with slack_running(
        install_options(fake), lambda chat: serving_core(database_url, chat=chat, clock=clock)
    ) as running:
        fake.redirect_uri = f"http://127.0.0.1:{running.port}/slack/oauth_redirect"
        yield running


@pytest.fixture
async def installed(
    fake: FakeSlack, database_url: str, clock: ManualClock
) -> AsyncIterator[Running]:
    """On each engine: the installation store is copbot's database."""
    async with copbot(fake, database_url, clock) as running:
        yield running


async def install(
    fake: FakeSlack, running: Running, team: str | None, enterprise: str | None = None
) -> str:
    """An admin of `team` (or of the organization `enterprise`) adds copbot from a browser:
    /slack/install sends them to Slack with a state (kept in a cookie too), Slack sends them
    back (to `fake.redirect_uri`) with a code. The page copbot shows at the end."""
    fake.signed_in = (team, enterprise)
    base = f"http://127.0.0.1:{running.port}"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as browser:
        async with browser.get(f"{base}/slack/install", allow_redirects=False) as started:
            assert started.status == 302
            to_slack = started.headers["Location"]
            cookie = started.headers["Set-Cookie"].split(";")[0]
        asked = parse_qs(urlsplit(to_slack).query)
        assert asked["client_id"] == [CLIENT_ID]
        assert asked["scope"] == [",".join(BOT_SCOPES)]
        assert asked["state"][0] in cookie
        async with browser.get(to_slack, allow_redirects=False) as approved:
            assert approved.status == 302
            back = approved.headers["Location"]
        async with browser.get(back, headers={"Cookie": cookie}) as done:
            assert done.status == 200
            return await done.text()


def workspace(fake: FakeSlack, running: Running, team: str) -> Workspace:
    return Workspace(fake, Http(f"http://127.0.0.1:{running.port}/slack/events"), team)


async def run(where: Workspace, user: str, line: str) -> dict[str, Any]:
    sent = await where.command(user, line)
    assert sent.status == 200 and sent.body == "", sent.body
    return await sent.reply()


def web_api_calls(fake: FakeSlack, method: str, team: str) -> list[Call]:
    return [c for c in fake.calls if c.method == method and c.team == team]


async def post_a_prompt(where: Workspace, running: Running) -> None:
    """Something copbot sends on its own (through the outbox), in `where`'s #general."""
    scheduled = await run(where, MOD, "prompt schedule <#C0GENERAL|general> monday 10:00 UTC")
    await run(where, MOD, f'prompt add "What did you learn in {where.team}?"')
    number = re.search(r"#(\d+)", text_of(scheduled))
    assert number, text_of(scheduled)
    posting = text_of(await run(where, MOD, f"prompt post-now schedule:{number[1]}"))
    assert "Posting in <#C0GENERAL>" in posting, posting
    await running.core.outbox.drain()


async def test_two_workspaces_install_and_each_is_its_own_community(
    installed: Running, fake: FakeSlack
) -> None:
    for team in (ONE, TWO):
        assert "Thank you!" in await install(fake, installed, team)
    exchanged = fake.called("oauth.v2.access")
    assert len(exchanged) == 2 and all(call.get("code") for call in exchanged)
    one, two = workspace(fake, installed, ONE), workspace(fake, installed, TWO)

    await run(one, ALICE, "profile set skills:python")
    assert "*Teaches*\npython" in text_of(await run(one, BOB, f"profile show <@{ALICE}|a>"))
    assert "hasn't set up a profile" in text_of(await run(two, BOB, f"profile show <@{ALICE}|a>"))
    await run(two, ALICE, "library add https://example.org/two Two")
    assert "The library has nothing yet" in text_of(await run(one, ALICE, "library list"))
    assert "Two" in text_of(await run(two, ALICE, "library list"))

    for where in (one, two):
        await post_a_prompt(where, installed)
    for team in (ONE, TWO):
        [token] = fake.tokens_of(team)
        posted = web_api_calls(fake, "chat.postMessage", team)  # the prompt, a low-queue notice
        assert posted and {c.token for c in posted} == {token}
        assert [c for c in posted if f"What did you learn in {team}?" in text_of(c.args)]
        looked_up = web_api_calls(fake, "users.info", team)
        assert looked_up and {c.token for c in looked_up} == {token}


async def test_an_uninstalled_workspace_is_served_no_more_and_erased_after_the_grace_period(
    fake: FakeSlack, sqlite_url: str, clock: ManualClock
) -> None:
    fake.lifetime = int((ERASE_AFTER * 2).total_seconds())  # the test's week is not rotation's
    async with copbot(fake, sqlite_url, clock) as running:
        for team in (ONE, TWO):
            await install(fake, running, team)
        one, two = workspace(fake, running, ONE), workspace(fake, running, TWO)
        for where in (one, two):
            await run(where, ALICE, "profile set skills:python")
            await run(where, MOD, "prompt schedule <#C0GENERAL|general> monday 10:00 UTC")
            await run(where, MOD, f'prompt add "Due later in {where.team}"')

        fake.uninstall(ONE)  # Slack revokes its tokens, then says so
        assert (await one.event({"type": "app_uninstalled"}))[0] == 200
        await _until(lambda: _pending(running, ONE), True)  # after its tokens are forgotten
        assert not await _pending(running, TWO)
        stores = slack_installs(running.core, CLIENT_ID)
        assert await stores.installations.async_find_bot(enterprise_id=None, team_id=ONE) is None
        ignored = await one.command(ALICE, "profile set bio:still here?")  # no installation
        assert ignored.status == 200

    calls_before = len(fake.calls)
    clock.advance(timedelta(hours=2))  # both prompts fell due while copbot was down
    async with copbot(fake, sqlite_url, clock) as running:  # the installations outlive it
        await _until_posted(fake, running, TWO)
        assert [c for c in fake.calls[calls_before:] if c.team == ONE] == []  # ONE's refused
        [told] = fake.responses[ignored.response_key or ""]  # by bolt, finding no token
        assert told["text"] == NOT_INSTALLED

        clock.advance(ERASE_AFTER)
        assert await PrivacyRunner(Services(running.core.store, clock, lambda: None)).run_due() == 1
        assert "Thank you!" in await install(fake, running, ONE)  # back, and it starts empty
        one, two = workspace(fake, running, ONE), workspace(fake, running, TWO)
        shown = text_of(await run(one, BOB, f"profile show <@{ALICE}|a>"))
        assert "hasn't set up a profile" in shown
        assert "*Teaches*\npython" in text_of(await run(two, BOB, f"profile show <@{ALICE}|a>"))


async def test_revoking_a_members_token_changes_nothing_revoking_the_bots_stops_serving(
    installed: Running, fake: FakeSlack
) -> None:
    await install(fake, installed, ONE)
    one = workspace(fake, installed, ONE)
    await run(one, ALICE, "profile set skills:python")
    installations = slack_installs(installed.core, CLIENT_ID).installations

    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [ALICE], "bot": []}}
    assert (await one.event(revoked))[0] == 200
    assert "Your profile is saved" in text_of(await run(one, ALICE, "profile set bio:still"))
    assert await installations.async_find_bot(enterprise_id=None, team_id=ONE) is not None

    fake.uninstall(ONE)
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOT"]}}
    assert (await one.event(revoked))[0] == 200
    await _until(lambda: _pending(installed, ONE), True)
    assert await installations.async_find_bot(enterprise_id=None, team_id=ONE) is None


async def test_a_token_about_to_expire_is_refreshed_before_it_is_used(
    installed: Running, fake: FakeSlack, clock: ManualClock
) -> None:
    fake.lifetime = 3600  # less than the two hours before expiry copbot refreshes within
    await install(fake, installed, ONE)
    [first] = fake.tokens_of(ONE)
    fake.lifetime = LIFETIME
    clock.advance(timedelta(hours=2))  # Slack now refuses the first token: token_expired
    one = workspace(fake, installed, ONE)
    await run(one, ALICE, "profile set skills:python")
    await post_a_prompt(one, installed)

    refreshed = [c for c in fake.calls if c.args.get("grant_type") == "refresh_token"]
    assert len(refreshed) == 1  # once, then the new token is found in the store
    [_, second] = fake.tokens_of(ONE)
    assert [c.method for c in fake.calls if c.token == first] == ["auth.test"]  # the install
    posted = web_api_calls(fake, "chat.postMessage", ONE)
    assert posted and {c.token for c in posted} == {second}
    bot = await slack_installs(installed.core, CLIENT_ID).installations.async_find_bot(
        enterprise_id=None, team_id=ONE
    )
    assert bot is not None and bot.bot_token == second


async def test_when_another_process_refreshes_the_same_token_first_both_go_on(
    installed: Running, fake: FakeSlack
) -> None:
    """Slack takes a refresh token once: the process that loses the race uses the winner's
    new token, from the store, for what it sends and for the request it authorizes."""
    fake.lifetime = 3600  # every token from now on expires within the refresh window
    await install(fake, installed, ONE)
    installations = slack_installs(installed.core, CLIENT_ID).installations
    rotator = AsyncTokenRotator(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        client=AsyncWebClient(base_url=fake.api_url),
    )

    async def another_process_first() -> None:
        fake.on_refresh = None
        bot = await installations.async_find_bot(enterprise_id=None, team_id=ONE)
        assert bot is not None
        refreshed = await rotator.perform_bot_token_rotation(bot=bot)
        assert refreshed is not None
        await installations.async_save_bot(refreshed)

    fake.on_refresh = another_process_first
    sent = await installed.bot.chat.post(CommunityKey("slack", ONE), "C0GENERAL", Reply("Hi"))
    assert sent.channel_id == "C0GENERAL"
    [_, second] = fake.tokens_of(ONE)
    assert web_api_calls(fake, "chat.postMessage", ONE)[-1].token == second

    fake.on_refresh = another_process_first  # and once more, as a command comes in
    fake.lifetime = LIFETIME
    one = workspace(fake, installed, ONE)
    assert "Your profile is saved" in text_of(await run(one, ALICE, "profile set bio:hi"))
    [_, _, third] = fake.tokens_of(ONE)
    assert web_api_calls(fake, "users.info", ONE)[-1].token == third
    lost = [c for c in fake.calls if c.args.get("grant_type") == "refresh_token"]
    assert len(lost) == 4  # two races, each with a winner and a loser


async def test_an_org_wide_install_serves_each_workspace_as_its_own_community(
    installed: Running, fake: FakeSlack
) -> None:
    assert "Thank you!" in await install(fake, installed, None, ORG)
    [token] = fake.tokens_of(ORG)
    inside = workspace(fake, installed, IN_ORG)
    inside.enterprise = ORG
    await run(inside, ALICE, "profile set skills:python")
    await post_a_prompt(inside, installed)
    posted = web_api_calls(fake, "chat.postMessage", ORG)
    assert posted and {c.token for c in posted} == {token}
    assert not await _pending(installed, IN_ORG)

    fake.uninstall(ORG)
    assert (await inside.event({"type": "app_uninstalled"}))[0] == 200
    await _until(lambda: _pending(installed, IN_ORG), True)  # each workspace it served


async def _pending(running: Running, team: str) -> bool:
    return (await running.core.store.departure(CommunityKey("slack", team))).pending


async def _until(probe: Any, wanted: object) -> None:
    """Events are handled after their ack: probe until it answers `wanted` (5 s at most)."""
    deadline = time.monotonic() + 5
    while (await probe()) != wanted:
        assert time.monotonic() < deadline, f"never {wanted!r}"


async def _until_posted(fake: FakeSlack, running: Running, team: str) -> None:
    deadline = time.monotonic() + 5
    while not web_api_calls(fake, "chat.postMessage", team):
        assert time.monotonic() < deadline, f"nothing was posted in {team}"
        await running.core.outbox.drain()


@pytest.mark.postgres
async def test_an_install_started_on_one_process_finishes_on_another(
    fake: FakeSlack, postgres_url: str, clock: ManualClock
) -> None:
    """Behind a load balancer: the state one process issued, the other accepts, once."""
    async with copbot(fake, postgres_url, clock) as first, copbot(fake, postgres_url, clock):
        # `fake.redirect_uri` is the second process's now: Slack sends the admin back there
        assert f":{first.port}/" not in fake.redirect_uri
        assert "Thank you!" in await install(fake, first, ONE)
        one = workspace(fake, first, ONE)  # and the first serves the workspace at once
        assert "Your profile is saved" in text_of(await run(one, ALICE, "profile set bio:hi"))


def test_bolts_cache_of_authorized_tokens_forgets_the_oldest() -> None:
    cache = Authorized()
    for n in range(AUTHORIZED_TOKENS + 2):
        cache[f"xoxe.xoxb-{n}"] = n
    assert len(cache) == AUTHORIZED_TOKENS
    assert "xoxe.xoxb-0" not in cache and "xoxe.xoxb-1" not in cache
    assert cache[f"xoxe.xoxb-{AUTHORIZED_TOKENS + 1}"] == AUTHORIZED_TOKENS + 1


async def test_a_workspace_whose_organization_could_not_be_remembered_is_asked_again(
    sqlite_url: str,
) -> None:
    """Remembering which organization serves a workspace holds up no request when the
    database is busy: the workspace's next request remembers it."""
    database = open_database(sqlite_url)
    await migrate(database)

    class BusyOnce(SlackInstallations):
        busy = True

        async def org_team_seen(self, enterprise_id: str, team_id: str) -> None:
            if self.busy:
                self.busy = False
                raise DatabaseBusy("another process holds the database")
            await super().org_team_seen(enterprise_id, team_id)

    try:
        store = BusyOnce(database, CLIENT_ID)
        rotator = AsyncTokenRotator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        workspaces = Installed(store, rotator, AsyncWebClient, rotation_minutes=120)
        await workspaces.seen(ORG, IN_ORG)
        assert await store.org_of(IN_ORG) is None
        await workspaces.seen(ORG, IN_ORG)
        assert await store.org_of(IN_ORG) == ORG
    finally:
        await database.dispose()


class CountedInstallations(SlackInstallations):
    """The real store, counting how often a workspace's installation is read."""

    reads = 0

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        self.reads += 1
        return await super().async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )


def bot_of(team: str, token: str) -> Bot:
    return Bot(
        app_id="A0COPBOT",
        team_id=team,
        bot_token=token,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        installed_at=time.time(),
    )


async def test_a_workspaces_installation_is_read_once_in_a_while_and_forgotten_at_uninstall(
    sqlite_url: str,
) -> None:
    """Not one database read per Slack call: a token another process refreshed still works
    until it expires and shows at the next read; an uninstall (or revoked tokens) this
    process hears of shows at once."""
    database = open_database(sqlite_url)
    await migrate(database)
    now = [0.0]
    try:
        store = CountedInstallations(database, CLIENT_ID)
        await store.async_save_bot(bot_of(ONE, "xoxb-first"))
        rotator = AsyncTokenRotator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        workspaces = Installed(
            store, rotator, AsyncWebClient, rotation_minutes=120, monotonic=lambda: now[0]
        )
        one = CommunityKey("slack", ONE)
        tokens = [(await workspaces.client(one)).token for _ in range(5)]
        assert tokens == ["xoxb-first"] * 5 and store.reads == 1

        await store.async_save_bot(bot_of(ONE, "xoxb-second"))  # another process rotated it
        assert (await workspaces.client(one)).token == "xoxb-first"
        now[0] += KEPT_FOR
        assert (await workspaces.client(one)).token == "xoxb-second" and store.reads == 2

        await workspaces.uninstalled(None, ONE, org_wide=False)
        with pytest.raises(NotInstalled):
            await workspaces.client(one)  # within KEPT_FOR of the last read
    finally:
        await database.dispose()
