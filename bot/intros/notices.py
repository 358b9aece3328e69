"""What intros send on their own, recorded in the outbox with the change that decides it:
each group's intro (a private space with the reason and a conversation starter), the
half-way "did you meet?", and the word to a member copbot paused."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.common.starter import STARTER_PROMPTS
from bot.intros.model import Group, Link
from bot.intros.records import Answer, IntroGroup, Programme
from bot.kernel.catalog import Catalog
from bot.kernel.members import Member
from bot.kernel.messages import Button, ButtonStyle, Reply
from bot.kernel.moderators import tell_moderators
from bot.kernel.ports import UnitOfWork
from bot.kernel.sends import Delivered, Inbox, OpenSpace, Post, Send, to_inbox

INTRO = "intro"
ANSWER_ACTION = "intro.met"
ANSWER_LABELS = {Answer.MET: "Yes", Answer.NOT_YET: "Not yet", Answer.CANT: "We can't make it"}


def register(catalog: Catalog) -> None:
    catalog.delivery(
        INTRO, still_wanted=intro_still_wanted, delivered=intro_delivered, refused=space_refused
    )


def names(people: Mapping[int, Member], member_ids: Sequence[int]) -> str:
    said = [people[m].display_name if m in people else "someone" for m in member_ids]
    return said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]


def reason(link: Link, people: Mapping[int, Member]) -> str:
    """Why two members fit, in the words of the weights the round used."""
    first, second = (people[m].display_name if m in people else "someone" for m in link.members)
    parts = []
    if link.swap:
        parts.append(
            f"a skill swap: {first} teaches {', '.join(link.first_teaches)}, which {second} "
            f"wants to learn, and {second} teaches {', '.join(link.second_teaches)} back"
        )
    elif link.first_teaches:
        parts.append(
            f"{first} teaches {', '.join(link.first_teaches)}, which {second} wants to learn"
        )
    elif link.second_teaches:
        parts.append(
            f"{second} teaches {', '.join(link.second_teaches)}, which {first} wants to learn"
        )
    if link.shared_interests:
        parts.append(f"you both work on {', '.join(link.shared_interests[:3])}")
    if link.overlap_hours:
        parts.append(f"{link.overlap_hours:.0f} h of shared working hours")
    if link.shared_language:
        parts.append(f"you both speak {link.shared_language}")
    if link.repeat:
        parts.append("you met not long ago, but nobody else was free to meet you this time")
    return "; ".join(parts) or "you haven't met yet"


def starter(key: str) -> str:
    """A conversation starter from the prompt bank, the same for the same group (a re-sent
    intro says the same)."""
    digest = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return STARTER_PROMPTS[digest % len(STARTER_PROMPTS)][1]


def intro_send(
    programme: Programme, stored: IntroGroup, planned: Group, people: Mapping[int, Member]
) -> Send:
    """One group's intro: its private space opened, the intro posted there, exactly once
    (keyed by the group)."""
    key = f"intro-{stored.id}"
    trio = len(stored.member_ids) > 2
    why = "\n".join(
        f"• {names(people, link.members) + ': ' if trio else ''}{reason(link, people)}"
        for link in planned.links
    )
    who = names(people, stored.member_ids)
    reply = Reply(
        f"Meet each other: {who}! The `{programme.name}` programme put you together "
        f"because:\n{why}\nTo break the ice: {starter(key)}\n"
        "Find a time to meet this week; half-way to the next round I'll ask how it went. "
        "`/intro pause` or `/intro leave` if you need a break."
    )
    users = tuple(people[m].user_id for m in stored.member_ids if m in people)
    space = OpenSpace(programme.channel_id, users, f"Intro: {who}"[:100])
    return Send(INTRO, key, (space, Post(reply, into=0)), {"group": stored.id})


async def intro_still_wanted(uow: UnitOfWork, send: Send) -> bool:
    group = await uow.intros.group(send.args["group"])
    return group is not None and group.space_channel is None


async def intro_delivered(uow: UnitOfWork, send: Send, delivered: Delivered, now: datetime) -> None:
    space = delivered.refs[0]
    assert space is not None
    await uow.intros.space_opened(send.args["group"], space)


async def space_refused(uow: UnitOfWork, send: Send, reason: str, now: datetime) -> None:
    """The platform won't open the intro's space (retrying would only be refused): the
    moderators hear why, once per round and channel, to fix it before the next round."""
    space = send.steps[0]
    assert isinstance(space, OpenSpace)
    group = await uow.intros.group(send.args["group"])
    round_id = group.round_id if group else 0
    reply = Reply(
        f"I couldn't open intros' private spaces in <#{space.channel_id}>: {reason[:300]}. "
        "Those intros weren't sent; fix it before the next round (or `/intro setup` another "
        "channel)."
    )
    await tell_moderators(uow, f"intro-refused-{round_id}-{space.channel_id}", reply, now)


def follow_up_send(group: IntroGroup) -> Send | None:
    """ "Did you meet?" in the group's space; None while the space isn't known yet."""
    if group.space_channel is None:
        return None
    reply = Reply(
        "Half-way to the next round: did you meet? Each of you can answer.",
        buttons=tuple(
            Button(label, ANSWER_ACTION, f"{group.id}:{answer.value}", style)
            for (answer, label), style in zip(
                ANSWER_LABELS.items(),
                (ButtonStyle.PRIMARY, ButtonStyle.SECONDARY, ButtonStyle.SECONDARY),
                strict=True,
            )
        ),
    )
    post = Post(reply, channel_id=group.space_channel, thread_id=group.space_thread)
    return Send("notice", f"intro-check-{group.id}", (post,))


def paused_notice(programme: Programme, round_id: int, member: Member) -> Send:
    """In the member's private space with copbot (opened under the programme's channel if
    they have none yet), not a new DM: Discord quarantines bots that open many."""
    reply = Reply(
        f"I've paused your `{programme.name}` intros: the last three went unanswered. "
        f"Whenever you'd like to meet people again, `/intro join` brings you back."
    )
    inbox = Inbox(
        member.id, member.user_id, programme.channel_id, f"copbot · {member.display_name}"[:100]
    )
    return to_inbox("notice", f"intro-ghost-{round_id}-{member.id}", reply, inbox)
