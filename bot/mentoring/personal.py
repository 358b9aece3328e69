"""What mentoring keeps about a member, for `/privacy export` and `/privacy erase`."""

from __future__ import annotations

from bot.kernel.context import Context
from bot.kernel.members import Member
from bot.mentoring.model import OPEN, RequestStatus
from bot.mentoring.settings import INBOX


async def export(context: Context, member: Member) -> dict[str, object]:
    mentoring = context.uow.mentoring
    mentor = await mentoring.mentor(member.id)
    avoided = await context.uow.members.by_ids(await mentoring.avoided_by(member.id))
    everything = [*OPEN, RequestStatus.MATCHED, RequestStatus.CANCELLED]
    return {
        "mentor": None
        if mentor is None
        else {
            "topics": list(mentor.topics),
            "capacity": mentor.capacity,
            "paused": mentor.paused,
            "paused_until": mentor.paused_until.isoformat() if mentor.paused_until else None,
        },
        "dont_match_with": sorted(m.display_name for m in avoided.values()),
        "requests": [
            {
                "topic": r.topic,
                "note": r.note,
                "status": r.status.value,
                "created_at": r.created_at.isoformat(),
            }
            for r in await mentoring.requests(everything, mentee_id=member.id)
        ],
        "matches": [
            {
                "id": m.id,
                "topic": m.topic,
                "role": "mentor" if m.mentor_id == member.id else "mentee",
                "started_at": m.started_at.isoformat(),
                "ended_at": m.ended_at.isoformat() if m.ended_at else None,
            }
            for m in await mentoring.matches(member.id, active=False)
        ],
        "feedback": [
            {"match": f.match_id, "met": f.met, "rating": f.rating}
            for f in await mentoring.feedback_by(member.id)
        ],
    }


async def erase(context: Context, member: Member) -> None:
    await context.uow.mentoring.forget(member.id, context.now)
    await context.uow.settings.put(f"{INBOX}{member.id}", None)
