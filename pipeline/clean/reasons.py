"""The clean stage's filters in the order they are applied, and the reasons each can give.

Only data, no imports: ``pipeline.schemas`` derives ``REJECT_REASONS`` from it (so the order
the schema and the dataset card print is the order the filters apply), and every stage
imports the schemas, so what this module holds is a dependency of every stage. The filters
themselves are in ``pipeline.clean.stage`` (they load spaCy and lingua), their interface in
``pipeline.clean.filters``.
"""

from __future__ import annotations

__all__ = ["FILTER_REASONS", "reject_reasons"]

#: The clean stage's filters in the order they are applied, each with the reasons it can
#: give. Filters before ``normalize`` look at the record; ``normalize`` normalizes the title
#: and body (and rejects a body that normalization empties); the rest read the normalized
#: text. ``empty_body`` is given at two places: a body empty in the record, and one emptied
#: by normalization (its detail says so).
FILTER_REASONS: dict[str, tuple[str, ...]] = {
    "removed": ("removed",),
    "link_post": ("link_post",),
    "empty_body": ("empty_body",),
    "nsfw": ("nsfw",),
    "stickied_or_moderator": ("stickied_or_moderator",),
    "bot_author": ("bot_author",),
    "normalize": ("empty_body",),
    "too_short": ("too_short",),
    "too_long": ("too_long",),
    "mostly_links": ("mostly_links",),
    "mostly_code": ("mostly_code",),
    "mostly_list": ("mostly_list",),
    "not_english": ("not_english",),
    "sensitive": ("sensitive_self_harm", "sensitive_child_abuse"),
    "advice_request": ("meta_post", "poll_or_survey", "no_advice_request"),
}


def reject_reasons(filters: dict[str, tuple[str, ...]] = FILTER_REASONS) -> tuple[str, ...]:
    """Every reason of ``filters``, each once, in the order the filters first give it."""
    return tuple(dict.fromkeys(r for reasons in filters.values() for r in reasons))
