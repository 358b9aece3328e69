"""Ports: what the core needs from the outside world, implemented by storage/ and adapters/."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.kernel.members import Member
from bot.kernel.messages import CommunityKey, MessageRef, Reply
from bot.mentoring_model import (
    Feedback,
    Match,
    MatchingRound,
    Mentor,
    MentorRequest,
    RequestStatus,
    RoundPair,
    RoundSchedule,
)
from bot.prompt_model import Occurrence, Outcome, Prompt, PromptStats, PromptStatus, Schedule
from bot.resources import Mirror, NewResource, Resource


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


@dataclass(frozen=True)
class MemberInfo:
    """What a platform knows about a user (Slack has a timezone; Discord doesn't)."""

    display_name: str
    timezone: str | None = None


@dataclass(frozen=True)
class ChatLimits:
    """How fast a platform lets copbot post: its global rate, and the gap it wants between
    two posts in one channel (Discord: 50 requests/s; Slack: about 1 post/s a channel)."""

    requests_per_second: float | None = None
    channel_interval: float = 0.0


class Chat(Protocol):
    """What the core sends on its own, outside the reply to whoever acted."""

    limits: ChatLimits

    async def post(
        self,
        community: CommunityKey,
        channel_id: str,
        reply: Reply,
        *,
        thread_id: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        """Post in a channel, or in one of its threads. With a `key`, posting the same key
        again must not make a second message where the platform allows it (Discord's message
        nonce). Raises `ChannelUnavailable` when the channel is gone or copbot may not post
        there."""
        ...

    async def open_private_space(
        self, community: CommunityKey, channel_id: str, user_ids: Sequence[str], name: str
    ) -> MessageRef:
        """A place only `user_ids` and copbot see, for mentoring; post there with the returned
        ref's channel and thread. Discord: a private thread under `channel_id` with the members
        added (Discord quarantines bots that open many DMs). Slack: a DM or group DM
        (`conversations.open`; `channel_id` unused). Raises `ChannelUnavailable` when refused."""
        ...

    async def channel_exists(self, community: CommunityKey, channel_id: str) -> bool:
        """Whether copbot can see this channel (to refuse a schedule for one it can't)."""
        ...

    async def start_thread(self, message: MessageRef, name: str) -> MessageRef:
        """A thread under `message` (the existing one if it has a thread already)."""
        ...

    async def send_dm(self, community: CommunityKey, user_id: str, reply: Reply) -> MessageRef: ...

    async def member_info(self, community: CommunityKey, user_id: str) -> MemberInfo | None: ...

    async def pin(self, message: MessageRef) -> None:
        """Raises `PinLimitReached` or `NotPinnable` when the platform refuses."""
        ...

    async def unpin(self, message: MessageRef) -> None: ...


class ChannelUnavailable(Exception):
    """The channel is gone or copbot may not post there: retrying would only be refused. Its
    message says why in words a member can act on (such as the permission copbot lacks)."""


class PinLimitReached(Exception):
    """The channel holds as many pins as the platform allows (Discord 250, Slack ~100)."""


class NotPinnable(Exception):
    """The platform won't pin there (no permission, archived channel, deleted message)."""


class MemberRepository(Protocol):
    """Members of the unit of work's community only."""

    async def by_user(self, user_id: str) -> Member | None: ...

    async def add(
        self, user_id: str, display_name: str, timezone: str | None, now: datetime
    ) -> Member: ...

    async def save(self, member: Member, now: datetime) -> Member:
        """Write `member` if its stored version still equals `member.version`, else raise
        `StaleWrite`; returns it with the next version."""
        ...

    async def erase(self, member: Member, now: datetime) -> None:
        """Drop everything personal, keep the row so others' records still point somewhere."""
        ...

    async def by_ids(self, member_ids: Sequence[int]) -> dict[int, Member]: ...

    async def tags_in_use(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Skills and interests starting with `prefix`, with how many members use each."""
        ...


class ResourceRepository(Protocol):
    """The library of the unit of work's community only."""

    async def get(self, resource_id: int) -> Resource | None: ...

    async def by_url(self, url: str) -> Resource | None: ...

    async def add(self, new: NewResource, now: datetime) -> Resource: ...

    async def update(self, resource: Resource, now: datetime) -> Resource:
        """Write title, note and tags."""
        ...

    async def remove(self, resource_id: int) -> None: ...

    async def vote(self, resource_id: int, member_id: int, now: datetime) -> bool:
        """False when this member already voted for it."""
        ...

    async def search(
        self, words: list[str], tag: str | None, limit: int, offset: int
    ) -> list[Resource]:
        """Resources with every word (as a prefix) in title, tags or note: those with all
        words in the title first, then in the tags, then in the note; ties by votes and
        newest. The same order on every engine."""
        ...

    async def browse(self, tag: str | None, top: bool, limit: int, offset: int) -> list[Resource]:
        """By votes (`top`) or newest first."""
        ...

    async def tag_counts(self, limit: int) -> list[tuple[str, int]]: ...

    async def everything(self) -> list[Resource]:
        """The whole library, oldest first (exports)."""
        ...

    async def saved_by(self, member_id: int) -> list[Resource]: ...

    async def voted_by(self, member_id: int) -> list[int]: ...

    async def forget(self, member_id: int) -> None:
        """Erase a member: their votes go; what they saved goes too unless others voted
        for it, in which case it stays without their name."""
        ...

    async def mirrors(self, channel_id: str) -> list[Mirror]:
        """copbot's own pins in a channel, oldest first."""
        ...

    async def mirrors_of(self, resource_id: int) -> list[Mirror]: ...

    async def add_mirror(self, resource_id: int, ref: MessageRef, now: datetime) -> None: ...

    async def remove_mirror(self, ref: MessageRef) -> None: ...


class PromptRepository(Protocol):
    """Weekly prompts of the unit of work's community only."""

    async def add(
        self, text: str, status: PromptStatus, author: int | None, now: datetime
    ) -> Prompt: ...

    async def get(self, prompt_id: int) -> Prompt | None: ...

    async def hold_queue(self) -> None:
        """Make other processes wait for this unit of work before they pick a prompt (so two
        schedulers never pick the same one)."""
        ...

    async def queued_count(self) -> int: ...

    async def listed(self, status: PromptStatus) -> list[Prompt]:
        """Queued prompts in queue order; others newest first."""
        ...

    async def edit(self, prompt_id: int, text: str, now: datetime) -> None: ...

    async def set_status(self, prompt_id: int, status: PromptStatus, now: datetime) -> None:
        """Queuing puts it at the end of the queue."""
        ...

    async def move(self, prompt_id: int, position: int) -> None:
        """Put a queued prompt at `position` (1 = next), shifting the others."""
        ...

    async def remove(self, prompt_id: int) -> None: ...

    async def add_schedule(
        self,
        channel_id: str,
        weekday: int,
        hour: int,
        minute: int,
        timezone: str,
        now: datetime,
    ) -> Schedule: ...

    async def schedule(self, schedule_id: int) -> Schedule | None: ...

    async def schedules(self) -> list[Schedule]: ...

    async def save_schedule(self, schedule: Schedule) -> None:
        """Write `paused`, `skip_due` and `last_due`."""
        ...

    async def claim(
        self,
        schedule_id: int,
        due: datetime,
        outcome: Outcome,
        claim: str,
        now: datetime,
        text: str,
        prompt_id: int | None,
        bank_index: int | None,
    ) -> Occurrence | None:
        """Record the occurrence (schedule, due); None when it exists already, whoever made
        it: the one guard against posting twice, across processes too."""
        ...

    async def take_over(self, occurrence: Occurrence, claim: str, now: datetime) -> bool:
        """Claim a stalled occurrence from a process that stopped; False if another won."""
        ...

    async def stalled(self, claimed_before: datetime) -> list[Occurrence]: ...

    async def record(
        self, occurrence_id: int, outcome: Outcome, message: MessageRef | None, now: datetime
    ) -> None: ...

    async def last_posted(self, schedule_id: int, before: datetime) -> Occurrence | None: ...

    async def mark_recapped(self, occurrence_id: int) -> None: ...

    async def by_thread(self, channel_id: str, thread_id: str) -> Occurrence | None: ...

    async def count_answer(self, occurrence_id: int, member_id: int, message_id: str) -> None:
        """One more answer by `member_id`, unless message `message_id` counted already."""
        ...

    async def answers(self, occurrence_id: int) -> tuple[int, int]:
        """(answers, distinct members)"""
        ...

    async def bank_used_since(self, since: datetime) -> set[int]: ...

    async def stats(self) -> list[PromptStats]: ...

    async def authored(self, member_id: int) -> list[Prompt]: ...

    async def answers_by(self, member_id: int) -> list[tuple[int, int]]:
        """(occurrence id, answers) of one member."""
        ...

    async def forget(self, member_id: int) -> None:
        """Erase a member: their answer counts go; prompts they wrote stay, unsigned."""
        ...


class SettingsRepository(Protocol):
    """Per-community settings, JSON values by key."""

    async def get(self, key: str) -> object | None: ...

    async def put(self, key: str, value: object) -> None: ...


class MentoringRepository(Protocol):
    """Mentors, requests, matches and rounds of the unit of work's community only."""

    async def mentor(self, member_id: int) -> Mentor | None: ...

    async def save_mentor(
        self,
        member_id: int,
        capacity: int,
        topics: Sequence[str],
        paused: bool,
        paused_until: datetime | None,
        now: datetime,
    ) -> None: ...

    async def hold_mentor(self, member_id: int) -> None:
        """Make other processes wait for this unit of work before they change this mentor's
        matches (so two accepts can't both take the last place)."""
        ...

    async def mentors(self, topic: str | None, since: datetime) -> list[Mentor]:
        """Mentors offering `topic` (every mentor when None), with `recent` counting
        matches started since `since`."""
        ...

    async def topics_offered(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Topics starting with `prefix` that mentors offer, with how many, most first."""
        ...

    async def avoid(self, member_id: int, other_id: int, keep: bool) -> None:
        """Add (`keep`) or remove `other_id` on `member_id`'s don't-match list."""
        ...

    async def avoided_by(self, member_id: int) -> list[int]: ...

    async def exclusions(
        self, since: datetime, request_id: int | None = None
    ) -> dict[int, set[int]]:
        """Mentors each open request (or just `request_id`) must never go to, by request
        id: either side's don't-match list, those who passed on its mentee and topic, and
        its mentee's partners since `since` (no repeat pairs). Requests with none are absent."""
        ...

    async def round_schedule(self) -> RoundSchedule | None: ...

    async def set_round_schedule(self, schedule: RoundSchedule | None) -> None:
        """Replace the community's schedule (None: no automatic rounds)."""
        ...

    async def claim_round(self, due: datetime) -> bool:
        """Take the scheduled round due at `due`: True for exactly one caller."""
        ...

    async def add_request(
        self, mentee_id: int, topic: str, note: str, channel_id: str, now: datetime
    ) -> MentorRequest: ...

    async def request(self, request_id: int) -> MentorRequest | None: ...

    async def requests(
        self,
        statuses: Sequence[RequestStatus],
        *,
        mentee_id: int | None = None,
        mentor_id: int | None = None,
        topics: Sequence[str] | None = None,
    ) -> list[MentorRequest]:
        """Oldest first."""
        ...

    async def ask(self, asks: Sequence[tuple[int, int]], now: datetime, deadline: datetime) -> None:
        """Hand each request (id, mentor id) to its mentor (not yet notified)."""
        ...

    async def wait(self, request_id: int, now: datetime) -> None:
        """Put the request on the waitlist."""
        ...

    async def mark_notified(self, request_id: int, mentor_id: int) -> None: ...

    async def answer(
        self, request_id: int, mentor_id: int, status: RequestStatus, now: datetime
    ) -> bool:
        """Move a request `mentor_id` is being asked to `status`; False when it isn't theirs
        to answer any more (answered, moved on, timed out): the race guard."""
        ...

    async def cancel(self, request_id: int, now: datetime) -> bool:
        """Withdraw an open request; False when it isn't open any more."""
        ...

    async def cancel_open(self, mentee_id: int, now: datetime) -> list[MentorRequest]:
        """Cancel the mentee's open requests; returns them as they were."""
        ...

    async def expired(self, now: datetime) -> list[MentorRequest]:
        """Requests whose mentor's time to answer is up."""
        ...

    async def unnotified(self, asked_before: datetime) -> list[MentorRequest]: ...

    async def count_left_out(self, request_ids: Sequence[int], left_out: bool) -> None:
        """After a round: one more for those left out, back to zero for those placed."""
        ...

    async def add_pass(
        self, mentee_id: int, mentor_id: int, topic: str, reason: str, now: datetime
    ) -> None:
        """A mentor declined (or didn't answer) this mentee on this topic: never again."""
        ...

    async def add_match(self, request: MentorRequest, mentor_id: int, now: datetime) -> Match: ...

    async def match(self, match_id: int) -> Match | None: ...

    async def matches(self, member_id: int, *, active: bool) -> list[Match]:
        """Matches `member_id` is in, on either side, newest first."""
        ...

    async def end_match(self, match_id: int, now: datetime) -> bool:
        """False when it had ended already."""
        ...

    async def set_space(self, match_id: int, space: MessageRef) -> None: ...

    async def add_feedback(self, feedback: Feedback) -> bool:
        """False when this member already gave feedback on this match."""
        ...

    async def feedback_by(self, member_id: int) -> list[Feedback]: ...

    async def stats(self) -> tuple[int, int, float | None]:
        """(matches made, matches met, average rating)."""
        ...

    async def add_round(
        self, pairs: Sequence[RoundPair], left_out: Sequence[int], now: datetime
    ) -> MatchingRound:
        """A new preview; an older preview is discarded."""
        ...

    async def preview(self) -> MatchingRound | None: ...

    async def save_round(
        self, round_id: int, status: str, pairs: Sequence[RoundPair], now: datetime
    ) -> None: ...

    async def forget(self, member_id: int, now: datetime) -> None:
        """Erase a member: their offer, lists, passes, open requests and feedback go; ended
        matches stay (the other side's history) pointing at the anonymised member; requests
        they were asked go back to the waitlist."""
        ...


@dataclass(frozen=True)
class AuditEntry:
    id: int
    member_id: int  # the moderator
    what: str  # a command's path or an action's id
    detail: str
    created_at: datetime


class AuditRepository(Protocol):
    """What moderators did with their rights, newest first."""

    async def add(self, member_id: int, what: str, detail: str, now: datetime) -> None: ...

    async def recent(
        self, limit: int | None, offset: int = 0, member_id: int | None = None
    ) -> list[AuditEntry]:
        """Newest first; `limit` None for all of them."""
        ...


class UnitOfWork(Protocol):
    """One command's reads and writes: committed together or not at all."""

    @property
    def community(self) -> CommunityKey: ...

    @property
    def members(self) -> MemberRepository: ...

    @property
    def resources(self) -> ResourceRepository: ...

    @property
    def settings(self) -> SettingsRepository: ...

    @property
    def prompts(self) -> PromptRepository: ...

    @property
    def mentoring(self) -> MentoringRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def changed(self) -> bool:
        """Whether anything was written (the audit log records changes, not reads)."""
        ...

    async def commit(self) -> None: ...


class Store(Protocol):
    def unit_of_work(self, community: CommunityKey) -> AbstractAsyncContextManager[UnitOfWork]:
        """Rolls back on leaving unless `commit` was called."""
        ...

    def snapshot(self, community: CommunityKey) -> AbstractAsyncContextManager[UnitOfWork]:
        """A consistent read-only view for long reads (a matching round's input), which
        doesn't hold up units of work that write meanwhile."""
        ...

    async def communities_with_schedules(self) -> list[CommunityKey]:
        """Where the scheduler has work to look at (the one cross-community read)."""
        ...

    async def communities_asking_mentors(self) -> list[CommunityKey]:
        """Where a mentor is being asked: the timer's work for answer deadlines."""
        ...

    async def communities_with_round_schedules(self) -> list[CommunityKey]:
        """Where matching rounds run by themselves."""
        ...

    async def close(self) -> None: ...
