"""Console lines in, core calls out.

alice: /profile set skills:"python, sql" timezone:Europe/Berlin
alice@#random: /help                 (in another channel)
alice: [Erase my data]               (press a button alice can see)
alice: [Save profile] bio:"Hello"    (submit a form, changing some fields)
alice: see https://example.org       (say something: a numbered chat message)
alice@#general/t7: my answer         (in the thread t7 of #general)
bob: {Save to library} 3             (a message action on message 3)
bob: +📌 3                           (react to message 3)
/help                                (the default console member)
@advance 2d                          (move the clock on)
@now 2026-01-05T09:00Z               (fix the clock, for reproducible scripts)
# a comment
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from adapters.console.chat import PLATFORM, ConsoleChat, ConsoleClock, Shown
from bot.kernel.core import Core
from bot.kernel.messages import Action, Actor, ChatMessage, CommunityKey, Reply

_LINE = re.compile(
    r"^(?:(?P<user>[\w.-]{1,32})(?:@#(?P<channel>[\w-]{1,32})(?:/(?P<thread>[\w-]{1,32}))?)?:\s*)?"
    r"(?P<rest>.*)$"
)
_PRESS = re.compile(r"^\[(?P<label>[^\]]+)\]\s*(?P<values>.*)$")
_MESSAGE_ACTION = re.compile(r"^\{(?P<name>[^}]+)\}\s*(?P<id>\d+)$")
_REACTION = re.compile(r"^\+(?P<emoji>\S+)\s+(?P<id>\d+)$")
_DURATION = re.compile(r"(\d+)\s*([wdhms])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
# Where the console's clock may go: years whose dates every timezone and database handles,
# and at most a year ahead at a time, since copbot then does all that fell due in between
# (a jump of centuries would post for hours).
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC)
MAX_STEP = timedelta(days=366)
CLOCK = "console.clock"  # where the console keeps its clock between runs (community settings)


class LineError(Exception):
    """A console line that can't be read or acted on, told back in the console's own words
    (the core answers mistakes in commands itself)."""


@dataclass(frozen=True)
class ConsoleCommunity:
    name: str
    channel: str
    user: str
    moderators: frozenset[str]


class ConsoleSession:
    def __init__(
        self,
        *,
        core: Core,
        chat: ConsoleChat,
        clock: ConsoleClock,
        community: ConsoleCommunity,
        catch_up: Callable[[], Awaitable[None]],
        settle: Callable[[], Awaitable[None]],
    ) -> None:
        """`catch_up` does everything due, late or not, after the clock moved on (the
        timer's `catch_up`: the console was "running" all along); `settle` waits until
        what copbot sends on its own has gone out, so it shows before the next line."""
        self.core = core
        self.catch_up = catch_up
        self.settle = settle
        self.chat = chat
        self.clock = clock
        self.community = community
        self.key = CommunityKey(PLATFORM, community.name)

    async def handle(self, line: str) -> None:
        """One line of input; mistakes in the line itself are reported, never raised."""
        line = line.strip()
        if not line or line.startswith("#"):
            return
        try:
            if line.startswith("@"):
                await self._clock_line(line)
                return
            match = _LINE.match(line)
            if match is None or not match["rest"]:
                raise LineError("Write `name: /command ...`, `name: [Button]` or `@advance 1d`.")
        except LineError as error:
            self.chat.note(str(error))
            return
        user = match["user"] or self.community.user
        channel = match["channel"] or self.community.channel
        try:
            await self._act_as(user, channel, match["thread"], match["rest"].strip())
        except LineError as error:  # a button that isn't there: as the core would reply
            self._show(Reply(str(error), ephemeral=True, error=True), user, channel)
        await self.settle()

    async def resume_clock(self) -> None:
        """The clock where the console left it: a restart that took time back to the real
        date would put what copbot did since in the future (schedules would look paused)."""
        async with self.core.store.unit_of_work(self.key) as uow:
            self.clock.restore(await uow.settings.get(CLOCK))
        if self.clock.moved:
            self.chat.note(
                f"it is {self.clock.now():%a %Y-%m-%d %H:%M} UTC, as the console left it"
            )

    async def _clock_line(self, line: str) -> None:
        word, _, argument = line.partition(" ")
        if word == "@advance":
            delta = parse_duration(argument)
            self._may_go(delta, to=None)
            self.clock.advance(delta)
        elif word == "@now":
            moment = _moment(argument)
            self._may_go(moment - self.clock.now(), to=moment)
            self.clock.fix(moment)
        else:
            raise LineError(f"Unknown console directive `{word}`; there are @advance and @now.")
        async with self.core.store.unit_of_work(self.key) as uow:
            await uow.settings.put(CLOCK, self.clock.state())
            await uow.commit()
        self.chat.note(f"it is now {self.clock.now():%a %Y-%m-%d %H:%M} UTC")
        await self.catch_up()
        await self.settle()

    def _may_go(self, step: timedelta, *, to: datetime | None) -> None:
        if step > MAX_STEP:
            raise LineError(
                "That's more than a year ahead, and copbot would do all that falls due in "
                "between at once: move on a year or less at a time."
            )
        target = to or self.clock.now() + step
        if not EARLIEST <= target < LATEST:
            raise LineError("The console's clock stays within the years 2000 to 2999.")

    async def _act_as(self, user: str, channel: str, thread: str | None, rest: str) -> None:
        actor = Actor(self.key, user, user, is_moderator=user in self.community.moderators)
        press = _PRESS.match(rest)
        if press:
            shown = self._find_button(user, press["label"])
            reply = await self.core.act(
                _action(actor, channel, shown, press["label"], press["values"])
            )
        elif rest.startswith("/"):
            reply = await self.core.invoke_text(actor, channel, rest)
        elif on_message := _MESSAGE_ACTION.match(rest):
            message = self._message(on_message["id"])
            reply = await self.core.message_action(actor, channel, on_message["name"], message)
        elif reaction := _REACTION.match(rest):
            message = self._message(reaction["id"])
            self.chat.note(f"{user} reacted {reaction['emoji']} to message {reaction['id']}")
            reacted = await self.core.react(actor, channel, reaction["emoji"], message)
            if reacted is None:
                return
            reply = reacted
        else:
            said = self.chat.say(self.key, user, channel, thread, rest)
            await self.core.member_posted(actor, said)
            return
        self._show(reply, user, channel)

    def _message(self, message_id: str) -> ChatMessage:
        found = self.chat.said.get(message_id)
        if found is None:
            raise LineError(f"There's no chat message {message_id} to act on.")
        return found

    def _find_button(self, user: str, label: str) -> Shown:
        wanted = label.strip().casefold()
        for shown in reversed(self.chat.shown):
            labels = [b.label for b in shown.reply.buttons]
            if shown.reply.form:
                labels.append(shown.reply.form.submit_label)
            if shown.visible_to(user) and wanted in (x.casefold() for x in labels):
                return shown
        raise LineError(f"{user} can't see a button labelled [{label.strip()}].")

    def _show(self, reply: Reply, user: str, channel: str) -> None:
        if reply.ephemeral:
            ref = self.chat.show(f"only {user}", channel, reply, frozenset({user}))
        else:
            ref = self.chat.show(f"#{channel}", channel, reply, None)
        if reply.followup is not None:
            self.chat.show(
                f"only {user}", channel, reply.followup, frozenset({user}), following=ref
            )


def _action(actor: Actor, channel: str, shown: Shown, label: str, values: str) -> Action:
    wanted = label.strip().casefold()
    form = shown.reply.form
    if form is not None and form.submit_label.casefold() == wanted:
        given = _form_values(values)
        unknown = sorted(set(given) - {f.name for f in form.fields})
        if unknown:
            raise LineError(f"The form “{form.title}” has no field `{unknown[0]}`.")
        fields = {f.name: given.get(f.name, f.default) for f in form.fields}
        return Action(actor, channel, form.action_id, form.value, fields, shown.ref)
    if values.strip():
        raise LineError(f"[{label.strip()}] is a button; it takes no values.")
    button = next(b for b in shown.reply.buttons if b.label.casefold() == wanted)
    return Action(actor, channel, button.action_id, button.value, message=shown.ref)


def _form_values(text: str) -> dict[str, str]:
    try:
        words = shlex.split(text)
    except ValueError:
        raise LineError("A quote in those values isn't closed.") from None
    values = {}
    for word in words:
        name, colon, value = word.partition(":")
        if not colon:
            raise LineError(f"Give form values as `field:value`, not `{word[:40]}`.")
        values[name] = value
    return values


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise LineError("`@now` takes an ISO time such as 2026-01-05T09:00Z.") from None
    if moment.tzinfo is None:
        raise LineError("`@now` needs a timezone, e.g. 2026-01-05T09:00Z.")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first UTC time there is
        raise LineError("The console's clock stays within the years 2000 to 2999.") from None


def parse_duration(text: str) -> timedelta:
    """`2d`, `1h30m`, `1w`: the console's way to move time on."""
    compact = text.replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact:
        raise LineError("`@advance` takes a duration such as 2d, 3h, 90m or 1w2d.")
    try:
        return sum((timedelta(**{_UNITS[u]: int(n)}) for n, u in parts), timedelta())
    except OverflowError:
        raise LineError("That's further than the clock can go.") from None
