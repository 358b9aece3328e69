"""Installing and running copbot on Discord: the invite URL, the config, `copbot run`."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import discord
import pytest

from adapters.discord import CopbotClient
from adapters.discord.client import intents
from adapters.discord.invite import PERMISSIONS, application_id_of, invite_url
from copbot.bootstrap import open_core
from copbot.cli import main
from copbot.config import ConfigError, load_settings
from copbot.serve import serve_discord
from tests.discord.conftest import World
from tests.discord.fake_discord import APPLICATION_ID, TOKEN, FakeDiscord
from tests.fakes import ManualClock


def test_the_invite_url_asks_for_both_scopes_and_only_the_listed_permissions() -> None:
    query = parse_qs(urlparse(invite_url(42)).query)
    assert query["client_id"] == ["42"]
    assert query["scope"] == ["bot applications.commands"]
    granted = discord.Permissions(int(query["permissions"][0]))
    listed = discord.Permissions(**dict.fromkeys(PERMISSIONS, True))
    assert granted == listed
    assert not granted.administrator and not granted.manage_guild and not granted.manage_messages


def test_the_cli_prints_the_invite_url_for_the_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    token = base64.b64encode(b"123456789012345678").decode().rstrip("=") + ".abc.def"
    monkeypatch.setenv("DISCORD_TOKEN", token)
    assert main(["discord", "invite-url"]) == 0
    out = capsys.readouterr().out
    assert "client_id=123456789012345678" in out and "Create Private Threads" in out
    assert application_id_of("not a token") is None


def test_no_privileged_intent_is_asked_for() -> None:
    wanted = intents()
    assert not (wanted.members or wanted.presences or wanted.message_content)
    assert wanted.guilds and wanted.guild_messages and wanted.guild_reactions


def test_shard_ids_need_a_shard_count_and_must_fit_it(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[discord]\nshard_ids = [0]\n")
    with pytest.raises(ConfigError, match="shard_count"):
        load_settings(path, environ={})
    path.write_text("[discord]\nshard_count = 2\nshard_ids = [1, 2]\n")
    with pytest.raises(ConfigError, match=r"0\.\.1"):
        load_settings(path, environ={})
    path.write_text("[discord]\nshard_count = 2\nshard_ids = [1]\n")
    assert load_settings(path, environ={}).discord.shard_ids == (1,)


async def test_copbot_run_serves_discord_when_its_token_is_set(
    fake: FakeDiscord, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "copbot.db"}"\n')
    settings = load_settings(path, environ={"DISCORD_TOKEN": TOKEN})
    assert settings.discord.token is not None
    token = settings.discord.token.get_secret_value()
    serving = asyncio.create_task(serve_discord(settings, token))
    await fake.wait_for(lambda: fake.commands and fake.connections and fake.identified)
    sent = await fake.slash(world.home, world.alice, world.channel("general"), "help")
    [answer] = await fake.answer(sent)
    assert "Here's what you can do" in (
        answer["data"].get("content") or str(answer["data"]["embeds"])
    )
    assert fake.commands[0]["application_id"] == str(APPLICATION_ID)
    serving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await serving


async def test_a_discord_token_discord_refuses_is_named(
    fake: FakeDiscord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", "a-token-discord-never-issued")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert await asyncio.to_thread(main, ["run"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2, err
    assert "Discord refused the bot token" in err


async def test_commands_are_answered_while_the_timer_still_catches_up(
    fake: FakeDiscord, world: World, sqlite_url: str, clock: ManualClock
) -> None:
    """After an outage the timer's first pass may post for minutes: the gateway connects
    beside it, not after it. A timer that fails to start still stops the client."""
    catching_up = asyncio.Event()
    let_go = asyncio.Event()

    async def long_catch_up() -> None:
        catching_up.set()
        await let_go.wait()

    client = CopbotClient(guild_ready_timeout=0.05)
    async with open_core(sqlite_url, chat=client.chat, clock=clock) as core:
        serving = asyncio.create_task(client.serve(core, TOKEN, after_login=long_catch_up))
        ready = asyncio.create_task(client.wait_until_ready())
        await asyncio.wait({serving, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        assert ready.done() and catching_up.is_set() and not let_go.is_set()
        sent = await fake.slash(world.home, world.alice, world.channel("general"), "help")
        await fake.wait_for(lambda: sent in fake.finished_at)
        let_go.set()
        await client.close()
        await serving

    async def broken() -> None:
        raise RuntimeError("the scheduler could not start")

    client = CopbotClient(guild_ready_timeout=0.05)
    async with open_core(sqlite_url, chat=client.chat, clock=clock) as core:
        with pytest.raises(RuntimeError, match="could not start"):
            await asyncio.wait_for(client.serve(core, TOKEN, after_login=broken), 10)
    assert client.is_closed()
