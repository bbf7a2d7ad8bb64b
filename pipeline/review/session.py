"""``valact review session``: one reviewer works the review queue in the terminal.

Each item of ``review/queue.jsonl`` is shown (reasons, the scrubbed post when
``interim/clean.parquet`` has it, scenario, question, options with the value the LLM
intended, the verifier's label and the relevance) and the reviewer presses one key:

====  ======================================================================
a     accept the item (with the pending edits and relabels, if any: an ``edit``)
r     reject the item (asks a reason)
e     edit scenario, question and option texts in ``$VISUAL``/``$EDITOR`` (YAML)
l     relabel an option (the option's letter, then the new value's number or id)
s     skip: not decided, the item comes back at the end of the session
u     undo the last action of this session (a decision is retracted, see below)
q     quit (Ctrl-C and end of input also quit)
====  ======================================================================

Options are lettered (a, b, c... in the order the queue lists them) and the ten values
are numbered in circumplex order (1 = self_direction ... 10 = universalism, the order of
:data:`pipeline.values.VALUE_IDS`), so a letter always means an option and a number always
means a value. "Item N of M" is the item's position in the queue (after ``--reason``), not
a count of decisions: after a skip the next item shows its own position, and a skipped
item shown again at the end keeps its position and says it was skipped.

Every decision is appended to ``review/decisions/<reviewer>.jsonl`` and flushed and
fsynced before the next item shows, so a crash loses at most the item on screen.
Undo appends a ``retract`` line (the log is never rewritten) and shows the item again.
A new session skips the items this reviewer already decided, so it resumes where the
last one stopped. Keys are read one at a time when stdin is a terminal, otherwise one per
line (so ``printf 'a\\nq\\n' | valact review session`` works too).
"""

from __future__ import annotations

import json
import os
import select
import shlex
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from pipeline.review.decisions import (
    Decision,
    DecisionKind,
    Edits,
    append_decisions,
    decisions_file,
    load_decisions,
    standing_by_reviewer,
    utc_now,
)
from pipeline.values import VALUE_IDS

POST_PREVIEW_CHARS = 2500
EDIT_HEADER = """\
# Edit the scenario, the question or option texts, then save and close the editor.
# An option's key is the value the LLM intended; relabel with the `l` key instead.
# Delete an option (or empty its text) to drop it from the item.
# Leave the file as it is to change nothing.
"""


def load_queue(path: Path) -> list[dict[str, Any]]:
    """The queue items, in queue order (most useful first)."""
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run `valact review` (or dvc repro)")
    items = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not JSON ({exc})") from None
    return items


def load_posts(path: Path, item_ids: Iterable[str]) -> dict[str, str]:
    """Scrubbed title and body of the given posts from interim/clean.parquet ({} when absent)."""
    ids = sorted(set(item_ids))
    if not ids or not path.exists():
        return {}
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(
            path, columns=["post_id", "title", "body"], filters=[("post_id", "in", ids)]
        )
    except Exception:  # an unreadable or differently shaped file: the post is optional
        return {}
    frame = table.to_pandas()
    return {str(r.post_id): f"{r.title}\n\n{r.body}" for r in frame.itertuples(index=False)}


def decided_by(decisions_dir: Path, reviewer: str) -> set[str]:
    """Items on which ``reviewer`` has a standing (not retracted) decision."""
    loaded = load_decisions(decisions_dir)
    standing = standing_by_reviewer(loaded)
    return {item for item, by in standing.items() if reviewer in by}


class KeyReader:
    """Single keys from a terminal (cbreak mode, no echo), else one key per input line."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdin

    def _isatty(self) -> bool:
        try:
            return bool(self.stream.isatty())
        except (AttributeError, ValueError):
            return False

    def key(self) -> str:
        if self._isatty():
            import termios
            import tty

            fd = self.stream.fileno()
            old = termios.tcgetattr(fd)
            try:
                tty.setcbreak(fd)
                while True:
                    ch = os.read(fd, 1).decode("utf-8", "replace")
                    if ch == "":
                        return "q"
                    if ch == "\x04":  # Ctrl-D
                        return "q"
                    if ch == "\x1b":  # an escape sequence (arrow keys...): never a command
                        while select.select([fd], [], [], 0.05)[0]:
                            os.read(fd, 16)
                        return ch
                    if not ch.isspace():
                        return ch.lower()
            finally:
                termios.tcsetattr(fd, termios.TCSADRAIN, old)
        while True:
            line = self.stream.readline()
            if line == "":
                return "q"  # end of input
            if line.strip():
                return line.strip()[0].lower()

    def line(self, prompt: str, console: Console) -> str:
        console.print(prompt, end="", markup=False, highlight=False)
        console.file.flush()
        line = self.stream.readline()
        if line == "":
            raise EOFError
        return line.rstrip("\r\n")


@dataclass
class Action:
    item_id: str
    decision: Decision | None  # None: a skip


@dataclass
class SessionSummary:
    decided: int = 0
    retracted: int = 0
    skipped: int = 0
    remaining: int = 0
    counts: Counter[str] = field(default_factory=Counter)


def item_values(item: Mapping[str, Any]) -> list[str]:
    return [str(o["value"]) for o in item.get("options", [])]


def option_letter(index: int) -> str:
    """The letter naming the option at 0-based ``index`` (an item has at most ten)."""
    return "abcdefghijklmnopqrstuvwxyz"[index]


VALUE_MENU = "Values: " + "  ".join(f"{n}={v}" for n, v in enumerate(VALUE_IDS, start=1))


class ReviewSession:
    def __init__(
        self,
        items: list[dict[str, Any]],
        reviewer: str,
        decisions_path: Path,
        already_decided: set[str],
        posts: Mapping[str, str] | None = None,
        console: Console | None = None,
        keys: KeyReader | None = None,
        editor: str | None = None,
        run_editor: Callable[[list[str]], int] | None = None,
    ) -> None:
        self.items = items
        self.by_id = {str(i["item_id"]): i for i in items}
        self.position = {str(i["item_id"]): n for n, i in enumerate(items, start=1)}
        self.reviewer = reviewer
        self.path = decisions_path
        self.decided = set(already_decided) & set(self.by_id)
        self.pending = [i for i in items if str(i["item_id"]) not in self.decided]
        self.posts = posts or {}
        self.console = console or Console(highlight=False)
        self.keys = keys or KeyReader()
        self.editor = editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        self.run_editor = run_editor or (lambda argv: subprocess.call(argv))
        self.history: list[Action] = []
        self.edits = Edits()
        self.summary = SessionSummary()
        self.skips: Counter[str] = Counter()  # skips this session, per item (undo lowers)

    # ------------------------------------------------------------------ display
    def _progress(self, item: Mapping[str, Any]) -> str:
        """Where ``item`` stands: its position in queue order, what is decided and left."""
        item_id = str(item["item_id"])
        total = len(self.items)
        done = len(self.decided)
        by_reason: Counter[str] = Counter()
        done_by_reason: Counter[str] = Counter()
        for it in self.items:
            for r in it.get("reasons", []):
                by_reason[r] += 1
                done_by_reason[r] += str(it["item_id"]) in self.decided
        parts = ", ".join(f"{r} {done_by_reason[r]}/{n}" for r, n in sorted(by_reason.items()))
        skipped = sum(1 for i in self.pending if self.skips[str(i["item_id"])] > 0)
        again = ", skipped earlier" if self.skips[item_id] else ""
        counts = f"decided {done}, {len(self.pending)} to go"
        if skipped:
            counts += f", {skipped} of them skipped"
        return (
            f"Item {self.position[item_id]} of {total} in queue order{again} ({counts}) "
            f"| by reason: {parts}"
        )

    def show(self, item: Mapping[str, Any]) -> None:
        c = self.console
        item_id = str(item["item_id"])
        c.rule(f"{item_id}  r/{item.get('subreddit', '?')}")
        c.print(self._progress(item), markup=False)
        c.print(f"Reasons: {', '.join(item.get('reasons', []))}", markup=False)
        if item.get("status", "ok") != "ok":
            c.print(
                f"Annotator status: {item.get('status')} ({item.get('status_detail') or ''}). "
                "No options to review: r confirms it stays out, s skips.",
                markup=False,
            )
        post = self.posts.get(item_id)
        if post:
            shown = post if len(post) <= POST_PREVIEW_CHARS else post[:POST_PREVIEW_CHARS] + " …"
            c.print(Panel(escape(shown), title="Original post (scrubbed)", expand=True))
        scenario = self.edits.scenario or item.get("scenario") or ""
        question = self.edits.question or item.get("question") or ""
        mark_s = " (edited)" if self.edits.scenario else ""
        mark_q = " (edited)" if self.edits.question else ""
        if scenario:
            c.print(Panel(escape(scenario), title=f"Scenario{mark_s}", expand=True))
        if question:
            c.print(f"Question{mark_q}: {question}", markup=False)
        options = item.get("options", [])
        if options:
            table = Table(show_lines=False, expand=True)
            table.add_column("opt", justify="right")
            table.add_column("intended value")
            table.add_column("option", ratio=1)
            table.add_column("verifier")
            table.add_column("rel.", justify="right")
            for n, opt in enumerate(options):
                value = str(opt["value"])
                label = self.edits.relabel.get(value, value)
                shown = value if label == value else f"{value} -> {label}"
                text = self.edits.options.get(value, opt["text"])
                if value in self.edits.drop:
                    shown, text = f"{value} (dropped)", f"[dropped] {opt['text']}"
                elif value in self.edits.options:
                    text = f"* {text}"
                verified = opt.get("verified_value")
                ver = "-" if verified is None else str(verified)
                if verified is not None and verified != value:
                    ver += " (!)"
                rel = opt.get("relevance")
                table.add_row(
                    option_letter(n),
                    shown,
                    escape(str(text)),
                    ver,
                    "-" if rel is None else f"{float(rel):.2f}",
                )
            c.print(table)
        if not self.edits.is_empty():
            c.print(f"Pending changes: {self._describe(self.edits)}", markup=False)
        c.print(
            "Keys: a accept  r reject  e edit  l relabel  s skip  u undo  q quit",
            markup=False,
        )

    @staticmethod
    def _describe(edits: Edits) -> str:
        parts = []
        if edits.scenario:
            parts.append("scenario")
        if edits.question:
            parts.append("question")
        if edits.options:
            parts.append("text of " + ", ".join(sorted(edits.options)))
        if edits.relabel:
            parts.append(
                "relabel " + ", ".join(f"{a}->{b}" for a, b in sorted(edits.relabel.items()))
            )
        if edits.drop:
            parts.append("drop " + ", ".join(sorted(edits.drop)))
        return "; ".join(parts)

    # ------------------------------------------------------------------ actions
    def _record(self, decision: Decision) -> None:
        append_decisions(self.path, [decision])

    def _decide(self, item: Mapping[str, Any], kind: DecisionKind, reason: str) -> None:
        item_id = str(item["item_id"])
        edits = None if kind != "edit" else Edits.model_validate(self.edits.model_dump())
        decision = Decision(
            item_id=item_id,
            reviewer=self.reviewer,
            decision=kind,
            reason=reason,
            timestamp=utc_now(),
            edits=edits,
            source="session",
        )
        self._record(decision)
        self.history.append(Action(item_id, decision))
        self.decided.add(item_id)
        self.pending.pop(0)
        self.edits = Edits()
        self.summary.decided += 1
        self.summary.counts[kind] += 1
        self.console.print(f"Saved: {kind} {item_id}", markup=False)

    def _ask(self, prompt: str) -> str:
        return self.keys.line(prompt, self.console).strip()

    def accept(self, item: Mapping[str, Any]) -> None:
        if item.get("status", "ok") != "ok":
            self.console.print("Nothing to accept: the annotator produced no options.")
            return
        if self.edits.is_empty():
            self._decide(item, "accept", "")
            return
        kept = [v for v in item_values(item) if v not in self.edits.drop]
        final = [self.edits.relabel.get(v, v) for v in kept]
        dupes = sorted(v for v, n in Counter(final).items() if n > 1)
        if dupes:
            self.console.print(
                f"Two options would have the same value ({', '.join(dupes)}): relabel again "
                "before accepting.",
                markup=False,
            )
            return
        if len(final) == 0:
            self.console.print("Every option is dropped: reject the item instead.")
            return
        reason = self._ask("Reason for the changes (optional): ")
        self._decide(item, "edit", reason)

    def reject(self, item: Mapping[str, Any]) -> None:
        reason = self._ask("Reason for rejecting (empty cancels): ")
        if not reason:
            self.console.print("Not rejected.")
            return
        self._decide(item, "reject", reason)

    def relabel(self, item: Mapping[str, Any]) -> None:
        values = item_values(item)
        if not values:
            self.console.print("No options to relabel.")
            return
        letters = [option_letter(n) for n in range(len(values))]
        span = f"{letters[0]}-{letters[-1]}" if len(letters) > 1 else letters[0]
        answer = self._ask(
            f"Relabel which option? Its letter ({span}) from the opt column, or its intended "
            "value id: "
        ).lower()
        if answer in letters:
            index = letters.index(answer)
        elif answer in values:
            index = values.index(answer)
        else:
            hint = " (numbers are for values; options are lettered)" if answer.isdigit() else ""
            self.console.print(f"No option {answer!r}{hint}: not relabelled.", markup=False)
            return
        letter, intended = letters[index], values[index]
        self.console.print(VALUE_MENU, markup=False)
        choice = self._ask(
            f"New value for option {letter} ({intended}): its number (1-{len(VALUE_IDS)}) from "
            "the Values line, or a value id: "
        ).lower()
        if choice.isdigit() and 1 <= int(choice) <= len(VALUE_IDS):
            target = VALUE_IDS[int(choice) - 1]
        elif choice in VALUE_IDS:
            target = choice
        else:
            self.console.print(
                f"Unknown value {choice!r} (a number 1-{len(VALUE_IDS)} or a value id): "
                "not relabelled.",
                markup=False,
            )
            return
        if target == intended:
            self.edits.relabel.pop(intended, None)
        else:
            self.edits.relabel[intended] = target
        self.console.print(f"Option {letter}: {intended} -> {target} (pending)", markup=False)
        for n, other in enumerate(values):
            if (
                other != intended
                and other not in self.edits.drop
                and self.edits.relabel.get(other, other) == target
            ):
                self.console.print(
                    f"Option {option_letter(n)} is also labelled {target}: relabel it too (or "
                    "drop it by editing) before accepting.",
                    markup=False,
                )

    def edit(self, item: Mapping[str, Any]) -> None:
        if item.get("status", "ok") != "ok":
            self.console.print("Nothing to edit: the annotator produced no options.")
            return
        current = {
            "scenario": self.edits.scenario or item.get("scenario") or "",
            "question": self.edits.question or item.get("question") or "",
            "options": {
                str(o["value"]): self.edits.options.get(str(o["value"]), str(o["text"]))
                for o in item.get("options", [])
                if str(o["value"]) not in self.edits.drop
            },
        }
        fd, name = tempfile.mkstemp(prefix=f"valact-{item['item_id']}-", suffix=".yaml")
        path = Path(name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(EDIT_HEADER)
                yaml.dump(
                    current, fh, Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=88
                )
            while True:
                try:
                    status = self.run_editor([*shlex.split(self.editor), str(path)])
                except OSError as exc:
                    self.console.print(
                        f"Cannot run the editor {self.editor!r} ({exc}): set $EDITOR.",
                        markup=False,
                    )
                    return
                if status != 0:
                    self.console.print(f"The editor exited with status {status}: no change.")
                    return
                try:
                    self.edits = self._read_edit(item, path)
                except ValueError as exc:
                    self.console.print(f"Not a valid edit: {exc}", markup=False)
                    again = self._ask("Edit again? [y/N] ").lower()
                    if again.startswith("y"):
                        continue
                    self.console.print("Edit discarded.")
                    return
                break
        finally:
            path.unlink(missing_ok=True)

    def _read_edit(self, item: Mapping[str, Any], path: Path) -> Edits:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ValueError(f"not YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError("expected a mapping with scenario, question and options")
        unknown = sorted(set(data) - {"scenario", "question", "options"})
        if unknown:
            raise ValueError(f"unknown key(s): {', '.join(unknown)}")
        scenario = data.get("scenario")
        question = data.get("question")
        for key, text in (("scenario", scenario), ("question", question)):
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{key} must be a non-empty text")
        assert isinstance(scenario, str) and isinstance(question, str)
        options = data.get("options") or {}
        if not isinstance(options, dict):
            raise ValueError("options must map each intended value to its text")
        values = item_values(item)
        extra = sorted(str(k) for k in options if str(k) not in values)
        if extra:
            raise ValueError(
                f"option(s) {', '.join(extra)} are not in this item (keys are the intended "
                "values; relabel with the l key)"
            )
        edits = Edits(relabel=dict(self.edits.relabel))
        if _norm(scenario) != _norm(item.get("scenario") or ""):
            edits.scenario = scenario.strip()
        if _norm(question) != _norm(item.get("question") or ""):
            edits.question = question.strip()
        originals = {str(o["value"]): str(o["text"]) for o in item.get("options", [])}
        for value in values:
            text = options.get(value)
            if text is None or (isinstance(text, str) and not text.strip()):
                edits.drop.append(value)
                edits.relabel.pop(value, None)
                continue
            if not isinstance(text, str):
                raise ValueError(f"option {value} must be a text")
            if _norm(text) != _norm(originals[value]):
                edits.options[value] = text.strip()
        if len(edits.drop) == len(values):
            raise ValueError("every option is dropped: reject the item instead")
        return Edits.model_validate(edits.model_dump())

    def undo(self) -> None:
        if not self.history:
            self.console.print("Nothing to undo in this session.")
            return
        action = self.history.pop()
        item = self.by_id[action.item_id]
        if action.decision is None:
            self.pending.remove(item)
            self.summary.skipped -= 1
            self.skips[action.item_id] -= 1
            self.console.print(f"Undo skip of {action.item_id}.", markup=False)
        else:
            retract = Decision(
                item_id=action.item_id,
                reviewer=self.reviewer,
                decision="retract",
                reason="undo",
                timestamp=utc_now(),
                retracts=action.decision.timestamp,
                source="session",
            )
            self._record(retract)
            self.decided.discard(action.item_id)
            self.summary.retracted += 1
            self.summary.decided -= 1
            self.summary.counts[action.decision.decision] -= 1
            self.console.print(
                f"Undone: {action.decision.decision} {action.item_id} (retracted)", markup=False
            )
        self.edits = Edits()
        self.pending.insert(0, item)

    def skip(self, item: Mapping[str, Any]) -> None:
        self.pending.append(self.pending.pop(0))
        self.history.append(Action(str(item["item_id"]), None))
        self.edits = Edits()
        self.summary.skipped += 1
        self.skips[str(item["item_id"])] += 1
        self.console.print(f"Skipped {item['item_id']}.", markup=False)

    # ------------------------------------------------------------------ loop
    def run(self) -> SessionSummary:
        c = self.console
        c.print(
            f"Reviewer {self.reviewer}: {len(self.pending)} of {len(self.items)} item(s) to "
            f"review; decisions go to {self.path}",
            markup=False,
        )
        handlers: dict[str, Callable[[Mapping[str, Any]], None]] = {
            "a": self.accept,
            "r": self.reject,
            "e": self.edit,
            "l": self.relabel,
            "s": self.skip,
        }
        try:
            while self.pending:
                item = self.pending[0]
                self.show(item)
                key = self.keys.key()
                if key == "q":
                    break
                if key == "u":
                    self.undo()
                elif key in handlers:
                    handlers[key](item)
                else:
                    c.print(f"Unknown key {key!r}.", markup=False)
            else:
                c.print("The queue is done for this reviewer.")
        except (KeyboardInterrupt, EOFError):
            c.print("")
        self.summary.remaining = len(self.pending)
        counts = ", ".join(f"{k} {n}" for k, n in sorted(self.summary.counts.items()) if n)
        c.print(
            f"Session over: {self.summary.decided} decision(s) ({counts or 'none'}), "
            f"{self.summary.retracted} undone, {self.summary.remaining} item(s) left.",
            markup=False,
        )
        return self.summary


class _BlockDumper(yaml.SafeDumper):
    """YAML with multi-line texts as literal blocks, easier to edit than escaped strings."""


def _str_representer(dumper: yaml.SafeDumper, text: str) -> yaml.nodes.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_BlockDumper.add_representer(str, _str_representer)


def _norm(text: str) -> str:
    return " ".join(str(text).split())


def start_session(
    reviewer: str,
    queue_path: Path,
    decisions_dir: Path,
    reason: str | None = None,
    clean_path: Path | None = None,
    console: Console | None = None,
) -> SessionSummary:
    """Load the queue, skip what ``reviewer`` already decided, and run the session."""
    path = decisions_file(decisions_dir, reviewer)
    items = load_queue(queue_path)
    if reason:
        wanted = {r.strip() for r in reason.split(",") if r.strip()}
        items = [i for i in items if wanted & set(i.get("reasons", []))]
    own = [p for p in load_decisions(decisions_dir).problems if p.file == path.name]
    if own:
        (console or Console(highlight=False)).print(
            f"Warning: {len(own)} malformed line(s) in {path} (first: line {own[0].line}: "
            f"{own[0].problem}); `valact review` reports them too.",
            markup=False,
        )
    done = decided_by(decisions_dir, reviewer)
    posts = load_posts(clean_path, (str(i["item_id"]) for i in items)) if clean_path else {}
    session = ReviewSession(items, reviewer, path, done, posts=posts, console=console)
    return session.run()
