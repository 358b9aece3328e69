"""The health charts through the core: who sees which (moderators all, members the public
ones), `/community health-public` and its friendly refusals, one community's choice only."""

from __future__ import annotations

from bot.community.charts import PAGE_ACTION, TITLES
from bot.kernel.messages import Action, Reply
from tests.fakes import Talk
from tests.test_community import ELSEWHERE


async def page(talk: Talk, who: str) -> Reply:
    return await talk.core.act(Action(talk.actor(who), "web", PAGE_ACTION))


def keys(reply: Reply) -> list[str]:
    return [chart.key for chart in reply.charts]


async def test_moderators_see_every_chart_members_the_public_ones(talk: Talk) -> None:
    moderator = await page(talk, "mod")
    assert keys(moderator) == list(TITLES)
    assert all(
        chart.toggle and chart.toggle.label == "Show to members" for chart in moderator.charts
    )
    member = await page(talk, "alice")
    assert member.charts == () and "haven't shared" in member.text

    chosen = await talk("mod", "/community health-public chart:library public:yes")
    assert "`library`" in chosen.text and chosen.ephemeral
    member = await page(talk, "alice")
    assert keys(member) == ["library"] and member.charts[0].toggle is None
    await talk("mod", "/community health-public chart:all public:yes")
    assert keys(await page(talk, "alice")) == list(TITLES)
    await talk("mod", "/community health-public chart:all public:no")
    assert keys(await page(talk, "alice")) == []
    # Another community chose nothing.
    await talk("mod", "/community health-public chart:gaps public:yes")
    assert keys(await page(Talk(talk.core, community=ELSEWHERE), "alice")) == []


async def test_health_public_refuses_half_an_answer_and_members(talk: Talk) -> None:
    listed = await talk("mod", "/community health-public")
    assert "none" in listed.text and not listed.error
    for line, said in (
        ("/community health-public chart:library", "public:yes"),
        ("/community health-public public:yes", "which chart"),
    ):
        refused = await talk("mod", line)
        assert refused.error and said in refused.text, refused.text
    refused = await talk("alice", "/community health-public chart:library public:yes")
    assert refused.error
    assert keys(await page(talk, "alice")) == []


async def test_a_forged_toggle_is_refused_kindly(talk: Talk) -> None:
    for value in ("nosuch:on", "library:maybe", ""):
        forged = await talk.core.act(
            Action(talk.actor("mod"), "web", "community.health_public", value)
        )
        assert forged.error and "expired" in forged.text
    done = await talk.core.act(
        Action(talk.actor("mod"), "web", "community.health_public", "tags:on")
    )
    assert "Members now see" in done.text and keys(await page(talk, "alice")) == ["tags"]
    audit = await talk("mod", "/audit")
    assert "community.health_public" in audit.text
