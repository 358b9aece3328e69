"""copbot on Discord: a discord.py client that serves every guild it is in.

Each interaction becomes one core call, answered by the `Responder` (at once, or deferred
and then finished). copbot asks for no privileged intent: guilds, guild messages (authors
and places, not content) and guild reactions are enough.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from adapters.discord import budget, inbound
from adapters.discord.chat import PLATFORM, DiscordChat
from adapters.discord.commands import build_commands, commands_hash, options_given
from adapters.discord.components import ActionButton, OpenForm
from adapters.discord.limits import cut
from adapters.discord.render import render
from adapters.discord.respond import Responder
from bot.kernel.catalog import Choice
from bot.kernel.core import FAILED, Core
from bot.kernel.messages import Action, Actor, CommunityKey, Invocation, MessageRef, Reply
from bot.kernel.shared import Rate

log = logging.getLogger(__name__)

# discord.py's names for the tasks that run what Discord sent: interactions (commands,
# autocomplete), components and events.
HANDLING = ("CommandTree-invoker", "discord-ui-view-dispatch-", "discord.py: ")
SYNCED = "discord.commands_hash"  # the catalog last synced to Discord, kept in the store

STALE = Reply(
    "I don't know that command any more; Discord may still be updating its list. "
    "Try again in a minute.",
    ephemeral=True,
    error=True,
)


@dataclass(frozen=True)
class DiscordOptions:
    """What the process needs to know beyond its token."""

    moderator_role: str | None = None  # a role name or id; Manage Server always moderates
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    rest_proxy: str | None = None  # a REST proxy's base URL (nirn-proxy): it keeps the limit


def intents() -> discord.Intents:
    """No privileged intent (members, presences, message content): copbot needs none."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True  # who posted in a prompt's thread, not what
    wanted.guild_reactions = True  # the pin emoji
    return wanted


class CopbotClient(discord.AutoShardedClient):
    def __init__(
        self, options: DiscordOptions | None = None, *, guild_ready_timeout: float = 2.0
    ) -> None:
        """`guild_ready_timeout`: how long discord.py waits for more guilds before it is ready
        (a loopback Discord sends them all at once)."""
        self.options = options or DiscordOptions()
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # copbot has no voice
        extra: dict[str, Any] = {"shard_count": self.options.shard_count}
        if self.options.shard_ids:
            extra["shard_ids"] = list(self.options.shard_ids)
        self.rate: Rate | None = None  # the token's turns, once serving (none behind a proxy)
        if self.options.rest_proxy:
            budget.use_proxy(self.options.rest_proxy)
        else:
            extra["http_trace"] = budget.paced(lambda: self.rate)
        super().__init__(
            intents=intents(),
            # What members wrote (a prompt, a note) may say @everyone or name a role: only a
            # reply's own mention (`Reply.mention`, rendered with its AllowedMentions) pings.
            allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, users=True),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=guild_ready_timeout,
            **extra,
        )
        self.chat = DiscordChat(self)
        self.tree: app_commands.CommandTree[CopbotClient] = app_commands.CommandTree(self)
        self.tree.on_error = self._command_failed  # type: ignore[method-assign]
        self.responder = Responder()
        self._core: Core | None = None
        self._after_login: Callable[[], Awaitable[None]] | None = None
        self._started: asyncio.Task[None] | None = None  # what `after_login` does
        self._stopping: asyncio.Task[None] | None = None  # closing, when it failed

    @property
    def core(self) -> Core:
        if self._core is None:
            raise RuntimeError("serve() attaches the core before the client starts")
        return self._core

    async def serve(
        self,
        core: Core,
        token: str,
        *,
        after_login: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Log in, sync commands if the catalog changed, start `after_login` (the timer, which
        may post from then on) as the gateway connects, and serve until closed. Every request
        with the token keeps to Discord's global limit together with the other processes on
        the core's database (or the proxy's, with `rest_proxy`)."""
        self._core, self._after_login = core, after_login
        if not self.options.rest_proxy:
            self.rate = Rate(
                budget.bucket_of(token), budget.PER_SECOND, budget.BURST, core.store.shared
            )
        try:
            async with self:
                await self.start(token)
        except Exception:
            if self._stopping is None:  # else: closed mid-connect, for the failure raised below
                raise
        finally:
            if self._started is not None and not self._started.done():
                self._started.cancel()  # a catch-up cut short is the next process's to finish
        if self._stopping is not None and self._started is not None:
            raise self._started.exception() or RuntimeError("after_login failed")

    async def connected(self) -> bool:
        """Whether the gateway is up: ready, and each of this process's shards connected."""
        shards = self.shards.values()
        return self.is_ready() and not self.is_closed() and not any(s.is_closed() for s in shards)

    async def stop_taking_work(self) -> None:
        """Close the gateway, so no more interactions arrive, and wait for the ones under way
        to be answered: the REST session stays open for them until `close`."""
        for shard in self.shards.values():
            await shard.disconnect()
        here = asyncio.current_task()
        handling = [
            t for t in asyncio.all_tasks() if t is not here and t.get_name().startswith(HANDLING)
        ]
        if handling:
            await asyncio.wait(handling)

    async def setup_hook(self) -> None:
        for command in build_commands(
            self.core.catalog,
            invoke=self.invoked,
            suggest=self.suggest,
            on_message=self.message_action,
        ):
            self.tree.add_command(command)
        self.add_dynamic_items(ActionButton, OpenForm)
        await self.sync_commands()
        if self._after_login is not None:
            # Beside the gateway, not before it: the timer's catch-up after an outage (ten
            # thousand postings due) would otherwise keep every command waiting for it.
            self._started = asyncio.ensure_future(self._after_login())
            self._started.add_done_callback(self._start_failed)

    def _start_failed(self, started: asyncio.Task[None]) -> None:
        """A timer that can't start stops the client, as it did when it ran before serving."""
        if started.cancelled() or started.exception() is None:
            return
        log.error("starting after login failed; stopping", exc_info=started.exception())
        self._stopping = asyncio.get_running_loop().create_task(self.close())

    async def sync_commands(self) -> bool:
        """Send the commands to Discord only when they differ from the last sync: Discord limits
        how often an application may overwrite its commands."""
        payload = [c.to_dict(self.tree) for c in self.tree.get_commands()]
        fingerprint = commands_hash(payload)
        key = CommunityKey(PLATFORM, f"application-{self.application_id}")
        async with self.core.store.unit_of_work(key) as uow:
            if await uow.settings.get(SYNCED) == fingerprint:
                log.info("commands unchanged since the last sync")
                return False
        await self.tree.sync()
        try:
            async with self.core.store.unit_of_work(key) as uow:
                await uow.settings.put(SYNCED, fingerprint)
                await uow.commit()
        except Exception:  # another shard's process synced and recorded it at the same moment
            log.warning("could not record the commands' hash", exc_info=True)
        log.info("synced %d commands", len(payload))
        return True

    # Interactions in

    def actor(self, interaction: discord.Interaction[Any]) -> Actor | Reply:
        return inbound.interaction_actor(interaction, self.options.moderator_role)

    async def invoked(
        self, interaction: discord.Interaction[Any], path: str, options: dict[str, Any]
    ) -> None:
        channel = str(interaction.channel_id)
        await self.responder.answer(
            interaction,
            self.actor(interaction),
            lambda actor: self.core.invoke(Invocation(actor, channel, path, options)),
        )

    async def suggest(
        self, interaction: discord.Interaction[Any], path: str, option: str, partial: str
    ) -> list[Choice]:
        actor = self.actor(interaction)
        if isinstance(actor, Reply):
            return []
        return await self.core.autocomplete(
            actor, path, option, partial, options_given(interaction)
        )

    async def message_action(
        self, interaction: discord.Interaction[Any], name: str, message: discord.Message
    ) -> None:
        chat_message = inbound.chat_message(message)
        channel = str(interaction.channel_id)
        await self.responder.answer(
            interaction,
            self.actor(interaction),
            lambda actor: self.core.message_action(actor, channel, name, chat_message),
        )

    async def pressed(
        self, interaction: discord.Interaction[Any], action_id: str, value: str
    ) -> None:
        """A press on an `ActionButton`, from this process or one before a restart."""
        await self._act(interaction, action_id, value, {})

    async def open_form(self, interaction: discord.Interaction[Any], key: int) -> None:
        await self.responder.open_form(interaction, key)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Modal submits come here, whichever process opened the modal."""
        if interaction.type is not discord.InteractionType.modal_submit or interaction.data is None:
            return
        action_id, _, value = str(interaction.data.get("custom_id", "")).partition(":")
        values = inbound.form_values(interaction.data.get("components", []))  # type: ignore[arg-type]
        await self._act(interaction, action_id, value, values)

    async def _act(
        self,
        interaction: discord.Interaction[Any],
        action_id: str,
        value: str,
        values: dict[str, str],
    ) -> None:
        message = inbound.message_ref(interaction.message) if interaction.message else None
        channel = str(interaction.channel_id)
        await self.responder.answer(
            interaction,
            self.actor(interaction),
            lambda actor: self.core.act(Action(actor, channel, action_id, value, values, message)),
        )

    async def _command_failed(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CommandNotFound):
            reply = STALE
        elif isinstance(error, app_commands.TransformerError):
            reply = Reply(
                f"`{cut(str(error.value), 40)}` isn't valid there.", ephemeral=True, error=True
            )
        else:
            log.error("interaction %s failed", interaction.id, exc_info=error)
            reply = Reply(FAILED, ephemeral=True, error=True)
        await self.responder.respond(interaction, reply)

    # Gateway events

    async def on_ready(self) -> None:
        """Every guild copbot is in has been listed (an unavailable one too): a guild it
        knows that isn't there removed it while copbot was down."""
        await self.core.presence.seen(
            PLATFORM, {str(guild.id) for guild in self.guilds}, self._served_here
        )

    def _served_here(self, guild_id: str) -> bool:
        """Whether this process's shards carry the guild (Discord's rule for a shard)."""
        return guild_id.isdigit() and (int(guild_id) >> 22) % (self.shard_count or 1) in self.shards

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """copbot was kicked or banned, or the guild deleted (not an outage: discord.py
        tells those apart)."""
        await self.core.presence.left(CommunityKey(PLATFORM, str(guild.id)))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.core.presence.back(CommunityKey(PLATFORM, str(guild.id)))

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Every guild at each connection, and after an outage: copbot is still there."""
        await self.core.presence.back(CommunityKey(PLATFORM, str(guild.id)))

    async def on_message(self, message: discord.Message) -> None:
        """A post in a thread counts as an answer; only its author and place are read."""
        thread = message.channel
        if message.author.bot or message.guild is None or not isinstance(thread, discord.Thread):
            return
        actor = inbound.member_actor(message.guild.id, message.author, self.options.moderator_role)
        ref = MessageRef(PLATFORM, str(thread.parent_id), str(message.id), str(thread.id))
        await self.core.member_posted(actor, ref)

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        """An emoji on a message: the library saves it when it is the configured pin emoji."""
        if event.guild_id is None or event.member is None or event.member.bot:
            return
        channel = self.get_partial_messageable(event.channel_id, guild_id=event.guild_id)
        try:
            message = await channel.fetch_message(event.message_id)
        except discord.HTTPException as error:
            log.info("reaction on message %s skipped: %s", event.message_id, error.text)
            return
        actor = inbound.member_actor(event.guild_id, event.member, self.options.moderator_role)
        chat_message = inbound.chat_message(message)
        reply = await self.core.react(actor, str(event.channel_id), str(event.emoji), chat_message)
        if reply is None:
            return
        try:
            await message.reply(**render(reply).send_kwargs(), mention_author=False, silent=True)
        except discord.HTTPException as error:
            log.info("could not answer a reaction in %s: %s", event.channel_id, error.text)
