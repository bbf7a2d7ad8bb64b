"""Versioned prompt templates of the LLM annotator: loading, rendering, version ids.

Each step's prompt is a file ``prompts/<step>.<version>.txt`` with two sections, a line
``### system`` and a line ``### user``; ``$name`` placeholders are filled with
:class:`string.Template` (``$$`` is a literal dollar). The id of a prompt is
``<step>.<version>`` (e.g. ``options.v1``): it goes into every LLM request (and so into the
response cache key) and, joined over the steps (``scenario.v1+options.v1+verify.v1``), into
the ``prompt_version`` column of every annotation row.

**Never edit a released prompt file**: copy it to the next version, edit the copy and point
:data:`ACTIVE` at it. ``prompts/SHA256SUMS.txt`` holds the sha256 of every prompt file and a test
fails when a file no longer matches it (update the manifest with
``python -m pipeline.annotate.prompts --write-manifest`` only for a *new* file).

**Untrusted text** (the post, and the model's own earlier output) only ever goes into the user
message, JSON-encoded inside a delimited block (:func:`data_block`): quotes and newlines are
escaped by JSON and ``<``/``>`` as ``\\u003c``/``\\u003e``, so no post can close the block or
pose as instructions outside it. The instructions live in the system message, identical for
every post.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from pipeline.values import VALUES

PROMPTS_DIR = Path(__file__).with_name("prompts")
MANIFEST = PROMPTS_DIR / "SHA256SUMS.txt"  # `sha256sum -c SHA256SUMS.txt` in prompts/
STEPS = ("scenario", "options", "verify")
ACTIVE: dict[str, str] = {"scenario": "v1", "options": "v1", "verify": "v1"}
SYSTEM_MARK = "### system"
USER_MARK = "### user"


class PromptError(ValueError):
    """A prompt file is missing, malformed, or a placeholder has no value."""


@dataclass(frozen=True)
class PromptTemplate:
    step: str
    version: str
    system: str
    user: str
    sha256: str

    @property
    def id(self) -> str:
        return f"{self.step}.{self.version}"

    def render(self, **fields: str) -> list[dict[str, str]]:
        """The chat messages: ``[system, user]`` with every placeholder filled."""
        try:
            system = Template(self.system).substitute(fields)
            user = Template(self.user).substitute(fields)
        except (KeyError, ValueError) as exc:
            raise PromptError(f"{self.id}: placeholder {exc} has no value") from None
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def prompt_path(step: str, version: str) -> Path:
    return PROMPTS_DIR / f"{step}.{version}.txt"


def parse_sections(text: str, where: str = "prompt") -> tuple[str, str]:
    """``(system, user)`` from a template file's text."""
    lines = text.splitlines()
    marks = [i for i, line in enumerate(lines) if line.strip() in (SYSTEM_MARK, USER_MARK)]
    names = [lines[i].strip() for i in marks]
    if names != [SYSTEM_MARK, USER_MARK]:
        raise PromptError(f"{where}: expected a '{SYSTEM_MARK}' line, then a '{USER_MARK}' line")
    s, u = marks
    if any(line.strip() for line in lines[:s]):
        raise PromptError(f"{where}: text before '{SYSTEM_MARK}'")
    system = "\n".join(lines[s + 1:u]).strip()
    user = "\n".join(lines[u + 1:]).strip()
    if not system or not user:
        raise PromptError(f"{where}: empty section")
    return system, user


@functools.cache
def load(step: str, version: str | None = None) -> PromptTemplate:
    """The template of ``step`` (the :data:`ACTIVE` version unless ``version`` is given)."""
    if step not in STEPS:
        raise PromptError(f"unknown prompt step {step!r}; expected one of {STEPS}")
    version = version or ACTIVE[step]
    path = prompt_path(step, version)
    if not path.exists():
        raise PromptError(f"{path} not found")
    raw = path.read_bytes()
    system, user = parse_sections(raw.decode("utf-8"), str(path))
    return PromptTemplate(step, version, system, user, hashlib.sha256(raw).hexdigest())


def active_ids(steps: Iterable[str] = STEPS) -> str:
    """The ``prompt_version`` of a row: the ids of the steps that made it, joined by ``+``."""
    return "+".join(load(s).id for s in steps)


def data_block(obj: Mapping[str, Any]) -> str:
    """``obj`` as JSON that cannot break out of a ``<tag>...</tag>`` block."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def value_list() -> str:
    """The values as the prompts list them: ``- id (Label): definition``."""
    return "\n".join(f"- {v.id} ({v.label}): {v.definition}" for v in VALUES)


# -- the manifest: released prompt files never change ----------------------------------------


def prompt_files() -> list[Path]:
    return sorted(PROMPTS_DIR.glob("*.v*.txt"))


def read_manifest() -> dict[str, str]:
    if not MANIFEST.exists():
        return {}
    out: dict[str, str] = {}
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            out[name.strip()] = digest
    return out


def manifest_problems() -> list[str]:
    """Prompt files that differ from (or are missing in) the manifest."""
    recorded = read_manifest()
    problems = []
    for path in prompt_files():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if path.name not in recorded:
            problems.append(f"{path.name} is not in {MANIFEST.name}")
        elif recorded[path.name] != digest:
            problems.append(f"{path.name} changed after release: make a new version instead")
    for name in sorted(set(recorded) - {p.name for p in prompt_files()}):
        problems.append(f"{name} is in {MANIFEST.name} but the file is gone")
    return problems


def write_manifest() -> None:
    """Add new prompt files to the manifest (recorded digests are never changed)."""
    recorded = read_manifest()
    for path in prompt_files():
        recorded.setdefault(path.name, hashlib.sha256(path.read_bytes()).hexdigest())
    lines = [f"{digest}  {name}" for name, digest in sorted(recorded.items())]
    MANIFEST.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:  # pragma: no cover - maintenance command
    parser = argparse.ArgumentParser(description="annotation prompt files")
    parser.add_argument("--write-manifest", action="store_true",
                        help="record the digests of new prompt files")
    args = parser.parse_args()
    if args.write_manifest:
        write_manifest()
    problems = manifest_problems()
    for p in problems:
        print(p)
    for step in STEPS:
        print(load(step).id, load(step).sha256[:12])
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
