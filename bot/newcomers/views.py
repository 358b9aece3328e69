"""How a newcomer's steps look, in the welcome, `/start`, the home tab and the preview."""

from __future__ import annotations

from bot.kernel.messages import Card, CardField, Reply
from bot.newcomers.model import Steps

STEPS = (
    ("Fill in your profile", "`/profile edit`, or `/profile set` with what you teach and learn"),
    ("Answer this week's prompt", "reply in the thread of the weekly prompt's latest post"),
    ("Find a mentor or join intros", "`/mentor request` on a topic, or `/intro join`"),
)
NONE_DONE = Steps(profile=False, answered=False, connected=False)


def welcome(words: str, steps: Steps) -> Reply:
    return Reply(words, cards=(steps_card(steps),), ephemeral=True)


def steps_card(steps: Steps) -> Card:
    done = (steps.profile, steps.answered, steps.connected)
    return Card(
        "Your first steps",
        fields=tuple(
            CardField(
                f"{'✅' if finished else '⬜'} {step}",
                "Done." if finished else f"Not yet: {how}.",
                inline=False,
            )
            for (step, how), finished in zip(STEPS, done, strict=True)
        ),
        footer="/start shows them again.",
    )
