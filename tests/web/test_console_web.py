"""`copbot console` as a whole process, as `./dev run` starts it without tokens: it prints
the pages' local address, and `/web` typed there prints a link that signs a browser in."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from pathlib import Path

from aiohttp.test_utils import unused_port

from tests.web.site import LINK


def test_the_console_serves_the_pages_and_web_prints_a_working_link(tmp_path: Path) -> None:
    port = unused_port()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "copbot.db"}"\n[web]\nport = {port}\n'
    )
    console = subprocess.Popen(
        [sys.executable, "-m", "copbot", "--config", str(config), "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert console.stdin is not None and console.stdout is not None
    try:
        lines = []
        for line in console.stdout:  # up to the address, then ask for a link
            lines.append(line)
            if line.startswith("Web pages:"):
                break
        assert f"Web pages: http://127.0.0.1:{port}" in lines[-1], lines
        console.stdin.write("/web\n")
        console.stdin.flush()
        link = None
        for line in console.stdout:
            found = LINK.search(line)
            if found:
                link = found[0]
                assert f"http://127.0.0.1:{port}{link}" in line
                break
        assert link is not None
        web = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        web.request("POST", link)
        signed = web.getresponse()
        signed.read()
        assert signed.status == 303
        cookie = re.match(r"copbot_session=([^;]+)", signed.getheader("Set-Cookie") or "")
        assert cookie is not None
        web.request("GET", "/c/console/local/", headers={"Cookie": f"copbot_session={cookie[1]}"})
        home = web.getresponse()
        assert home.status == 200 and "Signed in as mod (moderator)." in home.read().decode()
    finally:
        console.stdin.close()
        console.wait(timeout=30)
        console.stdout.close()
