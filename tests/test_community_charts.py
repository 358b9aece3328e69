"""The health charts through the core: who sees which (moderators all, members the public
ones), `/community health-public` and its friendly refusals, one community's choice only."""

from __future__ import annotations

from datetime import timedelta

from bot.community.charts import PAGE_ACTION, TITLES
from bot.kernel.messages import Action, Reply
from tests.fakes import ManualClock, Talk
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


async def test_figures_are_read_again_after_ten_minutes(talk: Talk, clock: ManualClock) -> None:
    def resources(reply: Reply) -> int:
        library = next(chart for chart in reply.charts if chart.key == "library")
        return library.series[0].values[-1]

    assert resources(await page(talk, "mod")) == 0
    await talk("alice", "/library add url:https://example.org/a title:A tags:python")
    clock.advance(timedelta(minutes=9))
    assert resources(await page(talk, "mod")) == 0  # the figures of 9 minutes ago
    clock.advance(timedelta(minutes=2))
    assert resources(await page(talk, "mod")) == 1
    assert resources(await page(Talk(talk.core, community=ELSEWHERE), "mod")) == 0
