"""What copbot lets through from Slack, as bolt middleware before any listener: a request
signed with the app's secret (HTTP mode), for the workspace copbot's token belongs to, and
each request once. A refusal is logged by what it was, never by what the member wrote."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.kernel.ports import SharedLimits
from bot.kernel.shared import Once, Recent

log = logging.getLogger(__name__)

# A signature is good for 5 minutes either side of its timestamp, so a replay can come up
# to 10 minutes after the first delivery; Slack's own retries of an event end sooner.
REPLAY_WINDOW = timedelta(minutes=10)
REMEMBERED = 10_000  # request ids this process keeps at most, the oldest forgotten first
NOT_INSTALLED = "copbot isn't installed in this workspace."
_STAMP = re.compile(r"\d{1,12}")  # seconds since 1970: bolt would raise on anything else

Next = Callable[[], Awaitable[None]]
Middleware = Callable[..., Awaitable[BoltResponse]]


def signed(secret: str) -> Middleware:
    """Slack's signature check, in place of bolt's: bolt answers a timestamp that is no
    number with a 500 and logs each refused request's body (what the member typed) at
    INFO."""
    verifier = SignatureVerifier(secret)

    async def check(req: AsyncBoltRequest, resp: BoltResponse, next: Next) -> BoltResponse:
        stamp = _header(req, "x-slack-request-timestamp")
        signature = _header(req, "x-slack-signature")
        if _STAMP.fullmatch(stamp) and verifier.is_valid(req.raw_body, stamp, signature):
            await next()
            return resp
        log.info("refused a request whose signature is wrong or stale")
        return BoltResponse(status=401, body={"error": "invalid request"})

    return check


def _header(req: AsyncBoltRequest, name: str) -> str:
    return next(iter(req.headers.get(name) or ()), "")


async def for_this_workspace(
    context: AsyncBoltContext, resp: BoltResponse, next: Next
) -> BoltResponse:
    """Only the workspace the token was installed in: an app installed elsewhere too gets
    that workspace's requests signed with the same secret, and bolt with one token takes them
    all as its own."""
    if _installed_here(context):
        await next()
        return resp
    log.info("refused a request for workspace %s: copbot serves another one", context.team_id)
    return BoltResponse(status=200, body=NOT_INSTALLED)  # 200: Slack resends errors


def _installed_here(context: AsyncBoltContext) -> bool:
    """`context.team_id` is the installation's team (for events, also those of people from
    elsewhere in a shared channel), the one bolt's multi-workspace mode looks an installation
    up by; an org-wide install has no team and goes by its organization."""
    installed = context.authorize_result
    if installed is None:
        return False
    if installed.team_id:
        return context.team_id == installed.team_id
    return installed.enterprise_id is not None and context.enterprise_id == installed.enterprise_id


def handled_once(shared: SharedLimits | None) -> Once:
    """Slack's request ids, remembered for the replay window: by this process, and by every
    process on the database when it is shared (HTTP mode behind a load balancer)."""
    recent = Recent(REMEMBERED, REPLAY_WINDOW.total_seconds())
    return Once(recent, shared, scope="slack", within=REPLAY_WINDOW)


def once(requests: Once) -> Middleware:
    """Each request handled once: an event by its id (Slack resends one it thinks was
    missed, perhaps to another process), anything a member did by its trigger id (a signed
    request replayed within the window is the same one). A repeat reaching the same process
    is dropped without a database round trip. Runs after the signature check, so a forged
    request can't hide a real one."""

    async def check(body: dict[str, Any], resp: BoltResponse, next: Next) -> BoltResponse:
        key = _request_id(body)
        if key is not None and not await requests.first(key):
            log.info("dropping a repeat of %s", key)
            return BoltResponse(status=200, body="")
        await next()
        return resp

    return check


def _request_id(body: dict[str, Any]) -> str | None:
    if body.get("type") == "event_callback":
        event_id = body.get("event_id")
        return f"event {event_id}" if isinstance(event_id, str) else None
    trigger_id = body.get("trigger_id")
    return f"trigger {trigger_id}" if isinstance(trigger_id, str) else None
