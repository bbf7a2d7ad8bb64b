"""Shared pytest setup: makes `tests/` importable so tests can use `servers.*` helpers, and
holds the fixtures several test modules need: the local OpenAI-compatible server and an
environment without OpenAI credentials, the Hub emulator with a client that stays on
loopback, and praw without the machine's configuration. One definition each, so a change
to how the tests isolate themselves from the machine is made once."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from servers.hub_server import FakeHub
    from servers.openai_server import OpenAIServer

TESTS_DIR = Path(__file__).resolve().parent
REPO_ROOT = TESTS_DIR.parent

if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture()
def hub_client_on_loopback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No ambient token or endpoint, huggingface_hub online (the Makefile exports
    HF_HUB_OFFLINE=1), and any connection to a non-loopback address is an error."""
    import huggingface_hub.constants as hf_constants
    from huggingface_hub.utils import reset_sessions

    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(hf_constants, "HF_TOKEN_PATH", str(tmp_path / "no-saved-token"))
    monkeypatch.setattr(hf_constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "no-tokens"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(hf_constants, "HF_HUB_ENABLE_HF_TRANSFER", False)
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")

    real_connect = socket.socket.connect

    def loopback_only(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in LOOPBACK:
            raise AssertionError(f"a test tried to reach the network: {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    reset_sessions()
    yield
    reset_sessions()  # drop pooled keep-alive connections to the stopped servers


@pytest.fixture()
def hub() -> Iterator[FakeHub]:
    """The Hub emulator (tests/servers/hub_server.py) on loopback, accepting ``HUB_TOKEN``."""
    from huggingface_hub.utils import reset_sessions

    from servers.hub_server import HUB_TOKEN, running_hub

    with running_hub(HUB_TOKEN) as server:
        yield server
    reset_sessions()  # drop pooled keep-alive connections to the stopped server


@pytest.fixture()
def no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OpenAI key or endpoint from the machine running the tests: the client talks only to
    the ``base_url`` a test gives it, with the dummy key it sends on loopback."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture()
def llm_server() -> Iterator[OpenAIServer]:
    """A fresh OpenAI-compatible server (tests/servers/openai_server.py) on loopback."""
    from servers.openai_server import openai_server

    with openai_server() as srv:
        yield srv


@pytest.fixture()
def child_env(no_openai_env: None) -> dict[str, str]:
    """The environment for a spawned Python process that must run this checkout's code, with
    no OpenAI credentials of the machine."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT)
    return env


@pytest.fixture()
def isolated_praw(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No praw.ini or praw_* variables of the machine, the test's tmp_path as the working
    directory (where praw looks for a praw.ini too); praw re-reads its config."""
    import praw.config

    monkeypatch.setattr(praw.config.Config, "CONFIG", None)
    home = tmp_path / "xdg"
    home.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    for name in ("site", "client_id", "client_secret", "user_agent", "username", "password"):
        monkeypatch.delenv(f"praw_{name}", raising=False)
