"""What this machine does per second right now, measured beside a benchmark's figures so
figures from different machines (or a busy moment) compare as ratios."""

from __future__ import annotations

import sqlite3
import time


def sqlite_reads_per_second(seconds: float = 1.0) -> float:
    """Raw SQLite statements per second: one-row primary-key reads of a small in-memory
    table through plain sqlite3."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    db.executemany("INSERT INTO t VALUES (?, ?)", ((n, str(n)) for n in range(1000)))
    done, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for n in range(1000):
            db.execute("SELECT v FROM t WHERE id = ?", (n,)).fetchone()
        done += 1000
    db.close()
    return done / (time.perf_counter() - began)
