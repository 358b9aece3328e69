"""A platform for the benchmarks that kill copbot mid-way: every post is a line in an
append-only file that outlives the process (a SIGKILL, a restart), and lookups are answered
only from what that file holds, by the time the platform stamped each post, as a real
platform's history is read by message time. It dedupes nothing.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.kernel.messages import CommunityKey, MessageRef, Reply
from bot.kernel.ports import ChatLimits, Clock, MemberInfo
from bot.kernel.sends import Window


@dataclass(frozen=True)
class Line:
    """One post as the platform stored it."""

    key: str
    community: str
    channel: str
    at: datetime
    pid: int


def read_log(log: Path) -> list[Line]:
    return [_parse(line) for line in log.read_text().splitlines()] if log.exists() else []


def _parse(line: str) -> Line:
    key, where, at, pid = line.split("\t")
    community, channel = where.split("/", 1)
    return Line(key, community, channel, datetime.fromisoformat(at), int(pid))


class LoggedChat:
    """The platform as one process sees it: its posts go to the shared log (stamped with
    `clock`'s time), and `find_post` reads every process's posts from it, tailing the file
    so a lookup costs only what was appended since the last one."""

    def __init__(self, log: Path, clock: Clock, limits: ChatLimits | None = None) -> None:
        self.log, self.clock, self.limits = log, clock, limits or ChatLimits()
        self._fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        self._read = 0  # bytes of the log already indexed
        self._posted: dict[str, list[datetime]] = defaultdict(list)
        self.requests = 0
        self.found = 0  # lookups that found a post

    def store(
        self, community: CommunityKey, channel_id: str, key: str | None, thread_id: str | None
    ) -> MessageRef:
        """The post, kept by the platform (one write, so a SIGKILL leaves no half line)."""
        line = f"{key}\t{community.id}/{channel_id}\t{self.clock.now().isoformat()}\t{os.getpid()}"
        os.write(self._fd, f"{line}\n".encode())
        return MessageRef("bench", channel_id, key or "x", thread_id)

    def posted(self) -> dict[str, list[datetime]]:
        """Every key posted so far, by any process, with when."""
        with self.log.open("rb") as file:
            file.seek(self._read)
            appended = file.read()
        whole = appended[: appended.rfind(b"\n") + 1]  # a line still being written waits
        self._read += len(whole)
        for line in whole.decode().splitlines():
            parsed = _parse(line)
            self._posted[parsed.key].append(parsed.at)
        return self._posted

    async def post(
        self,
        community: CommunityKey,
        channel_id: str,
        reply: Reply,
        *,
        thread_id: str | None = None,
        key: str | None = None,
    ) -> MessageRef:
        self.requests += 1
        await self.answer(community, "post")
        ref = self.store(community, channel_id, key, thread_id)
        self.stored(key)
        return ref

    async def find_post(
        self,
        community: CommunityKey,
        channel_id: str,
        key: str,
        windows: Sequence[Window],
        *,
        thread_id: str | None = None,
    ) -> MessageRef | None:
        self.requests += 1
        await self.answer(community, "lookup")
        times = self.posted().get(key, [])
        if any(start <= at <= end for at in times for start, end in windows):
            self.found += 1
            return MessageRef("bench", channel_id, key, thread_id)
        return None

    async def answer(self, community: CommunityKey, call: str) -> None:
        """Before the platform does a "post" or a "lookup": where a platform that is slow or
        failing waits or raises."""

    def stored(self, key: str | None) -> None:
        """Right after a post was stored: where it is counted, or fails anyway (the caller
        then sees a failure for a post that happened)."""

    async def start_thread(
        self, community: CommunityKey, message: MessageRef, name: str
    ) -> MessageRef:
        self.requests += 1
        return MessageRef("bench", message.channel_id, message.message_id, "t")

    async def open_private_space(
        self, community: CommunityKey, channel_id: str, user_ids: Sequence[str], name: str
    ) -> MessageRef:
        return MessageRef("bench", channel_id, "", "space")

    async def find_space(
        self,
        community: CommunityKey,
        channel_id: str,
        user_ids: Sequence[str],
        name: str,
        windows: Sequence[Window],
    ) -> MessageRef | None:
        return None

    async def dm_channel(self, community: CommunityKey, user_id: str) -> str:
        return f"dm-{user_id}"

    async def member_info(self, community: CommunityKey, user_id: str) -> MemberInfo | None:
        return None

    async def channel_exists(self, community: CommunityKey, channel_id: str) -> bool:
        return True

    async def pin(self, community: CommunityKey, message: MessageRef) -> None:
        return None

    async def unpin(self, community: CommunityKey, message: MessageRef) -> None:
        return None
