"""copbot installed by OAuth in many workspaces (HTTP mode): `/slack/install` sends a
workspace's admin to Slack, `/slack/oauth_redirect` exchanges Slack's code for the
workspace's bot token (bolt's OAuth flow), kept in the installation store on copbot's
database; each request is then authorized by its workspace's token, refreshed before it
expires (token rotation)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.inbound import BOLT_LOG
from adapters.slack.requests import NOT_INSTALLED
from adapters.slack.workspaces import ClientFor, Installations, Installed
from bot.kernel.core import Core

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
STATE_SECONDS = 600  # an admin has 10 minutes between /slack/install and Slack's answer
AUTHORIZED_TOKENS = 10_000  # auth.test answers kept, the oldest forgotten first


class Authorized(OrderedDict[str, Any]):
    """bolt's authorize cache (auth.test's answer by token), bounded: a rotating token is a
    new one twice a day in every workspace, and the old ones would pile up for ever."""

    def __setitem__(self, token: str, result: Any) -> None:
        super().__setitem__(token, result)
        if len(self) > AUTHORIZED_TOKENS:
            self.popitem(last=False)


class Stores(Protocol):
    """The installation and OAuth state stores, opened on copbot's database."""

    @property
    def installations(self) -> Installations: ...

    @property
    def states(self) -> AsyncOAuthStateStore: ...


@dataclass(frozen=True)
class InstallOptions:
    client_id: str
    client_secret: str
    stores: Callable[[Core], Stores]  # the composition root's: on the core's own database
    public_url: str | None = None  # where Slack sends the admin back (else the app's setting)
    rotation_minutes: int = 120  # a token expiring sooner than this is refreshed first
    authorize_url: str = AUTHORIZE_URL

    @property
    def redirect_uri(self) -> str | None:
        return self.public_url.rstrip("/") + REDIRECT_PATH if self.public_url else None


class Authorize(AsyncInstallationStoreAuthorize):
    """bolt's authorize, asked twice before it gives up: another process may refresh the
    same token at the same moment, and Slack takes a refresh token once, so the one that
    loses finds the other's new token in the store the second time."""

    async def __call__(self, **kwargs: Any) -> AuthorizeResult | None:
        return await super().__call__(**kwargs) or await super().__call__(**kwargs)


def bolt_settings(
    options: InstallOptions, stores: Stores, client: AsyncWebClient, scopes: Sequence[str]
) -> dict[str, Any]:
    """bolt's OAuth flow and its authorize, bot tokens only. Authorize is built here, not
    by `AsyncOAuthSettings`, to rotate tokens through copbot's client (its base URL, its
    session); it caches each token's auth.test, so a request costs one store lookup."""
    installations = stores.installations
    assert isinstance(installations, AsyncInstallationStore)  # slack_sdk's, all of it
    settings = AsyncOAuthSettings(
        client_id=options.client_id,
        client_secret=options.client_secret,
        scopes=list(scopes),
        user_scopes=[],
        redirect_uri=options.redirect_uri,
        install_path=INSTALL_PATH,
        install_page_rendering_enabled=False,  # straight on to Slack
        redirect_uri_path=REDIRECT_PATH,
        authorization_url=options.authorize_url,
        installation_store=installations,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=options.rotation_minutes,
        state_store=stores.states,
        state_expiration_seconds=STATE_SECONDS,
        logger=BOLT_LOG,
    )
    authorize = Authorize(
        logger=BOLT_LOG,
        installation_store=installations,
        client_id=options.client_id,
        client_secret=options.client_secret,
        token_rotation_expiration_minutes=options.rotation_minutes,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )
    authorize.authorize_result_cache = Authorized()
    return {
        "oauth_settings": settings,
        "authorize": authorize,
        "user_facing_authorize_error_message": NOT_INSTALLED,
    }


def installed_workspaces(
    options: InstallOptions, stores: Stores, client: AsyncWebClient, client_for: ClientFor
) -> Installed:
    rotator = AsyncTokenRotator(
        client_id=options.client_id, client_secret=options.client_secret, client=client
    )
    return Installed(
        stores.installations, rotator, client_for, rotation_minutes=options.rotation_minutes
    )
