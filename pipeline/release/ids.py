"""Stable ids of the published rows: the same post and value get the same ids in every build.

- ``scenario_id`` is ``valact-<post_id>`` (the Reddit id of the source post, base36).
- ``option_id`` is ``<scenario_id>-<8 hex>``, the first 8 hex digits of
  ``sha256("valact-option|<post_id>|<value>")``, where ``value`` is the value the option was
  written to enact (the annotator's, before any reviewer relabel): a relabelled option keeps
  its id, and the id does not spell the label out to a model shown it.

Nothing else goes in (no seed, no position, no build size), so adding, dropping or
re-ranking other posts never renumbers a row.
"""

from __future__ import annotations

import hashlib

PREFIX = "valact-"
SCENARIO_ID_PATTERN = r"^valact-[0-9a-z]{1,13}$"
OPTION_ID_PATTERN = r"^valact-[0-9a-z]{1,13}-[0-9a-f]{8}$"


def scenario_id(post_id: str) -> str:
    return f"{PREFIX}{post_id}"


def option_id(post_id: str, written_for: str) -> str:
    """The id of the option of ``post_id`` written to enact ``written_for``."""
    digest = hashlib.sha256(f"valact-option|{post_id}|{written_for}".encode()).hexdigest()
    return f"{scenario_id(post_id)}-{digest[:8]}"
