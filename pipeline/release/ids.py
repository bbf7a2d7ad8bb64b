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
import re

PREFIX = "valact-"
_POST = r"[0-9a-z]{1,13}"  # a Reddit post id (base36)
POST_ID_PATTERN = rf"^{_POST}$"
SCENARIO_ID_PATTERN = rf"^valact-{_POST}$"
OPTION_ID_PATTERN = rf"^valact-{_POST}-[0-9a-f]{{8}}$"


def scenario_id(post_id: str) -> str:
    return f"{PREFIX}{post_id}"


def option_id(post_id: str, written_for: str) -> str:
    """The id of the option of ``post_id`` written to enact ``written_for``."""
    digest = hashlib.sha256(f"valact-option|{post_id}|{written_for}".encode()).hexdigest()
    return f"{scenario_id(post_id)}-{digest[:8]}"


def carried_option_id(post_id: str, published_id: str, value: str) -> str:
    """The stable id of a published option: its own, or (a release from before stable ids,
    ``valact-00001-a``) the one of its post and published value."""
    if re.match(OPTION_ID_PATTERN, published_id) and published_id.startswith(
        scenario_id(post_id) + "-"
    ):
        return published_id
    return option_id(post_id, value)
