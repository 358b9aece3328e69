from tests.slack.conftest import ALICE
from tests.slack.workspace import Workspace, text_of


async def test_help(workspace: Workspace) -> None:
    sent = await workspace.command(ALICE, "help")
    assert sent.status == 200
    reply = await sent.reply()
    print(reply)
    assert "/cop profile set" in text_of(reply)
