"""What mentoring keeps about a member, for `/privacy export` and `/privacy erase`."""

from __future__ import annotations

from bot.kernel.personal import Erased, Kept

KEPT = (
    # First: it finds the sends by the requests and matches the kinds below erase.
    Kept(
        "news_to_come",
        "reminders and check-ins copbot will send later, to you or about you",
        Erased.DELETED,
    ),
    Kept(
        "mentor_offer",
        "the topics you mentor, your capacity and pauses, and how many asks in a row you "
        "let time out",
        Erased.DELETED,
    ),
    Kept("dont_match_with", "your confidential don't-match list", Erased.DELETED),
    Kept(
        "on_others_lists",
        "other members' confidential don't-match lists that name you",
        Erased.KEPT,
        "the lists are theirs: they name a former member, and still keep you apart if you "
        "come back, by a one-way hash of your platform id",
    ),
    Kept(
        "requests",
        "your mentor requests: topic, note, goal, status",
        Erased.ANONYMISED,
        "open and closed ones go; one that became a match stays for the match, without its "
        "note and goal",
    ),
    Kept(
        "asked_to_mentor",
        "requests you are being asked to take",
        Erased.ANONYMISED,
        "they go back to the waitlist for another mentor",
    ),
    Kept(
        "asks_moved_on",
        "requests that moved on from you (withdrawn, declined, timed out, given to another "
        "mentor), and why",
        Erased.DELETED,
    ),
    Kept(
        "declines",
        "requests you declined or let time out, and mentors who passed on yours",
        Erased.DELETED,
    ),
    Kept(
        "matches",
        "your matches as mentor or mentee",
        Erased.ANONYMISED,
        "active ones end and the other side is told; all stay in their history (and keep a "
        "pair from repeating), with a former member in your place",
    ),
    Kept(
        "feedback",
        "whether you met, your ratings, what changed for you and whether moderators may name you",
        Erased.DELETED,
    ),
    Kept("private_space", "where copbot writes to you privately", Erased.DELETED),
    Kept(
        "round_plans",
        "moderators' plans of matching rounds that included you",
        Erased.KEPT,
        "the moderators' history: it names only copbot's number for you, which names "
        "nobody after an erase, and a plan re-checks every pair before anyone is asked",
    ),
)
