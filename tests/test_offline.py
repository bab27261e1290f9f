"""No outbound network, and no accidental exposure.

Offline: every Chronicle command runs with a ``sitecustomize.py`` on PYTHONPATH that makes ``socket.connect``,
``connect_ex``, ``create_connection`` and ``getaddrinfo`` refuse any non-loopback address (before a packet is sent)
and log the attempt. Ingest, ask and the web UI (page load and a chat answer) must work and the log stay empty.
A first test proves the guard is active, so an empty log means something.

Exposure: the UI binds 127.0.0.1; another host needs --share-on-network and login credentials. The exposed server
is bound to 0.0.0.0 on a random port for a few seconds and spoken to on 127.0.0.1 only.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.config import PROJECT_ROOT
from tests.conftest import SEED
from tests.helpers_net import QueueClient, chronicle_env, free_port, run_cli, served

GUARD = r'''
"""Test guard: refuse and log every connection or name lookup that is not loopback."""
import ipaddress
import os
import socket

_LOG = os.environ["CHRONICLE_NETLOG"]
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}


def _loopback(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0]
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def _refuse(what, target):
    with open(_LOG, "a") as fh:
        fh.write(f"{os.getpid()} {what} {target!r}\n")
    raise OSError(f"network access blocked by the test guard: {what} {target!r}")


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        if not _loopback(address[0]):
            _refuse("connect", address)


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
_getaddrinfo, _create_connection = socket.getaddrinfo, socket.create_connection


def connect(self, address):
    _check(self, address)
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        _refuse("getaddrinfo", host)
    return _getaddrinfo(host, *args, **kwargs)


def create_connection(address, *args, **kwargs):
    if not _loopback(address[0]):
        _refuse("create_connection", address)
    return _create_connection(address, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
socket.getaddrinfo, socket.create_connection = getaddrinfo, create_connection
'''


@pytest.fixture()
def guarded_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    guard_dir = tmp_path / "guard"
    guard_dir.mkdir()
    (guard_dir / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net-attempts.log"
    log.touch()
    env = chronicle_env(tmp_path / "store", CHRONICLE_NETLOG=str(log), PYTHONPATH=str(guard_dir))
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "GRADIO_ANALYTICS_ENABLED"):
        env.pop(key, None)  # Chronicle must set these itself (app.offline), not rely on the caller
    return env, log


def test_the_guard_blocks_non_loopback_before_any_packet(guarded_env: tuple[dict[str, str], Path]) -> None:
    env, log = guarded_env
    code = (
        "import socket\n"
        "for target in [('192.0.2.1', 80), ('2001:db8::1', 443)]:\n"
        "    try:\n"
        "        socket.create_connection(target, timeout=0.1)\n"
        "    except OSError as exc:\n"
        "        assert 'blocked by the test guard' in str(exc), exc\n"
        "    else:\n"
        "        raise SystemExit('not blocked')\n"
        "try:\n"
        "    socket.getaddrinfo('huggingface.co', 443)\n"
        "except OSError as exc:\n"
        "    assert 'blocked' in str(exc)\n"
        "s = socket.socket(); s.settimeout(0.1)\n"
        "assert s.connect_ex(('127.0.0.1', 9)) != 0  # loopback is allowed (nothing listens on port 9)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    attempts = log.read_text()
    assert "192.0.2.1" in attempts and "2001:db8::1" in attempts and "huggingface.co" in attempts


@pytest.mark.timeout(600)
def test_ingest_ask_and_the_web_ui_make_no_outbound_connection(
    guarded_env: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, log = guarded_env
    ingested = run_cli(["ingest.py", "--quiet", str(SEED)], env)
    assert ingested.returncode == 0, ingested.stderr[-3000:]
    assert "1 article(s) added" in ingested.stdout

    asked = run_cli(["-m", "app", "ask", "--mode", "extractive", "What did Turkey say?"], env)
    assert asked.returncode == 0, asked.stderr[-3000:]
    assert "Turkey said it supported Baku" in asked.stdout

    timeline = run_cli(["-m", "app", "timeline", "--json"], env)
    assert timeline.returncode == 0, timeline.stderr[-3000:]

    with served(env, tmp_path / "serve.log") as (url, _, _):
        page = httpx.get(url + "/", timeout=30, trust_env=False)
        assert page.status_code == 200 and "Chronicle" in page.text
        client = QueueClient(url)
        text, sources = client.ask("How many people were killed?")
        client.close()
        cited = re.findall(r"\\?\[(\d+)\\?\]", text)  # the chat escapes brackets for markdown
        assert "25 people had been killed" in text and cited
        assert all(f'id="chr-cite-{n}"' in sources for n in cited)  # each [n] has its source listed
    assert log.read_text() == "", f"outbound connection attempts:\n{log.read_text()}"


# --- exposure -------------------------------------------------------------------------------------------------


def _serve_args(store: Path, *extra: str) -> list[str]:
    return ["-m", "app", "serve", "--port", str(free_port()), "--no-prewarm", *extra]


def test_non_loopback_host_without_the_flag_is_refused(tmp_path: Path) -> None:
    done = run_cli(_serve_args(tmp_path, "--host", "0.0.0.0"), chronicle_env(tmp_path / "store"), timeout=60)
    assert done.returncode != 0
    assert "refusing to listen on 0.0.0.0: pass --share-on-network" in done.stderr
    via_env = run_cli(_serve_args(tmp_path), chronicle_env(tmp_path / "store", CHRONICLE_HOST="0.0.0.0"), timeout=60)
    assert via_env.returncode != 0 and "refusing to listen on 0.0.0.0" in via_env.stderr


def test_share_on_network_without_credentials_is_refused(tmp_path: Path) -> None:
    env = chronicle_env(tmp_path / "store")
    done = run_cli(_serve_args(tmp_path, "--host", "0.0.0.0", "--share-on-network"), env, timeout=60)
    assert done.returncode != 0
    assert "--share-on-network requires CHRONICLE_AUTH_USER and CHRONICLE_AUTH_PASSWORD" in done.stderr
    half = run_cli(_serve_args(tmp_path, "--host", "0.0.0.0", "--share-on-network"),
                   chronicle_env(tmp_path / "store", CHRONICLE_AUTH_USER="editor"), timeout=60)
    assert half.returncode != 0 and "CHRONICLE_AUTH_PASSWORD" in half.stderr


@pytest.mark.timeout(300)
def test_shared_on_the_network_the_app_demands_login(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert run_cli(["ingest.py", "--quiet", str(SEED)], chronicle_env(store)).returncode == 0
    env = chronicle_env(store, CHRONICLE_AUTH_USER="editor", CHRONICLE_AUTH_PASSWORD="s3cret-Pass")
    with served(env, tmp_path / "serve.log", args=("--host", "0.0.0.0", "--share-on-network")) as (url, _, _):
        anonymous = httpx.Client(timeout=30, trust_env=False)
        config = anonymous.get(url + "/config")
        assert config.status_code == 401 or config.json().get("auth_required") is True, config.text[:300]
        assert not (config.status_code == 200 and config.json().get("components")), "the app is readable anonymously"
        join = anonymous.post(url + "/gradio_api/queue/join",
                              json={"data": ["What did Turkey say?", [], None, "extractive"], "fn_index": 1,
                                    "session_hash": "anon0000001", "event_data": None, "trigger_id": None})
        assert join.status_code == 401, join.text[:300]
        assert anonymous.post(url + "/login", data={"username": "editor", "password": "wrong"}).status_code == 400
        page = anonymous.get(url + "/")
        assert page.status_code == 200 and "auth_required" in page.text  # the login form, not the app

        assert anonymous.post(url + "/login", data={"username": "editor", "password": "s3cret-Pass"}).status_code == 200
        assert anonymous.get(url + "/config").json().get("components"), "login did not unlock the app"
        anonymous.close()
