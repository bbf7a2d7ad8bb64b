"""Logging for the ``valact`` commands: one format, third-party chatter kept at WARNING."""

from __future__ import annotations

import logging
import sys

from tqdm import tqdm

# spaCy also has a handler of its own: its INFO lines ("Created vocabulary") came out twice
NOISY_LOGGERS = (
    "httpx", "httpcore", "urllib3", "prawcore", "filelock", "fsspec", "openai", "spacy",
)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class TqdmLoggingHandler(logging.Handler):
    """Writes records with ``tqdm.write``: open bars are cleared and redrawn around them."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


def setup_logging(verbose: bool) -> None:
    root = logging.getLogger()
    if not any(isinstance(h, TqdmLoggingHandler) for h in root.handlers):
        handler = TqdmLoggingHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
