"""Config loading, validation and the CLI's config-facing commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from copbot.cli import main
from copbot.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_no_file_means_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={})
    assert settings.database.url == "sqlite:///copbot.db"
    assert settings.runs_console() and settings.platforms() == []
    assert settings.console.user == "mod" and settings.console.moderators == ("mod",)


def test_the_example_config_is_valid() -> None:
    example = Path(__file__).parents[1] / "config.example.toml"
    assert load_settings(example, environ={}).slack.mode == "socket"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite:///a.db"\n')
    settings = load_settings(
        path,
        environ={
            "COPBOT_DATABASE_URL": "postgresql://postgres@127.0.0.1/test",
            "DISCORD_TOKEN": "abc",
        },
    )
    assert settings.database.url == "postgresql://postgres@127.0.0.1/test"
    assert settings.discord.token is not None and settings.discord.token.get_secret_value() == "abc"
    assert settings.platforms() == ["discord"] and not settings.runs_console()
    assert "abc" not in repr(settings)


INSTALL = "[slack]\nmode = 'http'\ninstall = true\nsigning_secret = 's'\n"
APP = {"SLACK_CLIENT_ID": "1234.5678", "SLACK_CLIENT_SECRET": "shh"}


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ('[databse]\nurl = "x"\n', {}, "config.toml: databse: unknown key"),
        ('[database]\nurl = "mysql://x/y"\n', {}, "database.url: use sqlite:///FILE or postgresql"),
        ('[database]\nurl = "nonsense"\n', {}, "database.url: not a database URL"),
        (
            '[slack]\nmode = "carrier-pigeon"\n',
            {},
            "slack.mode: Input should be 'socket' or 'http'",
        ),
        ("[console]\nchannel = 'Has Spaces'\n", {}, "console.channel: String should match"),
        ("log_level = 'LOUD'\n", {}, "log_level: Input should be"),
        ("database = 3\n", {}, "database: must be a table"),
        ("[slack\n", {}, "config.toml: not valid TOML"),
        ("", {"SLACK_BOT_TOKEN": "nope"}, "slack.bot_token (from $SLACK_BOT_TOKEN): a bot token"),
        (
            "",
            {"SLACK_BOT_TOKEN": "xoxb-1"},
            "slack.app_token: Socket Mode needs an app-level token",
        ),
        ("[slack]\nmode = 'http'\n", {"SLACK_BOT_TOKEN": "xoxb-1"}, "slack.signing_secret"),
        (
            "[slack]\ninstall = true\n",
            {},
            'slack.mode: installing by OAuth needs slack.mode = "http"',
        ),
        ("[slack]\ninstall = 'yes'\n", {}, "slack.install: Input should be a valid boolean"),
        (INSTALL, {}, "slack.client_id: installing by OAuth needs the app's client id"),
        (INSTALL, {"SLACK_CLIENT_ID": "1.2"}, "slack.client_secret: installing by OAuth needs"),
        (INSTALL, {"SLACK_CLIENT_ID": "x"}, "slack.client_id (from $SLACK_CLIENT_ID): a client id"),
        (INSTALL + "public_url = 'http://x.org'\n", {}, "slack.public_url: a public https URL"),
        (INSTALL, {**APP, "SLACK_BOT_TOKEN": "xoxb-1"}, "slack.bot_token: installed by OAuth"),
        ("[discord]\nrest_proxy = 'nirn:8080'\n", {}, "discord.rest_proxy: the proxy's base URL"),
    ],
)
def test_mistakes_name_the_key_and_the_problem(
    tmp_path: Path, text: str, environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, text), environ=environ)
    assert message in str(raised.value)


def test_installing_by_oauth_takes_the_apps_credentials_from_the_environment(
    tmp_path: Path,
) -> None:
    text = INSTALL + "public_url = 'https://cop.example.org'\n"
    settings = load_settings(write(tmp_path, text), environ=APP)
    slack = settings.slack
    assert slack.install and slack.client_id == "1234.5678"
    assert slack.client_secret is not None and slack.client_secret.get_secret_value() == "shh"
    assert slack.token_rotation_expiration_minutes == 120
    assert settings.platforms() == ["slack"] and "shh" not in repr(settings)


def test_a_missing_file_named_explicitly_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_check_config_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, '[console]\ncommunity = "team"\n')
    assert main(["--config", str(good), "check-config"]) == 0
    assert "config OK" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text("[console]\nmoderators = 'everyone'\n")
    assert main(["--config", str(bad), "check-config"]) == 2
    assert "console.moderators" in capsys.readouterr().err


def test_migrate_reports_what_it_did(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = ["--database", f"sqlite:///{tmp_path / 'copbot.db'}"]
    assert main([*database, "migrate"]) == 0
    assert "database at revision 0023: upgraded from empty" in capsys.readouterr().out
    assert main([*database, "migrate"]) == 0
    assert "already up to date" in capsys.readouterr().out


def test_check_config_names_the_file_it_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check-config"]) == 0
    assert "(defaults: no config.toml here)" in capsys.readouterr().out
    write(tmp_path, '[console]\ncommunity = "team"\n')
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "config OK (config.toml)" in out and "no config.toml" not in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[database]\nurl = "sqlite://"\n', "database.url: copbot needs a SQLite file"),
        ('[database]\nurl = "sqlite:///:memory:"\n', "database.url: copbot needs a SQLite file"),
        ("[prompts]\ngrace_hours = true\n", "prompts.grace_hours: Input should be a valid number"),
        ('[console]\nenabled = "yes"\n', "console.enabled: Input should be a valid boolean"),
        ('[slack]\nport = "3000"\n', "slack.port: Input should be a valid integer"),
        ("[discord]\nshard_count = 2\nshard_ids = [true]\n", "discord.shard_ids.0"),
    ],
)
def test_values_run_would_refuse_are_refused_by_check_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    assert main(["--config", str(write(tmp_path, text)), "check-config"]) == 2
    assert message in capsys.readouterr().err


def test_the_database_option_is_checked_like_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database", "sqlite://", "check-config"]) == 2
    assert "database.url (from --database): copbot needs a SQLite file" in (capsys.readouterr().err)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("database = 3\n", "database: must be a table, e.g. [section]"),
        ("[console]\nchannel = 'Has Spaces'\n", "pattern '^[a-z0-9_-]{1,32}$'"),
    ],
)
def test_messages_are_printed_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, shown: str
) -> None:
    """Bracketed text in a message (a TOML table, a pattern) is not taken for markup."""
    assert main(["--config", str(write(tmp_path, text)), "check-config"]) == 2
    assert shown in capsys.readouterr().err


def test_urls_are_read_as_sqlalchemy_reads_them() -> None:
    """`storage.check.address` reads database URLs without SQLAlchemy (for a quick
    check-config); `storage.database` opens them with it: both agree."""
    from sqlalchemy.engine import make_url

    from storage.check import address

    for url in [
        "sqlite:///copbot.db",
        "sqlite:////var/lib/copbot/copbot.db",
        "sqlite+pysqlite:///data/c.db?timeout=5",
        "postgresql://copbot@db.internal/copbot",
        "postgresql+asyncpg://u:p@h:5433/d",
    ]:
        found, parsed = address(url), make_url(url)
        assert found.backend == parsed.get_backend_name()
        if found.backend == "sqlite":
            assert found.target == parsed.database
        else:
            assert make_url(found.target).database == parsed.database
            assert make_url(found.target).host == parsed.host
    for bad in ["sqlite://", "sqlite:///:memory:", "mysql://x/y", "nonsense"]:
        with pytest.raises(ValueError):
            address(bad)


def test_a_password_in_the_database_url_is_not_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '[database]\nurl = "postgresql://copbot:hunter2@127.0.0.1:1/db"\n')
    assert main(["--config", str(path), "check-config"]) == 1
    captured = capsys.readouterr()
    assert "postgresql://copbot:***@127.0.0.1:1/db" in captured.out
    assert "hunter2" not in captured.out + captured.err


def test_ops_are_served_beside_a_platform_and_in_the_console_only_when_asked(
    tmp_path: Path,
) -> None:
    console = load_settings(write(tmp_path, ""), environ={})
    assert not console.serves_ops() and console.log_format == "text"
    assert (console.ops.host, console.ops.port) == ("127.0.0.1", 8090)
    discord = load_settings(write(tmp_path, ""), environ={"DISCORD_TOKEN": "abc"})
    assert discord.serves_ops()
    asked = load_settings(write(tmp_path, "[ops]\nenabled = true\nport = 0\n"), environ={})
    assert asked.serves_ops() and asked.ops.port == 0
    off = load_settings(write(tmp_path, "[ops]\nenabled = false\n"), environ={"DISCORD_TOKEN": "a"})
    assert not off.serves_ops()
    with pytest.raises(ConfigError, match="log_format"):
        load_settings(write(tmp_path, 'log_format = "xml"\n'), environ={})
    with pytest.raises(ConfigError, match=r"ops\.port"):
        load_settings(write(tmp_path, '[ops]\nport = "8090"\n'), environ={})


def test_the_secrets_no_log_line_may_show(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurl = "postgresql://copbot:hunter2@db/copbot"\n')
    settings = load_settings(
        path, environ={"DISCORD_TOKEN": "discord-secret", "SLACK_SIGNING_SECRET": "signing"}
    )
    assert sorted(settings.secrets()) == ["discord-secret", "hunter2", "signing"]


def test_web_pages_default_to_this_machine(tmp_path: Path) -> None:
    web = load_settings(write(tmp_path, ""), environ={}).web
    assert (web.enabled, web.host, web.port, web.base_url) == (True, "127.0.0.1", 8080, None)
    assert web.public_url() == "http://127.0.0.1:8080"


def test_web_base_url_names_where_browsers_reach_the_pages(tmp_path: Path) -> None:
    text = "[web]\nhost = '0.0.0.0'\nport = 9000\nbase_url = 'https://cop.example.org/'\n"
    web = load_settings(write(tmp_path, text), environ={}).web
    assert web.public_url() == "https://cop.example.org"
    listening = load_settings(write(tmp_path, "[web]\nhost = '0.0.0.0'\nport = 9000\n"), environ={})
    assert listening.web.public_url() == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    "bad", ["base_url = 'ftp://x.org'", "base_url = 'https://x.org/?a=1'", "port = 70000"]
)
def test_bad_web_settings_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match="web"):
        load_settings(write(tmp_path, f"[web]\n{bad}\n"), environ={})
