"""The audit log: what moderators changed with their rights, written by the core in the
change's own unit of work; reads, refusals and members' own changes are not in it."""

from __future__ import annotations

from bot.kernel.core import Core
from tests.fakes import FakeChat, Talk


def lines(reply_text: str) -> list[str]:
    return [line for line in reply_text.splitlines() if " · " in line]


async def test_moderators_changes_are_logged_and_reads_refusals_and_members_are_not(
    talk: Talk,
) -> None:
    await talk("mod", "/prompt add 'What did you ship?'")
    await talk("mod", "/prompt list")  # a read
    refused = await talk("mod", "/prompt schedule weekly someday 09:00 UTC")
    assert refused.error
    await talk("alice", "/profile set skills:python")  # a member's own change
    log = await talk("mod", "/audit")
    assert log.ephemeral and not log.error
    [entry] = lines(log.text)
    assert "Mod · `/prompt add` (text=What did you ship?)" in entry
    assert len(lines((await talk("mod", "/audit")).text)) == 1  # reading it adds nothing


async def test_only_moderators_read_the_log(talk: Talk) -> None:
    refused = await talk("alice", "/audit")
    assert refused.error and "moderators only" in refused.text


async def test_a_moderators_button_is_checked_by_the_core_and_logged(
    talk: Talk, chat: FakeChat
) -> None:
    await talk("mod", "/prompt moderators #mods")
    await talk("alice", '/prompt suggest "What tool changed how you work?"')
    notice = chat.posted_to("mods")[-1]
    forged = await talk.press("alice", "Approve", on=notice)
    assert forged.error and "Only moderators can do that" in forged.text
    await talk.press("mod", "Approve", on=notice)
    newest = lines((await talk("mod", "/audit")).text)[0]
    assert "Mod · `prompt.approve` (1)" in newest


async def test_a_moderator_changing_a_members_resource_is_logged(talk: Talk) -> None:
    await talk("alice", '/library add url:"https://example.org/a" title:"A guide"')
    await talk("alice", '/library edit id:1 title:"A better guide"')  # her own
    await talk("mod", '/library edit id:1 title:"The guide"')  # someone else's
    await talk("mod", "/library remove id:1")  # only asks for confirmation
    await talk.press("mod", "Remove")
    entries = lines((await talk("mod", "/audit")).text)
    assert len(entries) == 2
    assert "`library.remove` (1)" in entries[0]
    assert "`/library edit` (id=1, title=The guide)" in entries[1]


async def test_the_log_pages_and_filters_by_moderator(core: Core) -> None:
    talk = Talk(core, moderators=frozenset({"mod", "ann"}))
    for n in range(18):
        await talk("mod" if n % 3 else "ann", f"/prompt add 'Prompt number {n}'")
    first = await talk("mod", "/audit")
    assert len(lines(first.text)) == 15 and "number 17" in lines(first.text)[0]
    older = await talk.press("mod", "Older", on=first)
    assert len(lines(older.text)) == 3 and "number 0" in lines(older.text)[-1]
    assert [b.label for b in older.buttons] == ["Newer"]
    anns = await talk("mod", "/audit member:@ann")
    assert len(lines(anns.text)) == 6 and all("Ann ·" in line for line in lines(anns.text))


async def test_a_moderators_export_holds_their_changes(talk: Talk, chat: FakeChat) -> None:
    await talk("mod", "/prompt add 'What did you ship?'")
    await talk("mod", "/privacy export")
    [change] = talk.json("mod")["audit"]["moderator_changes"]
    assert change["what"] == "/prompt add" and change["detail"] == "text=What did you ship?"


async def test_posting_a_prompt_now_is_logged(talk: Talk, chat: FakeChat) -> None:
    """Post-now writes nothing itself: the runner posts once the command commits."""
    await talk("mod", "/prompt schedule weekly monday 09:00 UTC")
    await talk("mod", "/prompt post-now schedule:1")
    assert chat.posted_to("weekly")
    newest = lines((await talk("mod", "/audit")).text)[0]
    assert "Mod · `/prompt post-now` (schedule=1)" in newest
