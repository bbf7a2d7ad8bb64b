"""``author_key``: the same author gets the same key, and nobody can test a username for it.

Dedupe compares posts of one author (a repost reworded), so clean keeps a pseudonymous key
per author instead of the name. A plain hash with a fixed prefix could be reversed by anyone
who guesses a username; the key is an HMAC-SHA256 with a secret of the project instead:

- ``VALACT_AUTHOR_KEY_SECRET`` in the environment, when set (share it across the machines
  that build one dataset, so their keys agree);
- else ``.valact/author-key.secret`` (git-ignored), generated on the first run (256 random
  bits) and kept;
- for ``ingest.source: sample``, a fixed public key: the sample's authors are invented, and
  a fixed key keeps its build byte-identical on every machine.

The secret never goes into params, outputs, metrics or logs; only a fingerprint of it (8 hex
digits of its SHA-256, which cannot be inverted to it) is recorded in ``metrics/clean.json``
so that builds made with different secrets can be told apart.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

import pandas as pd

from pipeline import paths
from pipeline.artifacts import atomic_path
from pipeline.text_patterns import REMOVED_MARKERS

log = logging.getLogger("valact.clean")

SECRET_ENV = "VALACT_AUTHOR_KEY_SECRET"
SECRET_FILE = paths.LLM_CACHE_DIR / "author-key.secret"
SAMPLE_SECRET = b"valact-sample: the bundled posts and their authors are invented"


def load_secret(source: str, path: Path = SECRET_FILE) -> bytes:
    """The HMAC key for this build (see the module docstring)."""
    if source == "sample":
        return SAMPLE_SECRET
    env = os.environ.get(SECRET_ENV, "").strip()
    if env:
        return env.encode()
    if path.exists():
        text = path.read_text(encoding="utf-8").strip()
        if text:
            return text.encode()
    text = secrets.token_hex(32)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.chmod(0o600)
    log.info(
        "generated the author-key secret %s (keep it: another secret gives other author keys; "
        "or set %s)", path, SECRET_ENV,
    )
    return text.encode()


def secret_fingerprint(secret: bytes) -> str:
    return hashlib.sha256(b"valact-author-key-fingerprint|" + secret).hexdigest()[:8]


def author_key(author: object, secret: bytes) -> str | None:
    """The author's key (16 hex digits); None for a missing or deleted author."""
    if author is None or pd.isna(author) or str(author) in REMOVED_MARKERS:  # type: ignore[arg-type]
        return None
    return hmac.new(secret, str(author).encode(), hashlib.sha256).hexdigest()[:16]
