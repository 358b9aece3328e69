"""The outbox of one community: sends recorded by units of work, taken by the sender.

Claiming is a read and a conditional update in the sender's own short unit of work; on
PostgreSQL the read skips rows another process has locked (`FOR UPDATE SKIP LOCKED`), so
two processes claiming at once take different sends. A send whose last attempt's lease
ran out is claimed again, and the window of that attempt is kept, so the next one can
look on the platform for what it did.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update

from bot.common.offload import off_loop
from bot.kernel.messages import MessageRef
from bot.kernel.repositories import Queued
from bot.kernel.sends import (
    Delivered,
    Send,
    Window,
    decode_ref,
    decode_steps,
    encode_ref,
    encode_steps,
)
from storage.database import Db
from storage.schema import DIALECTS, insert_new, outbox

WAITING, SENDING, SENT = "waiting", "sending", "sent"
FINISHED = (SENT, "refused", "dropped")

_CLAIM = (
    update(outbox)
    .where(outbox.c.id == bindparam("b_id"))
    .values(
        status=SENDING,
        claimed_by=bindparam("b_claimer"),
        claimed_at=bindparam("b_now"),
        attempts=outbox.c.attempts + 1,
        windows=bindparam("b_windows"),
    )
)
_INSERT = {dialect: insert_new(dialect, outbox, ["community_id", "key"]) for dialect in DIALECTS}
_DUE = (
    select(outbox)
    .where(
        outbox.c.community_id == bindparam("cid"),
        or_(
            and_(outbox.c.status == WAITING, outbox.c.due_at <= bindparam("now")),
            and_(outbox.c.status == SENDING, outbox.c.claimed_at <= bindparam("stale")),
        ),
    )
    .order_by(outbox.c.id)
    .limit(bindparam("limit"))
)
# On PostgreSQL the read skips rows another process has locked.
_TAKE = {"sqlite": _DUE, "postgresql": _DUE.with_for_update(skip_locked=True)}
# Only a send under way ends or goes back: one a stopping process cut short just after it
# was recorded as sent stays sent.
_FINISH = update(outbox).where(
    outbox.c.community_id == bindparam("cid"),
    outbox.c.id == bindparam("send_id"),
    outbox.c.status == SENDING,
)


def due(now: datetime, lease: timedelta) -> Any:
    """Sends to take now: waiting and due, or taken by a process that stopped."""
    return or_(
        and_(outbox.c.status == WAITING, outbox.c.due_at <= now),
        and_(outbox.c.status == SENDING, outbox.c.claimed_at <= now - lease),
    )


class SqlOutboxRepository:
    def __init__(self, db: Db, community_id: int) -> None:
        self._db = db
        self._community_id = community_id
        self.recorded = False

    async def add(self, send: Send, now: datetime) -> bool:
        added = await self._db.execute(_INSERT[self._db.dialect], self._row(send, now))
        self.recorded |= added.rowcount == 1
        return added.rowcount == 1

    async def add_all(self, sends: Sequence[Send], now: datetime) -> None:
        if sends:
            rows = await off_loop(lambda: [self._row(send, now) for send in sends], len(sends))
            await self._db.execute(_INSERT[self._db.dialect], rows)
            self.recorded = True

    def _row(self, send: Send, now: datetime) -> dict[str, Any]:
        return {
            "community_id": self._community_id,
            "kind": send.kind,
            "key": send.key,
            "steps": json.dumps(encode_steps(send.steps), ensure_ascii=False),
            "args": json.dumps(dict(send.args), ensure_ascii=False),
            "status": WAITING,
            "due_at": send.due_at or now,
            "attempts": 0,
            "progress": "[]",
            "windows": "[]",
            "created_at": now,
        }

    async def claim(
        self, claimer: str, now: datetime, lease: timedelta, limit: int
    ) -> list[Queued]:
        rows = (
            await self._db.execute(
                _TAKE[self._db.dialect],
                {"cid": self._community_id, "now": now, "stale": now - lease, "limit": limit},
            )
        ).all()
        if not rows:
            return []
        claimed = [_queued(row, now, lease) for row in rows]
        await self._db.execute(
            _CLAIM,
            [
                {
                    "b_id": q.id,
                    "b_claimer": claimer,
                    "b_now": now,
                    "b_windows": _windows_json(q.windows),
                }
                for q in claimed
            ],
        )
        return claimed

    async def hand_back(self, send_ids: Sequence[int]) -> None:
        if send_ids:
            await self._db.execute(
                update(outbox)
                .where(
                    outbox.c.community_id == self._community_id,
                    outbox.c.id.in_(send_ids),
                    outbox.c.status == SENDING,
                )
                .values(
                    status=WAITING, claimed_by=None, claimed_at=None, attempts=outbox.c.attempts - 1
                )
            )

    async def done(self, send_id: int, delivered: Delivered, now: datetime) -> None:
        await self._finish(
            send_id, status=SENT, progress=_refs_json(delivered.refs), finished_at=now
        )

    async def retry(
        self,
        queued: Queued,
        progress: Sequence[MessageRef | None],
        due_at: datetime,
        error: str,
        now: datetime,
    ) -> None:
        await self._finish(
            queued.id,
            status=WAITING,
            due_at=due_at,
            progress=_refs_json(progress),
            windows=_windows_json((*queued.windows, (queued.claimed_at, now))),
            error=error,
        )

    async def finish(self, send_id: int, status: str, error: str, now: datetime) -> None:
        await self._finish(send_id, status=status, error=error, finished_at=now)

    async def _finish(self, send_id: int, **values: Any) -> None:
        if "finished_at" in values:  # done with: only its key and the ids it made stay
            values.update(steps="[]", args="{}")
        self._db.later(_FINISH, {"cid": self._community_id, "send_id": send_id, **values})


def _queued(row: Any, now: datetime, lease: timedelta) -> Queued:
    windows = tuple(
        (datetime.fromisoformat(start), datetime.fromisoformat(end))
        for start, end in json.loads(row.windows)
    )
    if row.status == SENDING:  # its process stopped mid-attempt: it may have done some steps
        windows += ((row.claimed_at, row.claimed_at + lease),)
    send = Send(
        row.kind, row.key, decode_steps(json.loads(row.steps)), json.loads(row.args), row.due_at
    )
    progress = tuple(decode_ref(ref) for ref in json.loads(row.progress))
    return Queued(row.id, send, row.attempts + 1, now, progress, windows)


def _refs_json(refs: Sequence[MessageRef | None]) -> str:
    return json.dumps([encode_ref(ref) for ref in refs], ensure_ascii=False)


def _windows_json(windows: Sequence[Window]) -> str:
    return json.dumps([[start.isoformat(), end.isoformat()] for start, end in windows])
