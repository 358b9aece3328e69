"""The community's records: thanks, and what a member did on a topic (for `/who knows`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.kernel.messages import MessageRef


@dataclass(frozen=True)
class NewThanks:
    """One member thanking another, maybe for a topic, maybe for a message of theirs."""

    from_id: int
    to_id: int
    topic: str | None
    reason: str
    channel_id: str  # where they thanked (the note goes there unless a kudos channel is set)
    message: MessageRef | None = None  # the message thanked for ("Thank the author")


@dataclass(frozen=True)
class Signals:
    """What one member did on one topic, as counted across the capabilities' records."""

    teaches: bool = False  # a skill on their profile
    mentors: bool = False  # they offer mentoring on it
    matches: int = 0  # matches on it they mentored
    ratings: int = 0  # how many of those their mentee rated
    rating_total: int = 0
    saved: int = 0  # resources they saved tagged with it
    votes: int = 0  # upvotes others gave those resources
    thanked: int = 0  # thanks received for it

    @property
    def rating(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None


@dataclass(frozen=True)
class MentorRoom:
    """A mentor's places: how many mentees they take, how many they have, and whether they
    are paused (never why: that is theirs)."""

    capacity: int
    active: int
    paused: bool
    paused_until: datetime | None

    def taking(self, now: datetime) -> bool:
        paused = self.paused and (self.paused_until is None or self.paused_until > now)
        return not paused and self.active < self.capacity


@dataclass(frozen=True)
class Knower:
    """A listed member with something to show for a topic."""

    member_id: int
    user_id: str
    display_name: str
    timezone: str | None
    signals: Signals
    room: MentorRoom | None  # None: they don't mentor


@dataclass(frozen=True)
class Participation:
    """How many members are at each level of participation (`bot.community.health`)."""

    core: int = 0
    active: int = 0
    peripheral: int = 0
    new: int = 0


@dataclass(frozen=True)
class Gap:
    """A topic members asked about lately (searches that found nothing, requests waiting
    for a mentor) that no mentor offers or no resource is tagged with."""

    topic: str
    searches: int  # searches for it that found nothing
    unmatched: int  # mentor requests for it that no mentor could take
    waiting: int  # open requests waiting for a mentor on it
    mentors: int  # mentors offering it
    resources: int  # resources tagged with it


@dataclass(frozen=True)
class MentoringOutcomes:
    """Matches begun in a period, and what their members said of them."""

    matches: int
    answered: int  # matches where someone answered "did you meet?"
    met: int  # of those, where someone said they met
    ratings: int
    rating_total: int

    @property
    def rating(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None


@dataclass(frozen=True)
class Link:
    """A resource as the digest lists it."""

    title: str
    url: str
    votes: int


@dataclass(frozen=True)
class PromptTurnout:
    """The last prompt posted, and how many answered it."""

    text: str
    posted_at: datetime
    message: MessageRef | None
    answers: int
    members: int


@dataclass(frozen=True)
class Week:
    """What happened in a community in one week, for the digest."""

    new_resources: int
    newest: tuple[Link, ...]
    most_upvoted: tuple[Link, ...]  # by the upvotes they got this week
    prompt: PromptTurnout | None
    matches: int
    intros: int
    thanks: int
    newcomers: int  # members copbot first met this week
    waiting: int  # requests waiting for a mentor now


@dataclass(frozen=True)
class Posting:
    """A prompt posted, and how many members answered it (and how often)."""

    posted_at: datetime
    members: int
    answers: int


@dataclass(frozen=True)
class IntroRound:
    """An intros round published: the intros it opened, and what their members said."""

    published_at: datetime
    intros: int
    answered: int  # intros where someone answered "did you meet?"
    met: int  # of those, where someone said they met


@dataclass(frozen=True)
class Funnel:
    """Mentor requests made in a period, and how far they went."""

    requests: int
    asked: int  # a mentor was asked (or they were matched in a round)
    matched: int
    met: int  # their match's members said they met
    ratings: int
    rating_total: int

    @property
    def rating(self) -> float | None:
        return self.rating_total / self.ratings if self.ratings else None


@dataclass(frozen=True)
class Trends:
    """The community week by week (`weeks`: each week's start, oldest first), for the
    health charts. Each weekly tuple has a value per week."""

    weeks: tuple[datetime, ...]
    acting: tuple[tuple[int, int, int], ...]  # members acting a little, more, the most
    welcomed: tuple[int, ...]  # newcomers welcomed that week
    first_steps: tuple[int, ...]  # of those, who have finished their first steps
    library: tuple[int, ...]  # resources in the library at the end of the week
    postings: tuple[Posting, ...]  # the prompts posted since the first week, oldest first
    intros: tuple[IntroRound, ...]  # the intros rounds published since, oldest first
    funnel: Funnel  # the mentor requests made since the first week
    tags: tuple[tuple[str, int], ...]  # the library's most used tags, most first
