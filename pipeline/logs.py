"""Logging for the ``valact`` commands: one format, third-party chatter kept at WARNING."""

from __future__ import annotations

import logging
import sys

NOISY_LOGGERS = ("httpx", "httpcore", "urllib3", "prawcore", "filelock", "fsspec", "openai")


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
