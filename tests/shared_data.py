"""Where the team's real Reddit dump files for tests live (``../shared/data`` by default).

``VALACT_SHARED_DATA`` overrides the location; a clone outside ``/work`` falls back to the
team machine's copy at ``/work/shared/data``. Tests that need the files skip, saying so,
when none of these exist.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[1]


def _find() -> Path:
    candidates = [
        os.environ.get("VALACT_SHARED_DATA"),
        str(_REPO_ROOT.parent / "shared" / "data"),
        "/work/shared/data",
    ]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    return _REPO_ROOT.parent / "shared" / "data"


SHARED_DATA = _find()
REDDIT_DUMPS = SHARED_DATA / "reddit"
