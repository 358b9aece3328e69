"""APScheduler as copbot's alarm clock for the runners it is handed: each runs at start-up,
every `Runner.every`, and at each of its alarms (a cron job in the alarm's timezone, such
as a prompt schedule's time). The timer knows no capability.

Its job store is in memory and never shared: two processes on one job store run most jobs
twice. Exactly-once comes from the runners' claims in the database instead, so every
process may run its own timer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.common.cadence import Cadence
from bot.kernel.runners import GRACE, Runner

log = logging.getLogger(__name__)
RESYNC = timedelta(minutes=5)  # alarms made by a command or another process join this soon
ALARM = "alarm:"  # the prefix of alarm jobs, which `sync` adds and removes


class Timer:
    def __init__(self, runners: Sequence[Runner], *, grace: timedelta = GRACE) -> None:
        self.runners = runners
        self.grace = grace
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    async def start(self) -> None:
        """Catch up on what fell due while copbot was down, then wake at each due time."""
        for runner in self.runners:
            await self.run(runner)
        await self.sync()
        for n, runner in enumerate(self.runners):
            every = IntervalTrigger(seconds=runner.every.total_seconds())
            self.scheduler.add_job(self.run, every, args=[runner], id=f"every:{n}")
        self.scheduler.add_job(
            self.sync, IntervalTrigger(seconds=RESYNC.total_seconds()), id="sync"
        )
        self.scheduler.start()

    async def run(self, runner: Runner) -> None:
        done = await runner.run_due(grace=self.grace)
        if done:
            log.info("%s did %d thing(s)", type(runner).__name__, done)

    async def catch_up(self) -> None:
        """Everything due now, late or not: time jumped while copbot ran all along (the
        console's `@advance`)."""
        for runner in self.runners:
            await runner.run_due(grace=None)

    async def sync(self) -> None:
        """The runners' alarms as cron jobs: new ones added, changed ones replaced, gone
        ones removed."""
        wanted: dict[str, tuple[Runner, Cadence]] = {}
        for n, runner in enumerate(self.runners):
            for key, cadence in (await runner.alarms()).items():
                wanted[f"{ALARM}{n}:{key}"] = (runner, cadence)
        for job in self.scheduler.get_jobs():
            if job.id.startswith(ALARM) and job.id not in wanted:
                job.remove()
        for job_id, (runner, cadence) in wanted.items():
            self.scheduler.add_job(
                self.run, cadence.trigger(), args=[runner], id=job_id, replace_existing=True
            )

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
