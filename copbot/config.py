"""`config.toml` (documented in `config.example.toml`), with secrets from the environment.

Yes/no, number and list keys take TOML's own types only (strict): `enabled = "yes"` or
`grace_hours = true` are mistakes to name, not values to guess at."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from storage.check import address

DEFAULT_PATH = Path("config.toml")

# Environment variables that override a key of the file (secrets stay out of it).
ENVIRONMENT = {
    "COPBOT_DATABASE_URL": ("database", "url"),
    "DISCORD_TOKEN": ("discord", "token"),
    "SLACK_BOT_TOKEN": ("slack", "bot_token"),
    "SLACK_APP_TOKEN": ("slack", "app_token"),
    "SLACK_SIGNING_SECRET": ("slack", "signing_secret"),
    "SLACK_CLIENT_ID": ("slack", "client_id"),
    "SLACK_CLIENT_SECRET": ("slack", "client_secret"),
}


class ConfigError(Exception):
    """The config can't be used; the message names the file, the key and the problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = "sqlite:///copbot.db"

    @field_validator("url")
    @classmethod
    def _known_engine(cls, url: str) -> str:
        address(url)  # raises what is wrong with it, as `copbot run` would
        return url

    def shown(self) -> str:
        """The URL without its password, to print."""
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))


class ConsoleSettings(_Section):
    enabled: bool | None = Field(
        default=None,
        strict=True,
        description="run the console; by default only when no platform is set",
    )
    community: str = Field(default="local", min_length=1, max_length=64)
    channel: str = Field(default="general", pattern=r"^[a-z0-9_-]{1,32}$")
    user: str = Field(default="mod", pattern=r"^[\w.-]{1,32}$")
    moderators: tuple[str, ...] = ("mod",)


class DiscordSettings(_Section):
    token: SecretStr | None = None
    moderator_role: str | None = None
    shard_count: int | None = Field(
        default=None, ge=1, strict=True, description="None: Discord's advice"
    )
    shard_ids: tuple[StrictInt, ...] | None = Field(
        default=None, min_length=1, description="the shards this process runs; None: all"
    )
    rest_proxy: str | None = Field(
        default=None,
        description="a REST proxy's base URL (nirn-proxy), which keeps Discord's global limit",
    )

    @field_validator("rest_proxy")
    @classmethod
    def _rest_proxy(cls, url: str | None) -> str | None:
        parts = urlsplit(url or "")
        if url is not None and (
            parts.scheme not in ("http", "https") or not parts.hostname or parts.query
        ):
            raise ValueError("the proxy's base URL, such as http://nirn-proxy:8080")
        return url

    @model_validator(mode="after")
    def _shards_fit(self) -> DiscordSettings:
        if self.shard_ids is None:
            return self
        if self.shard_count is None:
            raise ValueError("shard_ids needs shard_count (the total over all processes)")
        if any(not 0 <= i < self.shard_count for i in self.shard_ids):
            raise ValueError(f"shard_ids must lie in 0..{self.shard_count - 1}")
        return self


class SlackSettings(_Section):
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    mode: Literal["socket", "http"] = "socket"
    host: str = "0.0.0.0"  # HTTP mode: where to listen for Slack
    port: int = Field(default=3000, ge=1, le=65535, strict=True)
    moderators: tuple[str, ...] = Field(
        default=(), description="user ids (U...) and user-group ids (S...), besides admins"
    )
    # Installed by OAuth in many workspaces (HTTP mode): /slack/install, /slack/oauth_redirect.
    install: bool = Field(default=False, strict=True)
    client_id: str | None = None
    client_secret: SecretStr | None = None
    public_url: str | None = Field(
        default=None, description="where Slack reaches copbot (its OAuth redirect is under it)"
    )
    token_rotation_expiration_minutes: int = Field(default=120, ge=1, le=720, strict=True)

    @field_validator("bot_token")
    @classmethod
    def _bot_token(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and not token.get_secret_value().startswith("xoxb-"):
            raise ValueError("a bot token starts with xoxb-")
        return token

    @field_validator("client_id")
    @classmethod
    def _client_id(cls, client_id: str | None) -> str | None:
        if client_id is not None and not re.fullmatch(r"\d+\.\d+", client_id):
            raise ValueError("a client id is two numbers with a dot, such as 1234567890.123456")
        return client_id

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str | None) -> str | None:
        parts = urlsplit(url or "")
        if url is not None and (parts.scheme != "https" or not parts.hostname or parts.query):
            raise ValueError("a public https URL, such as https://copbot.example.org")
        return url

    @field_validator("app_token")
    @classmethod
    def _app_token(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and not token.get_secret_value().startswith("xapp-"):
            raise ValueError("an app-level token starts with xapp-")
        return token


class PromptSettings(_Section):
    grace_hours: float = Field(
        default=6,
        ge=0,
        le=168,
        strict=True,
        description="post occurrences missed while down this late",
    )

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.grace_hours)


class OpsSettings(_Section):
    """`/healthz` and `/metrics` (copbot/ops.py), for whoever runs copbot."""

    enabled: bool | None = Field(
        default=None,
        strict=True,
        description="serve them; by default whenever a platform runs, not in the console",
    )
    host: str = "127.0.0.1"  # for a Prometheus on this machine; 0.0.0.0 for one elsewhere
    port: int = Field(default=8090, ge=0, le=65535, strict=True, description="0: any free port")


class WebSettings(_Section):
    """copbot's own web pages (adapters/web/), served in the same process."""

    enabled: bool = Field(default=True, strict=True, description="serve the pages")
    host: str = "127.0.0.1"  # "0.0.0.0" behind a reverse proxy on another machine
    port: int = Field(default=8080, ge=0, le=65535, strict=True, description="0: any free port")
    base_url: str | None = Field(
        default=None, description="where members' browsers reach the pages, for /web's links"
    )

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, url: str | None) -> str | None:
        parts = urlsplit(url or "")
        if url is not None and (
            parts.scheme not in ("http", "https") or not parts.hostname or parts.query
        ):
            raise ValueError("an http(s) URL without a query, such as https://copbot.example.org")
        return url.rstrip("/") if url is not None else None

    def public_url(self, port: int | None = None) -> str:
        """`base_url`, or the address served (`port`: the one bound, when `port` is 0)."""
        if self.base_url is not None:
            return self.base_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{port if port is not None else self.port}"


class Settings(_Section):
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    database: DatabaseSettings = DatabaseSettings()
    console: ConsoleSettings = ConsoleSettings()
    discord: DiscordSettings = DiscordSettings()
    slack: SlackSettings = SlackSettings()
    prompts: PromptSettings = PromptSettings()
    ops: OpsSettings = OpsSettings()
    web: WebSettings = WebSettings()

    def platforms(self) -> list[str]:
        """Platforms with credentials configured."""
        found = []
        if self.discord.token is not None:
            found.append("discord")
        if self.slack.bot_token is not None or self.slack.install:
            found.append("slack")
        return found

    def serves_ops(self) -> bool:
        """Whether this process serves `/healthz` and `/metrics`."""
        return self.ops.enabled if self.ops.enabled is not None else bool(self.platforms())

    def secrets(self) -> list[str]:
        """What no log line may show: tokens, the signing secret, the database's password."""
        given = (self.discord.token, self.slack.bot_token, self.slack.app_token)
        found = [s.get_secret_value() for s in (*given, self.slack.signing_secret) if s]
        password = urlsplit(self.database.url).password
        return [*found, *([password] if password else [])]

    def runs_console(self) -> bool:
        if self.console.enabled is None:
            return not self.platforms()
        return self.console.enabled


def config_file(path: Path | None) -> Path | None:
    """The file `load_settings(path)` reads: `path`, or ./config.toml if there is one."""
    return path if path is not None or not DEFAULT_PATH.exists() else DEFAULT_PATH


def load_settings(
    path: Path | None = None,
    environ: Mapping[str, str] = os.environ,
    *,
    database_url: str | None = None,
) -> Settings:
    """Read `path` (or ./config.toml if it exists, else defaults) and the environment;
    `database_url` (`copbot --database`) overrides both, checked like the rest."""
    file = config_file(path)
    source = file or DEFAULT_PATH
    raw: dict[str, Any] = {}
    if file is not None:
        try:
            raw = tomllib.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{source}: no such file") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{source}: not valid TOML: {error}") from None
    overrides = [(f"${v}", at, environ[v]) for v, at in ENVIRONMENT.items() if environ.get(v)]
    if database_url is not None:
        overrides.append(("--database", ("database", "url"), database_url))
    given_elsewhere = {}
    for origin, (section, key), value in overrides:
        table = raw.setdefault(section, {})
        if isinstance(table, dict):
            table[key] = value
            given_elsewhere[f"{section}.{key}"] = origin
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        problems = (_describe(source, e, given_elsewhere) for e in error.errors())
        raise ConfigError("\n".join(problems)) from None
    _check_combinations(source, settings)
    return settings


def _describe(source: Path, error: Any, given_elsewhere: dict[str, str]) -> str:
    key = ".".join(str(part) for part in error["loc"]) or "(top level)"
    env = f" (from {given_elsewhere[key]})" if key in given_elsewhere else ""
    problem = {
        "extra_forbidden": "unknown key; see config.example.toml for the keys there are",
        "model_type": "must be a table, e.g. [section]",
    }.get(error["type"], error["msg"].removeprefix("Value error, "))
    return f"{source}: {key}{env}: {problem}"


def _check_combinations(source: Path, settings: Settings) -> None:
    slack = settings.slack
    if slack.install:
        _check_install(source, slack)
        return
    if slack.bot_token is None:
        return
    if slack.mode == "socket" and slack.app_token is None:
        raise ConfigError(
            f"{source}: slack.app_token: Socket Mode needs an app-level token "
            '(set $SLACK_APP_TOKEN), or use slack.mode = "http"'
        )
    if slack.mode == "http" and slack.signing_secret is None:
        raise ConfigError(
            f"{source}: slack.signing_secret: HTTP mode needs the signing secret "
            "(set $SLACK_SIGNING_SECRET)"
        )


def _check_install(source: Path, slack: SlackSettings) -> None:
    """Installed by OAuth: HTTP mode, the app's credentials, and no one bot token."""
    problems = [
        ("mode", slack.mode != "http", 'installing by OAuth needs slack.mode = "http"'),
        (
            "client_id",
            slack.client_id is None,
            "installing by OAuth needs the app's client id "
            "(Basic Information, App Credentials; or set $SLACK_CLIENT_ID)",
        ),
        (
            "client_secret",
            slack.client_secret is None,
            "installing by OAuth needs the app's client secret (set $SLACK_CLIENT_SECRET)",
        ),
        (
            "signing_secret",
            slack.signing_secret is None,
            "HTTP mode needs the signing secret (set $SLACK_SIGNING_SECRET)",
        ),
        (
            "bot_token",
            slack.bot_token is not None,
            "installed by OAuth, each workspace has its own token: leave $SLACK_BOT_TOKEN unset",
        ),
    ]
    for key, wrong, why in problems:
        if wrong:
            raise ConfigError(f"{source}: slack.{key}: {why}")
