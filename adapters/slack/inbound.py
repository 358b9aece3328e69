"""Slack in: bolt listeners that acknowledge first, then turn the payload into a core call
and send its reply back. Every command, button, form and message action comes from the
catalog; nothing here knows one command from another.

`/cop <line>` is read by the core's command-line grammar; a command missing required
options (the core says which) opens a modal generated from their types instead. Buttons
carry the core's `action_id:value` and modals a `ModalState` (`state`); what Slack sends
back is decoded here.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

from adapters.slack import render, requests
from adapters.slack.chat import PLATFORM, Audience, SlackChat
from adapters.slack.state import ModalState, button_target
from bot.kernel.core import Core
from bot.kernel.messages import (
    Action,
    Actor,
    ChatMessage,
    CommunityKey,
    Invocation,
    MessageRef,
    Reply,
)

COMMAND = "/cop"
FORM_ACK_BUDGET = 2.0  # seconds of Slack's 3 spent waiting to show a refusal in the form
_SHORTCUT = re.compile(r"^msg:")
_SLUG = re.compile(r"[^a-z0-9]+")
_NAMED = re.compile(r"^`([a-z][a-z0-9-]*)`")  # the core's refusals name an option first
# `/cop` with should_escape: mentions arrive as `<@U123|name>`, read as `@U123` (so the
# command line knows a member or a channel by its sigil, as in the console).
_ESCAPED = re.compile(r"<([#@][A-Z0-9]+)(?:\|[^>]*)?>")
# Reactions arrive by Slack name (`:pushpin:`, as `/cop` text names emoji too); an emoji
# the core was given as a character (the library's default pin, 📌) is tried that way too.
_CHARACTERS = {"pushpin": "📌"}
LEAVING = ("app_uninstalled", "tokens_revoked")  # events of copbot leaving, not being there
UNREADABLE = "This form can't be read any more: close it and open it again."

Ack = Callable[..., Awaitable[None]]

# bolt's own logger. bolt reads $SLACK_BOT_TOKEN by itself (copbot's config reads it too)
# and, handed copbot's client as well, warned at every start that the token goes unused:
# which is what copbot means, so that one warning is dropped.
BOLT_LOG = logging.getLogger(f"{__name__}.bolt")
BOLT_LOG.addFilter(
    lambda record: record.getMessage() != warning_client_prioritized_and_token_skipped()
)


def shortcut_id(name: str) -> str:
    """The callback id of a catalog message action's message shortcut."""
    return "msg:" + _SLUG.sub("-", name.casefold()).strip("-")


class SlackBot:
    """The bolt app and its listeners for one core."""

    def __init__(
        self,
        *,
        core: Core,
        chat: SlackChat,
        signing_secret: str,
        socket_mode: bool,
        installs: Mapping[str, Any] | None = None,
    ) -> None:
        """`installs`: bolt's OAuth settings and authorize, when copbot is installed in
        many workspaces by OAuth (`adapters.slack.install`)."""
        self.core = core
        self.chat = chat
        self._home_viewers: set[tuple[str, str]] = set()
        self._shortcuts = {shortcut_id(n): n for n in core.catalog.message_actions}
        self.app = AsyncApp(
            client=chat.client,
            request_verification_enabled=False,  # `requests.signed` checks, in HTTP mode
            before_authorize=None if socket_mode else requests.signed(signing_secret),
            name="copbot",
            logger=BOLT_LOG,
            **(installs or {}),
        )
        app = self.app
        if installs is None:  # installed by OAuth, bolt finds each request's own workspace
            app.middleware(requests.for_this_workspace)
        app.middleware(requests.once(requests.handled_once(core.store.shared)))
        app.middleware(self._still_installed)
        app.command(COMMAND)(self._on_command)
        app.action(render.BUTTON_ACTION)(self._on_button)
        app.view(render.COMMAND_MODAL)(self._on_command_modal)
        app.view(render.FORM_MODAL)(self._on_form)
        app.options(render.INPUT)(self._on_autocomplete)
        app.shortcut(_SHORTCUT)(self._on_message_shortcut)
        app.event("app_home_opened")(self._on_home_opened)
        app.event("reaction_added")(self._on_reaction)
        app.event("team_join")(self._on_team_join)
        app.event("member_joined_channel")(self._on_joined_channel)
        app.event("message")(self._on_message)
        app.event("app_uninstalled")(self._on_uninstalled)
        app.event("tokens_revoked")(self._on_tokens_revoked)

    async def _still_installed(
        self, body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
    ) -> None:
        """Whatever a workspace sends shows copbot is installed there: an erase pending since
        it was uninstalled is cancelled (the core looks at most once a minute), and the
        organization serving it is remembered (installed by OAuth)."""
        community = _community(context)
        if (body.get("event") or {}).get("type") not in LEAVING and community.id:
            await self.chat.workspaces.seen(context.enterprise_id, context.team_id)
            await self.core.presence.back(community)
        await next()

    async def _actor(self, context: AsyncBoltContext) -> Actor:
        community = _community(context)
        people = self.chat.people(community)
        person = await people.get(context.user_id or "")
        return Actor(
            community,
            person.user_id,
            person.display_name,
            is_moderator=await people.moderates(person),
        )

    async def _answer(self, actor: Actor, reply: Reply, to: Audience) -> None:
        await self.chat.reply_to(actor, reply, to)
        if reply.followup is not None:  # never in place of the answer it follows
            await self.chat.reply_to(actor, reply.followup, replace(to, replace_original=False))
        if not reply.error and (actor.community.id, actor.user_id) in self._home_viewers:
            await self.publish_home(actor)

    async def _on_command(self, ack: Ack, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        actor = await self._actor(context)
        to = Audience(body["channel_id"], body.get("response_url"), body.get("trigger_id"))
        line = _ESCAPED.sub(r"\1", body.get("text", "")).strip() or "help"
        incomplete = self.core.incomplete(actor, line)
        if incomplete is not None and to.trigger_id:
            command, given = incomplete
            state = ModalState(command.path, to.channel_id, to.response_url)
            modal = render.command_modal(command, given, state)
            await self.chat.open_modal(actor.community, to.trigger_id, modal)
            return
        await self._answer(actor, await self.core.invoke_text(actor, to.channel_id, line), to)

    async def _on_command_modal(
        self, ack: Ack, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        state = ModalState.decode(body["view"].get("private_metadata"))
        if state is None:
            await _unreadable(ack, body["view"])
            return
        actor = await self._actor(context)
        given = {k: v for k, v in submitted(body["view"]).items() if v is not None}
        work = self.core.invoke(Invocation(actor, state.channel_id, state.target, given))
        await self._submitted(ack, body, actor, state, work)

    async def _on_form(self, ack: Ack, body: dict[str, Any], context: AsyncBoltContext) -> None:
        state = ModalState.decode(body["view"].get("private_metadata"))
        if state is None:
            await _unreadable(ack, body["view"])
            return
        actor = await self._actor(context)
        values = {k: v or "" for k, v in submitted(body["view"]).items()}
        work = self.core.act(Action(actor, state.channel_id, state.target, state.value, values))
        await self._submitted(ack, body, actor, state, work)

    async def _submitted(
        self,
        ack: Ack,
        body: dict[str, Any],
        actor: Actor,
        state: ModalState,
        work: Awaitable[Reply],
    ) -> None:
        """A refused submission keeps the modal open with the reason under the field it
        names, when the core answers within `FORM_ACK_BUDGET`; otherwise the modal closes
        and the answer follows."""
        answer = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({answer}, timeout=FORM_ACK_BUDGET)
        errors = (
            form_errors(body["view"], answer.result().text)
            if answer in done and answer.result().error
            else {}
        )
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()
        to = Audience(state.channel_id, state.response_url, body.get("trigger_id"))
        await self._answer(actor, await answer, to)

    async def _on_button(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        actor = await self._actor(context)
        action_id, value = button_target(action.get("value", ""))
        container = body.get("container", {})
        channel = (body.get("channel") or {}).get("id", "")
        message = (
            MessageRef(PLATFORM, channel, container["message_ts"])
            if container.get("message_ts")
            else None
        )
        reply = await self.core.act(Action(actor, channel, action_id, value, message=message))
        to = Audience(
            channel,
            body.get("response_url"),
            body.get("trigger_id"),
            replace_original=bool(container.get("is_ephemeral")),
        )
        await self._answer(actor, reply, to)

    async def _on_autocomplete(
        self, ack: Ack, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        """Suggestions for an external select in a command modal."""
        state = ModalState.decode(body["view"].get("private_metadata"))
        if state is None:
            await ack(options=[])
            return
        actor = await self._actor(context)
        found = await self.core.autocomplete(
            actor, state.target, body.get("block_id", ""), body.get("value", "")
        )
        await ack(options=render.choices((c.name, c.value) for c in found))

    async def _on_message_shortcut(
        self, ack: Ack, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        actor = await self._actor(context)
        name = self._shortcuts.get(body.get("callback_id", ""), body.get("callback_id", ""))
        channel = body["channel"]["id"]
        said = body["message"]
        author = said.get("user") or said.get("bot_id", "")
        message = await self._chat_message(
            actor.community, channel, said["ts"], author, said.get("text", "")
        )
        reply = await self.core.message_action(actor, channel, name, message)
        await self._answer(actor, reply, Audience(channel, body.get("response_url")))

    async def _chat_message(
        self, community: CommunityKey, channel: str, ts: str, author: str, text: str
    ) -> ChatMessage:
        link = await self.chat.permalink(community, channel, ts)
        people = self.chat.people(community)
        name = (await people.get(author)).display_name if author else "someone"
        return ChatMessage(MessageRef(PLATFORM, channel, ts), link, author, name, text)

    async def _on_home_opened(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        if event.get("tab") != "home":
            return
        actor = await self._actor(context)
        self._home_viewers.add((actor.community.id, actor.user_id))
        await self.publish_home(actor)

    async def publish_home(self, actor: Actor) -> None:
        await self.chat.publish_home(actor.community, actor.user_id, await self.core.home(actor))

    async def _on_reaction(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        item = event.get("item", {})
        if item.get("type") != "message":
            return
        actor = await self._actor(context)
        channel, ts = item["channel"], item["ts"]
        text = await self.chat.message_text(actor.community, channel, ts)
        author = event.get("item_user", "")
        message = await self._chat_message(actor.community, channel, ts, author, text)
        name = event.get("reaction", "")
        reply = await self.core.react(actor, channel, f":{name}:", message)
        if reply is None and name in _CHARACTERS:
            reply = await self.core.react(actor, channel, _CHARACTERS[name], message)
        if reply is not None:
            await self._answer(actor, reply, Audience(channel))

    async def _on_message(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Counts replies in threads (prompt answers): who and where, never the text."""
        thread, ts = event.get("thread_ts"), event.get("ts")
        if event.get("subtype") not in (None, "thread_broadcast") or event.get("bot_id"):
            return
        if thread is None or thread == ts or not ts:
            return
        actor = await self._actor(context)
        where = MessageRef(PLATFORM, event["channel"], ts, thread)
        await self.core.member_posted(actor, where)

    async def _on_team_join(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Someone joined the workspace: the core may welcome them."""
        if (event.get("user") or {}).get("is_bot") or not context.user_id:
            return
        await self.core.arrived(await self._actor(context))

    async def _on_joined_channel(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Someone joined a channel (the core knows which channels matter): copbot itself,
        or another app's bot, joining one is no newcomer."""
        if not context.user_id or context.user_id == context.bot_user_id:
            return
        if (await self.chat.people(_community(context)).get(context.user_id)).is_bot:
            return
        await self.core.arrived(await self._actor(context), event.get("channel", ""))

    async def _on_uninstalled(self, context: AsyncBoltContext) -> None:
        await self._left(context)

    async def _on_tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Only the bot's token matters: members' own tokens copbot never asks for."""
        if (event.get("tokens") or {}).get("bot"):
            await self._left(context)

    async def _left(self, context: AsyncBoltContext) -> None:
        """Served no more at once (its tokens forgotten, its sends refused), and each
        workspace it covered waits for the erase of a community that removed copbot."""
        teams = await self.chat.workspaces.uninstalled(
            context.enterprise_id, context.team_id, org_wide=bool(context.is_enterprise_install)
        )
        for team in teams:
            await self.core.presence.left(CommunityKey(PLATFORM, team))


def _community(context: AsyncBoltContext) -> CommunityKey:
    """The workspace the request is for: the one copbot is installed in
    (`requests.for_this_workspace` lets no other through)."""
    return CommunityKey(PLATFORM, context.team_id or context.enterprise_id or "")


async def _unreadable(ack: Ack, view: Mapping[str, Any]) -> None:
    """A submitted modal whose state copbot can't read (it didn't write it): said under its
    first input, or the modal closes."""
    errors = form_errors(view, UNREADABLE)
    await (ack(response_action="errors", errors=errors) if errors else ack())


def form_errors(view: Mapping[str, Any], message: str) -> dict[str, str]:
    """A refusal under the input it names (the core's messages begin with "`name`: ..."),
    else under the first input."""
    inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
    named = _NAMED.match(message)
    where = named.group(1) if named and named.group(1) in inputs else next(iter(inputs), None)
    return {where: render.clip(message, render.ERROR_TEXT)} if where else {}


def submitted(view: Mapping[str, Any]) -> dict[str, str | None]:
    """Each input's value as text, by block id; None where nothing was entered."""
    values: dict[str, str | None] = {}
    for block_id, actions in view["state"]["values"].items():
        element = actions.get(render.INPUT) or {}
        chosen = element.get("selected_option") or {}
        values[block_id] = (
            element.get("value")
            or chosen.get("value")
            or element.get("selected_user")
            or element.get("selected_conversation")
        )
    return values
