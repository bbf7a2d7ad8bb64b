"""Shared pytest setup: makes `tests/` importable so tests can use `servers.*` helpers."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

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
