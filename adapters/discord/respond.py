"""Answering an interaction with the core's reply: at once when the core is quick, after
deferring when it is not (Discord wants an answer within 3 s), and a form that can no
longer open as a modal waits behind an "Open the form" button."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from adapters.discord.components import FormModal, open_form_view
from adapters.discord.limits import cut
from adapters.discord.render import render
from bot.kernel.messages import Actor, Form, Reply

log = logging.getLogger(__name__)

DEFER_AFTER = 0.3  # seconds: answer at once if the core is this fast, else defer
FORMS_KEPT = 1000  # forms waiting for their "Open the form" press, newest kept

FORM_EXPIRED = Reply(
    "That form has expired (copbot restarted since). Please run the command again.",
    ephemeral=True,
    error=True,
)


class Responder:
    def __init__(self) -> None:
        self._forms: OrderedDict[int, Form] = OrderedDict()
        self._form_keys = itertools.count(1)

    async def answer(
        self,
        interaction: discord.Interaction[Any],
        actor: Actor | Reply,
        work: Callable[[Actor], Awaitable[Reply]],
    ) -> None:
        """Answer with the core's reply to `work`, deferring first if the core takes a while;
        `actor` is a reply instead when copbot won't serve whoever acted."""
        if isinstance(actor, Reply):
            await self.respond(interaction, actor)
            return
        task = asyncio.ensure_future(work(actor))
        try:
            reply = await asyncio.wait_for(asyncio.shield(task), DEFER_AFTER)
        except TimeoutError:
            await self._defer(interaction)
            reply = await task
        await self.respond(interaction, reply)

    async def respond(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        """Send `reply` as the interaction's response, then its private follow-up if it has
        one; a stale or unknown interaction (Discord forgets them after 15 minutes) is
        logged and skipped."""
        await self._respond(interaction, reply)
        if reply.followup is not None:
            try:
                followup = render(reply.followup).send_kwargs()
                await interaction.followup.send(**followup, ephemeral=True)
            except discord.HTTPException as error:
                log.warning("could not follow up interaction %s: %s", interaction.id, error)

    async def _respond(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
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

    async def open_form(self, interaction: discord.Interaction[Any], key: int) -> None:
        """A press on `OpenForm`: the form the deferred command made, now as a modal."""
        form = self._forms.get(key)  # kept: a member may close the modal and press again
        await self.respond(interaction, FORM_EXPIRED if form is None else Reply(form=form))

    async def _defer(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as error:
            log.warning("could not defer interaction %s: %s", interaction.id, error)

    def _keep(self, form: Form) -> int:
        key = next(self._form_keys)
        self._forms[key] = form
        while len(self._forms) > FORMS_KEPT:
            self._forms.popitem(last=False)
        return key
