"""copbot on Discord: a discord.py client that serves every guild it is in.

Each interaction becomes one core call. A call still running after `DEFER_AFTER` is deferred
(Discord wants an answer within 3 s) and finished by editing the deferred response. copbot
asks for no privileged intent: guilds, guild messages (authors and places, not content) and
guild reactions are enough.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from adapters.discord.chat import PLATFORM, DiscordChat
from adapters.discord.commands import build_commands, commands_hash, options_given
from adapters.discord.render import (
    ActionButton,
    FormModal,
    OpenForm,
    cut,
    form_values,
    open_form_view,
    render,
)
from bot.kernel.catalog import Choice
from bot.kernel.core import FAILED, Core
from bot.kernel.messages import (
    Action,
    Actor,
    ChatMessage,
    CommunityKey,
    Form,
    Invocation,
    MessageRef,
    Reply,
)
from bot.timer import Timer

log = logging.getLogger(__name__)

DEFER_AFTER = 0.3  # seconds: answer at once if the core is this fast, else defer
SYNCED = "discord.commands_hash"  # the catalog last synced to Discord, kept in the store

GUILDS_ONLY = Reply("copbot works inside a server, not in direct messages.", ephemeral=True)
STALE = Reply(
    "I don't know that command any more; Discord may still be updating its list. "
    "Try again in a minute.",
    ephemeral=True,
    error=True,
)
FORM_EXPIRED = Reply(
    "That form has expired (copbot restarted since). Please run the command again.",
    ephemeral=True,
    error=True,
)
FORMS_KEPT = 1000  # forms waiting for their "Open the form" press, newest kept


@dataclass(frozen=True)
class DiscordOptions:
    """What the process needs to know beyond its token."""

    moderator_role: str | None = None  # a role name or id; Manage Server always moderates
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None


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
        shards: dict[str, Any] = {"shard_count": self.options.shard_count}
        if self.options.shard_ids:
            shards["shard_ids"] = list(self.options.shard_ids)
        super().__init__(
            intents=intents(),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=guild_ready_timeout,
            **shards,
        )
        self.chat = DiscordChat(self)
        self.tree: app_commands.CommandTree[CopbotClient] = app_commands.CommandTree(self)
        self.tree.on_error = self._command_failed  # type: ignore[method-assign]
        self._core: Core | None = None
        self._timer: Timer | None = None
        self._forms: OrderedDict[int, Form] = OrderedDict()
        self._form_keys = itertools.count(1)

    @property
    def core(self) -> Core:
        if self._core is None:
            raise RuntimeError("serve() attaches the core before the client starts")
        return self._core

    async def serve(self, core: Core, token: str, *, timer: Timer | None = None) -> None:
        """Log in, sync commands if the catalog changed, start the timer, run until closed."""
        self._core, self._timer = core, timer
        async with self:
            await self.start(token)

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
        if self._timer is not None:
            await self._timer.start()

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.shutdown()
        await super().close()

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

    async def invoked(
        self, interaction: discord.Interaction[Any], path: str, options: dict[str, Any]
    ) -> None:
        channel = str(interaction.channel_id)
        await self._answer(
            interaction, lambda actor: self.core.invoke(Invocation(actor, channel, path, options))
        )

    async def suggest(
        self, interaction: discord.Interaction[Any], path: str, option: str, partial: str
    ) -> list[Choice]:
        actor = self.actor(interaction)
        if actor is None:
            return []
        return await self.core.autocomplete(
            actor, path, option, partial, options_given(interaction)
        )

    async def message_action(
        self, interaction: discord.Interaction[Any], name: str, message: discord.Message
    ) -> None:
        chat_message = ChatMessage(
            _ref(message),
            message.jump_url,
            str(message.author.id),
            message.author.display_name,
            message.content,
        )
        channel = str(interaction.channel_id)
        await self._answer(
            interaction,
            lambda actor: self.core.message_action(actor, channel, name, chat_message),
        )

    async def pressed(
        self, interaction: discord.Interaction[Any], action_id: str, value: str
    ) -> None:
        """A press on an `ActionButton`, from this process or one before a restart."""
        await self._act(interaction, action_id, value, {})

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Modal submits come here, whichever process opened the modal."""
        if interaction.type is not discord.InteractionType.modal_submit or interaction.data is None:
            return
        action_id, _, value = str(interaction.data.get("custom_id", "")).partition(":")
        values = form_values(interaction.data.get("components", []))  # type: ignore[arg-type]
        await self._act(interaction, action_id, value, values)

    async def _act(
        self,
        interaction: discord.Interaction[Any],
        action_id: str,
        value: str,
        values: dict[str, str],
    ) -> None:
        message = _ref(interaction.message) if interaction.message else None
        channel = str(interaction.channel_id)
        await self._answer(
            interaction,
            lambda actor: self.core.act(Action(actor, channel, action_id, value, values, message)),
        )

    def actor(self, interaction: discord.Interaction[Any]) -> Actor | None:
        """Who acted, or None outside a guild (copbot's communities are guilds)."""
        if interaction.guild_id is None:
            return None
        user = interaction.user
        return Actor(
            CommunityKey(PLATFORM, str(interaction.guild_id)),
            str(user.id),
            user.display_name,
            is_moderator=self.moderates(user, interaction.permissions),
        )

    def moderates(self, user: discord.abc.User, permissions: discord.Permissions) -> bool:
        """Manage Server, or the configured moderator role (by name or id)."""
        if permissions.manage_guild:
            return True
        role = self.options.moderator_role
        roles = getattr(user, "roles", [])
        return role is not None and any(role in (r.name, str(r.id)) for r in roles)

    # Replies out

    async def _answer(
        self, interaction: discord.Interaction[Any], work: Callable[[Actor], Awaitable[Reply]]
    ) -> None:
        """Answer with the core's reply to `work`, deferring first if the core takes a while."""
        actor = self.actor(interaction)
        if actor is None:
            await self._respond(interaction, GUILDS_ONLY)
            return
        task = asyncio.ensure_future(work(actor))
        try:
            reply = await asyncio.wait_for(asyncio.shield(task), DEFER_AFTER)
        except TimeoutError:
            await self._defer(interaction)
            reply = await task
        await self._respond(interaction, reply)

    async def _defer(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as error:
            log.warning("could not defer interaction %s: %s", interaction.id, error)

    async def _respond(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        """Send `reply` as the interaction's response; a stale or unknown interaction (Discord
        forgets them after 15 minutes) is logged and skipped."""
        try:
            if not interaction.response.is_done():
                if reply.form is not None:
                    await interaction.response.send_modal(FormModal(reply.form))
                else:
                    await interaction.response.send_message(
                        **render(reply).send_kwargs(), ephemeral=reply.ephemeral
                    )
                return
            if reply.form is not None:
                await interaction.edit_original_response(
                    content=f"“{cut(reply.form.title, 100)}” is ready.",
                    view=open_form_view(self._keep(reply.form)),
                )
                return
            message = render(reply)
            if reply.ephemeral:  # the deferred response is ephemeral: it becomes the reply
                await interaction.edit_original_response(**message.edit_kwargs())
            else:
                await interaction.delete_original_response()
                await interaction.followup.send(**message.send_kwargs())
        except discord.HTTPException as error:
            log.warning(
                "could not answer interaction %s: %s %s", interaction.id, error.status, error.text
            )

    def _keep(self, form: Form) -> int:
        key = next(self._form_keys)
        self._forms[key] = form
        while len(self._forms) > FORMS_KEPT:
            self._forms.popitem(last=False)
        return key

    async def open_form(self, interaction: discord.Interaction[Any], key: int) -> None:
        """A press on `OpenForm`: the form the deferred command made, now as a modal."""
        form = self._forms.get(key)  # kept: a member may close the modal and press again
        await self._respond(interaction, FORM_EXPIRED if form is None else Reply(form=form))

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
        await self._respond(interaction, reply)

    # Gateway events

    async def on_message(self, message: discord.Message) -> None:
        """A post in a thread counts as an answer; only its author and place are read."""
        thread = message.channel
        if message.author.bot or message.guild is None or not isinstance(thread, discord.Thread):
            return
        author = message.author
        permissions = getattr(author, "guild_permissions", discord.Permissions.none())
        actor = Actor(
            CommunityKey(PLATFORM, str(message.guild.id)),
            str(author.id),
            author.display_name,
            is_moderator=self.moderates(author, permissions),
        )
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
        member = event.member
        actor = Actor(
            CommunityKey(PLATFORM, str(event.guild_id)),
            str(member.id),
            member.display_name,
            is_moderator=self.moderates(member, member.guild_permissions),
        )
        chat_message = ChatMessage(
            _ref(message),
            message.jump_url,
            str(message.author.id),
            message.author.display_name,
            message.content,  # empty unless it mentions copbot: no message-content intent
        )
        reply = await self.core.react(actor, str(event.channel_id), str(event.emoji), chat_message)
        if reply is None:
            return
        try:
            await message.reply(**render(reply).send_kwargs(), mention_author=False, silent=True)
        except discord.HTTPException as error:
            log.info("could not answer a reaction in %s: %s", event.channel_id, error.text)


def _ref(message: discord.Message | discord.InteractionMessage) -> MessageRef:
    channel = message.channel
    if isinstance(channel, discord.Thread):
        return MessageRef(PLATFORM, str(channel.parent_id), str(message.id), str(channel.id))
    return MessageRef(PLATFORM, str(channel.id), str(message.id))
