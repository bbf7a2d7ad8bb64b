"""Progress bars for long work: tqdm on a terminal, plain periodic lines elsewhere.

In ``dvc repro`` logs, CI and ``2> file`` redirects, stderr is not a terminal: a tqdm bar
there becomes carriage returns and cursor-up codes (``[A``) between log lines. So
:func:`progress_bar` returns a bar that prints one plain line every
:data:`PLAIN_INTERVAL` seconds (and a last one when it closes) when stderr is not a TTY.
Log records go through :class:`TqdmLoggingHandler` (``pipeline.logs``), which clears and
redraws the bars around each line instead of printing through them.
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

PLAIN_INTERVAL = 10.0  # seconds between plain progress lines


def is_terminal() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class PlainProgress(tqdm):  # type: ignore[type-arg]
    """A tqdm that prints whole lines, at most every ``mininterval`` seconds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("position", None)  # no cursor movement in a log
        # a terminal's refresh rate (callers ask for 0.5 s) would flood a log
        kwargs["mininterval"] = PLAIN_INTERVAL
        kwargs["maxinterval"] = max(PLAIN_INTERVAL * 6, 1.0)
        total = kwargs.get("total")
        if total is None and args and hasattr(args[0], "__len__"):
            total = len(args[0])
        kwargs.setdefault(
            "bar_format",
            "{desc}: {percentage:3.0f}% {n_fmt}/{total_fmt} [{elapsed}<{remaining}, "
            "{rate_fmt}{postfix}]"
            if total
            else "{desc}: {n_fmt} [{elapsed}, {rate_fmt}{postfix}]",
        )
        super().__init__(*args, **kwargs)

    def display(self, msg: str | None = None, pos: int | None = None) -> bool:
        text = msg if msg is not None else self.__str__()
        if text.strip():
            self.fp.write(text.strip() + "\n")
            self.fp.flush()
        return True

    def clear(self, nolock: bool = False) -> None:
        """Nothing to clear: lines are never rewritten."""


def progress_bar(*args: Any, disable: bool = False, **kwargs: Any) -> tqdm:  # type: ignore[type-arg]
    """A tqdm bar (same arguments) fit for where stderr goes."""
    if disable or is_terminal():
        kwargs.setdefault("mininterval", 0.5)
        return tqdm(*args, disable=disable, **kwargs)
    return PlainProgress(*args, **kwargs)
