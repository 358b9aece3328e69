"""Who knows what, through the core on a real SQLite file: listing, thanks and their rules,
`/who knows` ordering and its reasons, what never shows, and one community's data only."""

from __future__ import annotations

from datetime import timedelta

from bot.community.expertise import MAX_SAVED, score, why
from bot.community.model import Signals
from bot.kernel.core import Core
from bot.kernel.messages import Action, ChatMessage, CommunityKey, MessageRef, Reply
from tests.fakes import FakeChat, ManualClock, Talk
from tests.test_mentoring import ask_to

ELSEWHERE = CommunityKey("test", "elsewhere")


async def listed(talk: Talk, who: str, profile: str) -> None:
    saved = await talk(who, f"/profile set {profile}")
    assert not saved.error, saved.text
    assert (await talk.press(who, "Yes, list me", on=saved)).text.startswith("You're listed")


def names(reply: Reply) -> list[str]:
    return [card.title for card in reply.cards]


def notes(chat: FakeChat, channel: str = "general") -> list[str]:
    return [r.text for r in chat.posted_to(channel) if r.text.startswith("🙏")]


async def thanked_count(talk: Talk, who: str) -> str | None:
    shown = await talk(who, "/profile show")
    fields = {f.name: f.value for f in shown.cards[0].fields}
    return fields.get("Thanked")


async def mentored(talk: Talk, chat: FakeChat, mentor: str, mentee: str, rating: int) -> None:
    """`mentor` mentors `mentee` on python, and the mentee rates it."""
    await talk(mentee, f"/mentor request topic:python mentor:@{mentor}")
    accepted = await talk.press(mentor, "Accept", on=ask_to(chat, mentor)[-1])
    assert not accepted.error, accepted.text
    matches = (await talk(mentee, "/mentor matches")).text
    number = matches.split("#")[1].split(" ")[0]
    await talk(mentee, f"/mentor end match:{number}")
    form = await talk.press(mentee, "End match")
    sent = await talk.press(mentee, "Send feedback", on=form, met="yes", rating=str(rating))
    assert not sent.error, sent.text


# Listing


async def test_the_first_profile_save_asks_whether_to_be_listed(talk: Talk) -> None:
    saved = await talk("alice", "/profile set skills:python")
    assert [c.title for c in saved.cards] == ["Alice", "Show you in the /who directory?"]
    assert [b.label for b in saved.buttons] == ["Yes, list me", "No, thanks"]
    declined = await talk.press("alice", "No, thanks", on=saved)
    assert declined.ephemeral and "not listed" in declined.text
    again = await talk("alice", "/profile set skills:python, sql")
    assert names(again) == ["Alice"] and not again.buttons  # answered: not asked again
    fields = {f.name: f.value for f in again.cards[0].fields}
    assert fields["Listed in /who"] == "no"
    bob_sees = await talk("bob", "/profile show member:@alice")
    assert "Listed in /who" not in {f.name for f in bob_sees.cards[0].fields}


async def test_only_listed_members_appear_and_listing_can_be_changed(talk: Talk) -> None:
    await listed(talk, "bob", "skills:python")
    await talk("carol", "/profile set skills:python")  # never answered
    await talk("dave", "/profile set skills:python listed:no")
    found = await talk("alice", "/who knows topic:python")
    assert found.ephemeral and names(found) == ["Bob"]
    assert "1 member" in found.text
    await talk("carol", "/profile set listed:yes")
    assert names(await talk("alice", "/who knows topic:python")) == ["Bob", "Carol"]
    await talk("bob", "/profile set listed:no")
    assert names(await talk("alice", "/who knows topic:python")) == ["Carol"]
    directory = await talk("alice", "/who list")
    assert "• python: 1 member teaches or mentors it" in directory.text
    assert [b.label for b in directory.buttons] == ["python"]
    pressed = await talk.press("alice", "python", on=directory)
    assert names(pressed) == ["Carol"]


async def test_nobody_listed_says_how_to_get_listed(talk: Talk) -> None:
    await talk("bob", "/profile set skills:python listed:no")
    reply = await talk("alice", "/who knows topic:python")
    assert not reply.error and reply.cards == ()
    assert "Nobody listed knows python yet" in reply.text and "listed:yes" in reply.text
    assert "directory is empty" in (await talk("alice", "/who list")).text


# Thanks


async def test_thanks_are_noted_in_public_through_the_outbox(talk: Talk, chat: FakeChat) -> None:
    await talk("alice", "/profile set skills:python")
    reply = await talk("alice", '/thanks @bob reason:"the generator trick" topic:py')
    assert reply.ephemeral and not reply.error
    assert reply.text == "Thanks to <@bob> is on its way."  # bob hasn't used copbot yet
    assert notes(chat) == [
        "🙏 Alice thanks <@bob> for their help with python: “the generator trick”"
    ]
    await talk("bob", "/profile set skills:python")
    assert await thanked_count(talk, "bob") == "once"
    assert await thanked_count(talk, "alice") is None  # giving isn't counted as a score


async def test_a_kudos_channel_takes_the_notes(talk: Talk, chat: FakeChat) -> None:
    refused = await talk("alice", "/community kudos channel:#kudos")
    assert refused.error  # moderators only
    chat.missing.add("hidden")
    unseen = await talk("mod", "/community kudos channel:#hidden")
    assert unseen.error and "can't see" in unseen.text
    both = await talk("mod", "/community kudos channel:#kudos reset:yes")
    assert both.error and "not both" in both.text
    assert "in the channel where each was given" in (await talk("mod", "/community kudos")).text
    assert "<#kudos>" in (await talk("mod", "/community kudos channel:#kudos")).text
    reply = await talk("alice", "/thanks @bob for the review")
    assert reply.text == "Thanks to <@bob> is on its way in <#kudos>."
    assert notes(chat, "kudos") == ["🙏 Alice thanks <@bob>: “for the review”"]
    assert notes(chat) == []
    await talk("mod", "/community kudos reset:yes")
    await talk("carol", "/thanks @bob")
    assert notes(chat) == ["🙏 Carol thanks <@bob>"]


async def test_no_thanking_oneself_and_once_a_day_per_pair(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    myself = await talk("alice", "/thanks @alice")
    assert myself.error and myself.ephemeral and "yourself" in myself.text
    await talk("bob", "/profile set skills:python")
    assert not (await talk("alice", "/thanks @bob")).error
    clock.advance(timedelta(hours=5))
    again = await talk("alice", "/thanks @bob for more")
    assert again.error and again.ephemeral
    assert "You thanked Bob 5 hours ago" in again.text and "once a day" in again.text
    assert not (await talk("carol", "/thanks @bob")).error  # another pair may
    clock.advance(timedelta(hours=19))
    assert not (await talk("alice", "/thanks @bob")).error
    assert len(notes(chat)) == 3
    assert await thanked_count(talk, "bob") == "3 times"


async def test_a_note_not_yet_posted_is_dropped_when_a_side_erases(
    talk: Talk, chat: FakeChat, clock: ManualClock
) -> None:
    chat.failing.add("general")  # the note can't go out yet
    await talk("alice", '/thanks @bob reason:"kind words"')
    await talk("carol", "/thanks @bob")
    await talk("alice", "/privacy erase")
    await talk.press("alice", "Erase my data")
    chat.failing.clear()
    clock.advance(timedelta(minutes=5))  # past any retry's wait
    await talk.settle()
    assert notes(chat) == ["🙏 Carol thanks <@bob>"]


async def test_thank_the_author_of_a_message(core: Core, talk: Talk, chat: FakeChat) -> None:
    message = ChatMessage(
        MessageRef("test", "general", "m1"), "https://chat.test/m1", "bob", "Bob", "Try this"
    )
    reply = await core.message_action(talk.actor("alice"), "general", "Thank the author", message)
    assert reply.ephemeral and reply.text == "Thanks to Bob is on its way."
    await talk.settle()
    assert notes(chat) == ["🙏 Alice thanks <@bob>\nFor this message: https://chat.test/m1"]
    own = await core.message_action(talk.actor("bob"), "general", "Thank the author", message)
    assert own.error and "your own message" in own.text
    async with core.store.unit_of_work(talk.community) as uow:
        bob = await uow.members.by_user("bob")
        assert bob is not None and bob.display_name == "Bob"
        assert await uow.directory.thanks_received(bob.id) == 1


async def test_thanks_take_a_known_topic_and_refuse_bad_input(talk: Talk) -> None:
    bad = await talk("alice", "/thanks @bob topic:python, go")
    assert bad.error
    long = await talk("alice", f'/thanks @bob reason:"{"x" * 201}"')
    assert long.error and "at most 200" in long.text
    async with talk.core.store.unit_of_work(talk.community) as uow:
        bob = await uow.members.by_user("bob")
        assert bob is None or await uow.directory.thanks_received(bob.id) == 0


# Who knows what


async def test_who_knows_ranks_by_what_members_did_and_says_why(talk: Talk, chat: FakeChat) -> None:
    await talk("mod", "/prompt moderators #mods")
    await listed(talk, "bob", "skills:python timezone:Europe/Berlin")
    await listed(talk, "carol", "timezone:America/New_York")
    await listed(talk, "dave", "interests:python")
    await talk("bob", "/mentor offer topics:python capacity:2")
    await talk("carol", "/mentor offer topics:python capacity:1")
    for mentee in ("alice", "erin"):
        await talk(mentee, "/profile set interests:python timezone:Europe/Paris listed:no")
    await mentored(talk, chat, "bob", "alice", 5)
    await mentored(talk, chat, "bob", "erin", 4)
    saved = await talk("dave", '/library add url:https://example.org/py title:"Py" tags:python')
    await talk.press("alice", "Upvote", on=saved)
    await talk("alice", "/thanks @dave topic:python")
    await talk("erin", "/thanks @dave topic:python")
    found = await talk("frank", "/who knows topic:python")
    assert names(found) == ["Bob", "Dave", "Carol"]  # two thanks outweigh an offer alone
    bob, dave, carol = found.cards
    assert bob.body == "teaches and mentors python; mentored 2 people on it, rated 4.5"
    assert carol.body == "mentors python"
    assert dave.body == "saved 1 resource tagged python (1 upvote); thanked 2 times for python"
    fields = {f.name: f.value for f in bob.fields}
    assert fields["Local time"] == "Mon 10:00 local time (Europe/Berlin)"
    assert fields["Mentoring"] == "room to mentor (2 of 2 places free)"
    assert {f.name: f.value for f in dave.fields}["Mentoring"] == "doesn't mentor here"
    assert {f.name: f.value for f in dave.fields}["Local time"] == "timezone not set"


async def test_private_settings_never_show(talk: Talk, chat: FakeChat) -> None:
    await listed(talk, "bob", "skills:python")
    await talk("bob", "/mentor offer topics:python capacity:1")
    await talk("bob", "/mentor avoid member:@alice")
    await talk("bob", "/mentor pause")
    found = await talk("alice", "/who knows topic:python")
    assert names(found) == ["Bob"]  # an avoid list hides nobody from the directory
    card = found.cards[0]
    assert {f.name: f.value for f in card.fields}["Mentoring"] == "no room to mentor right now"
    shown = " ".join([card.body, *(f.value for f in card.fields)]).casefold()
    for private in ("pause", "avoid", "alice", "until"):
        assert private not in shown


async def test_pages_of_who_knows_and_of_the_directory(talk: Talk) -> None:
    for n in range(7):
        await listed(talk, f"m{n}", f"skills:python, topic{n}")
    first = await talk("alice", "/who knows topic:python")
    assert len(first.cards) == 5 and "page 1 of 2; 7 members" in first.text
    assert [b.label for b in first.buttons] == ["Next"]
    second = await talk.press("alice", "Next", on=first)
    assert len(second.cards) == 2 and "page 2 of 2" in second.text
    assert not set(names(first)) & set(names(second))
    assert [b.label for b in second.buttons] == ["Previous"]
    directory = await talk("alice", "/who list")
    assert "page 1 of 1; 8 topics" in directory.text
    assert directory.text.splitlines()[1] == "• python: 7 members teach or mentor it"
    forged = await talk.core.act(Action(talk.actor("alice"), "general", "who.knows", "x|python"))
    assert forged.error and forged.ephemeral


async def test_topics_autocomplete_over_what_is_in_use(talk: Talk) -> None:
    await talk("bob", "/profile set skills:python")
    await talk("carol", "/mentor offer topics:pytest capacity:1")
    await talk("dave", '/library add url:https://example.org/x title:"X" tags:python')
    choices = await talk.core.autocomplete(talk.actor("alice"), "who knows", "topic", "py")
    assert [c.value for c in choices] == ["python", "pytest"]
    assert choices[0].name == "python (2)"


async def test_one_community_never_sees_another(core: Core, talk: Talk, chat: FakeChat) -> None:
    elsewhere = Talk(core, community=ELSEWHERE)
    await listed(elsewhere, "zoe", "skills:python")
    await elsewhere("zoe", "/thanks @bob topic:python")
    await listed(talk, "bob", "skills:python")
    found = await talk("alice", "/who knows topic:python")
    assert names(found) == ["Bob"] and found.cards[0].body == "teaches python"
    assert await thanked_count(talk, "bob") is None
    assert "• python: 1 member teach" in (await talk("alice", "/who list")).text
    assert names(await elsewhere("yan", "/who knows topic:python")) == ["Zoe"]


async def test_an_erased_member_leaves_the_directory_and_their_thanks_anonymous(
    talk: Talk,
) -> None:
    await listed(talk, "bob", "skills:python")
    await talk("alice", '/thanks @bob reason:"kind words" topic:python')
    await talk("bob", '/thanks @alice reason:"you too"')
    await talk("bob", "/privacy erase")
    await talk.press("bob", "Erase my data")
    assert (await talk("carol", "/who knows topic:python")).cards == ()
    await talk("alice", "/privacy export")
    mine = talk.json("alice")["directory"]
    assert [(t["to"], t["reason"]) for t in mine["thanks_given"]] == [("a former member", "")]
    assert [(t["from"], t["reason"]) for t in mine["thanks_received"]] == [("a former member", "")]


# The scoring rule


def test_each_kind_of_activity_counts_and_ratings_weigh_matches() -> None:
    nothing = Signals()
    assert score(nothing) == 0
    for signals in (
        Signals(teaches=True),
        Signals(mentors=True),
        Signals(matches=1),
        Signals(saved=1),
        Signals(votes=1),
        Signals(thanked=1),
    ):
        assert score(signals) > 0, signals
    well_rated = Signals(matches=2, ratings=2, rating_total=10)
    poorly_rated = Signals(matches=2, ratings=2, rating_total=4)
    assert score(well_rated) > score(Signals(matches=2)) > score(poorly_rated)
    assert score(Signals(teaches=True, matches=3)) > score(Signals(teaches=True))


def test_saving_alone_cannot_outrank_everyone() -> None:
    hoarder = Signals(saved=MAX_SAVED * 10)
    assert score(hoarder) == score(Signals(saved=MAX_SAVED))
    assert score(Signals(teaches=True, matches=4, ratings=4, rating_total=19)) > score(hoarder)


def test_why_says_what_counted_in_words() -> None:
    assert why(Signals(matches=1), "go") == "mentored 1 person on it"
    assert why(Signals(teaches=True, mentors=True, thanked=1), "go") == (
        "teaches and mentors go; thanked once for go"
    )
    assert why(Signals(teaches=True), "go") == "teaches go"
    assert why(Signals(saved=12, votes=30, ratings=0), "sql") == (
        "saved 12 resources tagged sql (30 upvotes)"
    )
