"""The weekly digest: once a week, at the day, time and timezone moderators chose, a
message in their channel of what happened (new and most upvoted resources, the last
prompt's turnout, new matches and intros, thanks, newcomers) and "can you help?" (requests
waiting for a mentor, the gap map). Sent through the outbox under a key of its due time,
so that it goes out once whichever process, or how many, find it due."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.common.cadence import Cadence
from bot.common.errors import UserError
from bot.common.timezones import local_time
from bot.community.expertise import counted
from bot.community.health import GAPS_SHOWN, gap_line
from bot.community.model import Gap, Link, Week
from bot.kernel.catalog import Access, Catalog, Option, OptionType
from bot.kernel.context import Context
from bot.kernel.gaps import week_of
from bot.kernel.messages import Card, CardField, CommunityKey, Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.options import WEEKLY, cadence
from bot.kernel.ports import Clock, Store, UnitOfWork
from bot.kernel.runners import GRACE, Services, in_each
from bot.kernel.sends import Post, Send

log = logging.getLogger(__name__)

DIGEST = "community.digest"  # the schedule (a JSON object); absent or null: no digest
SENT = "community.digest_sent"  # the due time last recorded for sending: a shortcut only
SEND = "community.digest"  # the sends' kind
PERIOD = timedelta(days=7)
SHOWN = 3  # resources in each of the digest's lists
GAPS_IN_DIGEST = 5
PROMPT_SHOWN = 300  # characters of the last prompt's text


def register(catalog: Catalog) -> None:
    catalog.command(
        "community digest",
        "Post a weekly digest of the community in a channel",
        Option("channel", "Where to post it", OptionType.CHANNEL, required=True),
        *WEEKLY,
        access=Access.MODERATOR,
    )(schedule_digest)
    catalog.command("community digest-stop", "Stop the weekly digest", access=Access.MODERATOR)(
        stop_digest
    )
    catalog.command(
        "community digest-preview",
        "The digest of the last 7 days, shown to you only",
        access=Access.MODERATOR,
        reads=True,
    )(preview_digest)
    catalog.runner(digest_runner)
    catalog.delivery(SEND, refused=channel_refused)


@dataclass(frozen=True)
class DigestSchedule:
    channel_id: str
    cadence: Cadence
    since: datetime  # when it was set: nothing earlier is due

    def encoded(self) -> dict[str, object]:
        c = self.cadence
        return {
            "channel": self.channel_id,
            "weekday": c.weekday,
            "hour": c.hour,
            "minute": c.minute,
            "timezone": c.timezone,
            "since": self.since.isoformat(),
        }

    def last_due(self, now: datetime) -> datetime | None:
        """The latest due time up to `now` (an older one is stale once a newer is due)."""
        after = max(self.since, now - PERIOD - timedelta(days=1))
        return max(self.cadence.due_times(after, now), default=None)


async def digest_schedule(uow: UnitOfWork) -> DigestSchedule | None:
    value = await uow.settings.get(DIGEST)
    if not isinstance(value, dict):
        return None
    zone_cadence = Cadence(value["weekday"], value["hour"], value["minute"], value["timezone"])
    return DigestSchedule(value["channel"], zone_cadence, datetime.fromisoformat(value["since"]))


async def schedule_digest(context: Context) -> Reply:
    channel = context.options["channel"]
    if not await context.channel_visible(channel):
        raise UserError(
            f"I can't see a channel <#{channel}>: check the name, and that I was added to it."
        )
    weekly = cadence(context.options, context.now)
    schedule = DigestSchedule(channel, weekly, context.now)
    await context.uow.settings.put(DIGEST, schedule.encoded())
    first = next(weekly.upcoming(context.now))
    zone = weekly.timezone
    return Reply(
        f"The weekly digest goes to <#{channel}> {weekly.describe()}; the first on "
        f"{local_time(first, zone):%a %d %b %H:%M} {zone}. `/community digest-preview` "
        "shows what it would say now.",
        ephemeral=True,
    )


async def stop_digest(context: Context) -> Reply:
    if await digest_schedule(context.uow) is None:
        raise UserError("There's no weekly digest to stop.")
    await context.uow.settings.put(DIGEST, None)
    return Reply("The weekly digest is stopped.", ephemeral=True)


async def preview_digest(context: Context) -> Reply:
    reply = await digest_reply(context.uow, context.now - PERIOD, context.now)
    return Reply(reply.text, cards=reply.cards, ephemeral=True)


async def digest_reply(uow: UnitOfWork, since: datetime, until: datetime) -> Reply:
    """The digest of the week from `since` up to `until`."""
    directory = uow.directory
    week = await directory.week(since, until, SHOWN)
    gaps = await directory.gaps(week_of(since), max(GAPS_IN_DIGEST, GAPS_SHOWN))
    cards = [
        Card("Library", _library(week)),
        Card("Activity", fields=_activity(week)),
        Card("Can you help?", _help(week, gaps[:GAPS_IN_DIGEST])),
    ]
    if week.prompt is not None:
        cards.insert(1, _prompt(week))
    return Reply(
        f"📰 The week in the community, {since:%d %b} to {until:%d %b}:", cards=tuple(cards)
    )


def _library(week: Week) -> str:
    lines = [f"{counted(week.new_resources, 'new resource')} this week."]
    lines += [_link(link) for link in week.newest]
    if week.most_upvoted:
        lines.append("Most upvoted this week:")
        lines += [_link(link, "upvote") for link in week.most_upvoted]
    if not week.new_resources and not week.most_upvoted:
        lines.append("Share one with `/library add`.")
    return "\n".join(lines)


def _link(link: Link, votes: str = "") -> str:
    said = f" ({counted(link.votes, votes)})" if votes else ""
    return f"• {link.title}{said}: {link.url}"


def _prompt(week: Week) -> Card:
    """The last prompt, its turnout and where its answers are: its thread's link, which the
    platform gave when the thread was made (in the body: a footer links nothing on Discord),
    else its channel."""
    prompt = week.prompt
    assert prompt is not None
    text = prompt.text if len(prompt.text) <= PROMPT_SHOWN else prompt.text[:PROMPT_SHOWN] + "…"
    ref = prompt.message
    if ref is not None:
        text += f"\nAnswers in its thread: {ref.url}" if ref.url else f"\nIn <#{ref.channel_id}>."
    return Card(
        "Last prompt",
        text,
        (
            CardField("Answers", str(prompt.answers)),
            CardField("Members who answered", str(prompt.members)),
        ),
        footer=f"Posted {prompt.posted_at:%d %b}.",
    )


def _activity(week: Week) -> tuple[CardField, ...]:
    return (
        CardField("New matches", str(week.matches)),
        CardField("Intros made", str(week.intros)),
        CardField("Thanks given", str(week.thanks)),
        CardField("Newcomers", str(week.newcomers)),
    )


def _help(week: Week, gaps: list[Gap]) -> str:
    lines = []
    if week.waiting:
        lines.append(
            f"{counted(week.waiting, 'request')} waiting for a mentor: "
            "`/mentor offer` if you could take one."
        )
    if gaps:
        lines.append("Asked about, with nobody or nothing to offer yet:")
        lines += [gap_line(gap) for gap in gaps]
    return "\n".join(lines) or "Nobody is waiting for help: thank you all."


async def channel_refused(uow: UnitOfWork, send: Send, reason: str, now: datetime) -> None:
    """The channel refused the digest (gone, or copbot may not post there): not retried,
    since platforms ban clients that keep sending refused requests; the moderators hear
    why, and next week's is tried again."""
    channel = send.args["channel"]
    said = Reply(
        f"I couldn't post the weekly digest in <#{channel}>: {reason} Fix that, or move it "
        "with `/community digest`."
    )
    await tell_moderators(uow, f"digest-refused-{send.key}", said, now)


def digest_runner(services: Services) -> DigestRunner:
    return DigestRunner(store=services.store, clock=services.clock, wake=services.wake)


class DigestRunner:
    """Records each community's digest when it falls due: at its time (`alarms`), every few
    minutes to catch what those missed, at start-up. A digest due longer ago than the grace
    is left out (last week's news is no news); a newer due time supersedes an older one."""

    every = timedelta(minutes=5)

    def __init__(
        self, *, store: Store, clock: Clock, wake: Callable[[], None] = lambda: None
    ) -> None:
        self.store, self.clock, self.wake = store, clock, wake

    async def alarms(self) -> Mapping[str, Cadence]:
        wanted = {}
        for community in await self.store.communities_with_setting(DIGEST):
            async with self.store.unit_of_work(community) as uow:
                schedule = await digest_schedule(uow)
            if schedule is not None:
                wanted[f"digest:{community.platform}:{community.id}"] = schedule.cadence
        return wanted

    async def run_due(self, *, grace: timedelta | None = GRACE) -> int:
        now = self.clock.now()
        return await in_each(
            await self.store.communities_with_setting(DIGEST),
            lambda community: self.community(community, now, grace),
            "the digest",
        )

    async def community(
        self, community: CommunityKey, now: datetime, grace: timedelta | None
    ) -> int:
        """1 when this call recorded the community's digest for sending."""
        async with self.store.unit_of_work(community) as uow:
            schedule = await digest_schedule(uow)
            due = schedule.last_due(now) if schedule else None
            if due is None or await uow.settings.get(SENT) == due.isoformat():
                return 0
        if grace is not None and now - due > grace:
            return 0
        # Built from a snapshot, so the week's reads hold up no writer.
        async with self.store.snapshot(community) as view:
            reply = await digest_reply(view, due - PERIOD, due)
        assert schedule is not None
        async with self.store.unit_of_work(community) as uow:
            send = Send(
                SEND,
                f"digest-{due:%Y%m%dT%H%M}",
                (Post(reply, channel_id=schedule.channel_id),),
                {"channel": schedule.channel_id},
            )
            added = await uow.outbox.add(send, now)
            await uow.settings.put(SENT, due.isoformat())
            await uow.commit()
        if added:
            self.wake()
        return int(added)
