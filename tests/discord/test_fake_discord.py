"""The loopback Discord's own checks can fail: a request that breaks the spec is refused and
recorded, and privileged intents are refused as Discord refuses them."""

from __future__ import annotations

import aiohttp

from tests.discord.fake_discord import GLOBAL_LIMIT, TOKEN, FakeDiscord


async def test_a_request_that_breaks_the_spec_is_refused_and_recorded(fake: FakeDiscord) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{fake.base}/channels/1/messages", json={"content": "x" * 4001, "embeds": "no"}
        ) as response,
    ):
        assert response.status == 400
        assert (await response.json())["code"] == 50035
    assert any("content" in v for v in fake.violations)
    assert any("embeds" in v for v in fake.violations)
    async with aiohttp.ClientSession() as session, session.get(f"{fake.base}/no/such/route"):
        pass
    assert "GET /no/such/route: no such operation in the spec" in fake.violations
    fake.violations.clear()  # the fixture fails any test that leaves one


async def test_privileged_intents_are_refused(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as session, session.ws_connect(fake.gateway_url) as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10
        await ws.send_json({"op": 2, "d": {"token": "fake-token", "intents": 1 << 15}})
        closed = await ws.receive()
        assert closed.type is aiohttp.WSMsgType.CLOSE and closed.data == 4014


async def test_more_than_fifty_requests_a_second_with_one_token_are_refused_and_recorded(
    fake: FakeDiscord,
) -> None:
    headers = {"Authorization": f"Bot {TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        answers = []
        for _ in range(GLOBAL_LIMIT + 1):
            async with session.get(f"{fake.base}/users/@me") as response:
                answers.append((response.status, (await response.json()).get("global")))
        assert answers == [(200, None)] * GLOBAL_LIMIT + [(429, True)]
    assert fake.peak_rate[TOKEN] == GLOBAL_LIMIT + 1
    assert len(fake.violations) == 1 and "more than 50 requests in a second" in fake.violations[0]
    fake.violations.clear()  # the fixture fails any test that leaves one
