"""
The front door as a newcomer meets it: on a fresh copy of the code (no .env, no database, no compiled
translations), `make run` serves the site, and every command that the README or `make run` tells a
person to type works as printed, in a new terminal that exports nothing.

`make test` and `make test-fast` are the two the README names that are not run here: they are this
suite (CI runs `make test` itself). `make run` and the README's `make run PORT=8001` are run as
servers, each on a copy of its own.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings

BASE_DIR = settings.BASE_DIR
NOT_RUN_HERE = {"make test", "make test-fast"}
# What a person's own shell carries, and nothing the test run set.
KEPT = {"PATH", "HOME", "LANG", "LC_ALL", "TERM", "USER", "SHELL", "TMPDIR", "PIP_FIND_LINKS"}


def readme_commands() -> list[str]:
    """
    The commands of the README: the lines of its shell blocks (without their comments), and the code
    in its sentences that starts with a command.
    """
    text = (BASE_DIR / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, re.DOTALL)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    inline = re.findall(r"(?<!`)`([^`\n]+)`(?!`)", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
    commands = [*lines, *(code for code in inline if code.startswith(("make ", ".venv/bin/python ")))]
    return list(dict.fromkeys(command for command in commands if command))


def printed_commands(output: str) -> list[str]:
    """
    The commands an output tells a person to type: as the banner of `make run` sets them, a line of
    their own indented by four spaces (make's echo of what it runs itself is not indented).
    """
    lines = (line[4:].rstrip() for line in output.splitlines() if line.startswith("    "))
    return [line for line in lines if line.startswith((".venv/bin/python ", "make "))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def fresh_copy(tmp_path_factory):
    """
    The files a clone of this work tree holds (committed or not, ignored ones left out), beside the
    virtualenv already installed: the clone is fresh, not the packages.
    """
    copy = tmp_path_factory.mktemp("clone")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=BASE_DIR, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for name in filter(None, listed.split("\0")):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        # Left out: a file another test process made and removed meanwhile, a submodule's folder.
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            shutil.copy2(BASE_DIR / name, copy / name)  # its time kept: make sees the packages up to date
    (copy / ".venv").symlink_to(BASE_DIR / ".venv")
    return copy


def new_terminal(**extra) -> dict:
    return {**{k: v for k, v in os.environ.items() if k in KEPT}, **extra}


class Server:
    """`make run` in the background, its output collected line by line."""

    def __init__(self, command: str, cwd, port: int, **env):
        self.port, self.lines = port, []
        self.process = subprocess.Popen(
            ["bash", "-c", command], cwd=cwd, env=new_terminal(**env), text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def wait_until_serving(self, timeout=240):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"make run stopped:\n{self.output()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/en/", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"nothing served on port {self.port}:\n{self.output()}")

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


class CsrfToken(HTMLParser):
    token = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrfmiddlewaretoken":
            self.token = attrs["value"]


def browser():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def test_the_readme_names_the_two_commands_and_how_to_get_an_account():
    commands = readme_commands()
    assert {"make run", "make test", "make test-fast"} <= set(commands)
    assert any("create_editor" in command for command in commands)
    assert any(re.fullmatch(r"make run PORT=\d+", command) for command in commands)


def run_as_typed(command: str, cwd) -> str:
    """Run `command` in a new terminal in `cwd`; return what it printed, failing if it failed."""
    result = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=new_terminal(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{command!r} failed:\n{result.stdout}{result.stderr}"
    return result.stdout


def test_every_command_the_readme_and_make_run_print_works_as_printed(fresh_copy):
    # `make run` as the README gives it; the port comes from the environment (make's PORT), so that
    # the test never meets a server of its own on 8000, and so that the links must follow it.
    run = "make run"
    assert run in readme_commands()
    port = free_port()
    server = Server(run, fresh_copy, port, PORT=str(port))
    try:
        server.wait_until_serving()
        banner = server.output()
        assert f"http://127.0.0.1:{port}/" in banner
        told = printed_commands(banner)
        assert any("create_editor" in command for command in told), banner
        to_run = [c for c in dict.fromkeys([*told, *readme_commands()]) if not c.startswith("make run")]
        to_run = [command for command in to_run if command not in NOT_RUN_HERE]
        assert to_run, "nothing to run"
        outputs = {}
        for command in to_run:
            outputs[command] = run_as_typed(command, fresh_copy)
            # What a command prints to type next must work too (none does today).
            assert not set(printed_commands(outputs[command])) - set(to_run) - NOT_RUN_HERE, outputs[command]

        # create_editor's link leads to this server, in the language asked for, and sets a password.
        (editor,) = [output for command, output in outputs.items() if "create_editor" in command]
        link = re.search(r"http://\S+/accounts/reset/\S+", editor).group(0)
        assert link.startswith(f"http://127.0.0.1:{port}/en/accounts/reset/"), editor
        with browser().open(link, timeout=10) as answer:
            assert answer.status == 200 and b'name="new_password1"' in answer.read()
        assert f"http://127.0.0.1:{port}/admin/" in editor

        # Mail in development is printed where `make run` runs: a password reset asked on the site.
        client = browser()
        form_address = f"http://127.0.0.1:{port}/fr/accounts/password_reset/"
        with client.open(form_address, timeout=10) as answer:
            parser = CsrfToken()
            parser.feed(answer.read().decode())
        data = urlencode({"csrfmiddlewaretoken": parser.token, "email": "you@example.org"}).encode()
        with client.open(urllib.request.Request(form_address, data, headers={"Referer": form_address})):
            pass
        deadline = time.monotonic() + 10
        while f"http://127.0.0.1:{port}/en/accounts/reset/" not in server.output():
            assert time.monotonic() < deadline, server.output()[-3000:]
            time.sleep(0.2)  # the editor chose English: the mail is in English, whatever the page
    finally:
        server.stop()
    # The development settings make run wrote stay in the copy, never in what git tracks.
    assert (fresh_copy / ".env").exists()
    ignored = subprocess.run(["git", "check-ignore", ".env", "db.sqlite3"], cwd=BASE_DIR, capture_output=True)
    assert ignored.returncode == 0


def test_make_run_serves_on_the_port_it_is_given_and_links_follow(fresh_copy):
    # The README's own words, port included: CI's machine has nothing on it.
    (run,) = [command for command in readme_commands() if re.fullmatch(r"make run PORT=\d+", command)]
    port = int(run.rpartition("=")[2])
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            pytest.skip(f"something already listens on port {port}")
    server = Server(run, fresh_copy, port)
    try:
        server.wait_until_serving()
        (create_editor,) = [c for c in printed_commands(server.output()) if "create_editor" in c]
        printed = run_as_typed(create_editor, fresh_copy)
    finally:
        server.stop()
    link = re.search(r"http://\S+/accounts/reset/\S+", printed).group(0)
    assert urlsplit(link).port == port and f"http://127.0.0.1:{port}/admin/" in printed
