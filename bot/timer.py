"""APScheduler as copbot's alarm clock: a cron job per prompt schedule, in the schedule's
timezone, each running the idempotent `PromptRunner`, and a job every minute for the
`MentorRunner` (answer deadlines, asks a crash left unsent, scheduled rounds).

Its job store is in memory and never shared: two processes on one job store run most jobs
twice. Exactly-once comes from the occurrence claim in the database instead, so every
process may run its own timer.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.mentoring.runner import MentorRunner
from bot.prompts.runner import GRACE, PromptRunner

log = logging.getLogger(__name__)
RESYNC = timedelta(minutes=5)  # schedules made by a command or another process join this soon
MENTORING = timedelta(minutes=1)  # answer deadlines are kept to the minute
_OWN_JOBS = ("resync", "mentoring")


class Timer:
    def __init__(
        self, runner: PromptRunner, mentoring: MentorRunner, *, grace: timedelta = GRACE
    ) -> None:
        self.runner = runner
        self.mentoring = mentoring
        self.grace = grace
        self.scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    async def start(self) -> None:
        """Catch up on what fell due while copbot was down, then wake at each due time."""
        await self.fire()
        await self.sync()
        await self.mentoring.run_due()
        self.scheduler.add_job(
            self.resync, IntervalTrigger(seconds=RESYNC.total_seconds()), id="resync"
        )
        self.scheduler.add_job(
            self.mentoring.run_due,
            IntervalTrigger(seconds=MENTORING.total_seconds()),
            id="mentoring",
        )
        self.scheduler.start()

    async def resync(self) -> None:
        """Pick up schedules made or changed elsewhere, and post anything their jobs missed."""
        await self.sync()
        await self.fire()

    async def sync(self) -> None:
        wanted = {}
        for community in await self.runner.store.communities_with_schedules():
            async with self.runner.store.unit_of_work(community) as uow:
                for schedule in await uow.prompts.schedules():
                    if not schedule.paused:
                        wanted[f"{community.platform}:{community.id}:{schedule.id}"] = schedule
        for job in self.scheduler.get_jobs():
            if job.id not in _OWN_JOBS and job.id not in wanted:
                job.remove()
        for job_id, schedule in wanted.items():
            self.scheduler.add_job(self.fire, schedule.trigger(), id=job_id, replace_existing=True)

    async def fire(self) -> None:
        posted = await self.runner.run_due(grace=self.grace)
        if posted:
            log.info("posted %d prompt(s)", posted)

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
