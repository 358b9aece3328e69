"""`copbot console`: copbot in this terminal, or a script of console lines (the golden
tests' way to run it)."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console

from adapters.console.chat import ConsoleChat, ConsoleClock
from adapters.console.render import printable
from adapters.console.session import ConsoleCommunity, ConsoleSession
from bot.kernel.catalog import Catalog
from copbot.bootstrap import log_to_terminal, open_app, serving_process
from copbot.config import Settings
from copbot.ops import Operations
from copbot.pages import serve_pages, serving_pages, web_catalog

T = TypeVar("T")


def console(settings: Settings, script: Path | None) -> int:
    if script is not None:
        try:
            lines = read_script(script)
        except (OSError, ValueError) as error:
            print(f"can't read the script: {error}", file=sys.stderr)
            return 2
        asyncio.run(run_script(lines, settings, print, echo=True))
        return 0
    log_to_terminal(settings)
    with serving_process():
        _Terminal(settings).run()
    return 0


def read_script(path: Path) -> list[str]:
    """The lines of a script: UTF-8 (a byte that isn't is named), split at line ends only
    (a vertical tab or form feed inside a line stays in it, for the core to refuse)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ValueError(
            f"{path} isn't UTF-8 text: line {line} has the byte 0x{data[error.start]:02x}"
        ) from None
    return [line.removesuffix("\r") for line in text.split("\n")]


async def run_script(
    lines: list[str],
    settings: Settings,
    write: Callable[[str], None],
    *,
    echo: bool,
    catalog: Catalog | None = None,
) -> None:
    """Feed `lines` to a console session; with `echo` each input line is printed as `> line`."""
    chat = ConsoleChat(write)
    clock = ConsoleClock()
    async with open_app(settings.database.url, chat=chat, clock=clock, catalog=catalog) as app:
        session = ConsoleSession(
            core=app.core,
            chat=chat,
            clock=clock,
            community=community_of(settings),
            catch_up=app.timer.catch_up,
            settle=app.outbox.drain,
        )
        await session.resume_clock()
        for line in lines:
            if echo and line.strip():
                write(printable(f"> {line.strip()}"))
            await session.handle(line)


class _Terminal:
    """The console on a terminal. Lines are read on the main thread, where Ctrl-C arrives
    (as a KeyboardInterrupt out of `input`), and copbot runs on an event loop in a thread of
    its own: so Ctrl-C ends the console at once, and no read left waiting keeps it open."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.out = Console(highlight=False, markup=False)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="copbot-console")

    def run(self) -> None:
        self.thread.start()
        opened = AsyncExitStack()
        try:
            session = self._wait(self._open(opened))
            self._read(session)
        except KeyboardInterrupt:
            self.out.print()
        finally:
            self._wait(opened.aclose())
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
            self.loop.close()

    def _wait(self, work: Coroutine[Any, Any, T]) -> T:
        running = asyncio.run_coroutine_threadsafe(work, self.loop)
        try:
            return running.result()
        except KeyboardInterrupt:
            running.cancel()  # the line is dropped; its unit of work rolls back
            raise

    async def _open(self, opened: AsyncExitStack) -> ConsoleSession:
        settings, out = self.settings, self.out
        # Not wrapped by rich: a long line (a `/web` link) stays whole when copied.
        chat = ConsoleChat(lambda line: out.print(line, soft_wrap=True))
        clock, community = ConsoleClock(), community_of(settings)
        ops = Operations()
        app = await opened.enter_async_context(
            open_app(
                settings.database.url,
                chat=chat,
                clock=clock,
                catalog=web_catalog(settings),
                grace=settings.prompts.grace,
                ops=ops,
            )
        )
        pages = await opened.enter_async_context(serving_pages(settings))
        if settings.serves_ops():  # only when the config asks: `[ops] enabled = true`
            await opened.enter_async_context(ops.serving(settings.ops.host, settings.ops.port))
        session = ConsoleSession(
            core=app.core,
            chat=chat,
            clock=clock,
            community=community,
            catch_up=app.timer.catch_up,
            settle=app.outbox.drain,
        )
        serve_pages(pages, session.key.platform, app.core)
        await session.resume_clock()
        await app.timer.start()
        out.print(
            f"copbot console: community “{community.name}”, database "
            f"{settings.database.shown()}\nYou are {community.user} in #{community.channel}. "
            "Try /help, act as someone else with `alice: /profile show`, press buttons with "
            "`[Label]`. Ctrl-D quits."
        )
        if pages is not None:
            out.print(f"Web pages: {pages.base_url} (`/web` gives you a sign-in link)")
        return session

    def _read(self, session: ConsoleSession) -> None:
        while True:
            try:
                line = input(f"{session.community.user}> ")
            except EOFError:
                self.out.print()
                return
            except UnicodeDecodeError:
                session.chat.note("That line isn't UTF-8 text; nothing was done.")
                continue
            self._wait(session.handle(line))


def community_of(settings: Settings) -> ConsoleCommunity:
    console = settings.console
    return ConsoleCommunity(
        name=console.community,
        channel=console.channel,
        user=console.user,
        moderators=frozenset(console.moderators),
    )
