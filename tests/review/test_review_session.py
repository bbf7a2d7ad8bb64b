"""`valact review session` driven like a person would: pexpect on a real terminal."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pexpect
import pytest
from rich.console import Console
from test_review_stage import write_annotations

from pipeline.artifacts import write_frame
from pipeline.params import Params, ReviewParams
from pipeline.review.session import KeyReader, ReviewSession
from pipeline.review.stage import run as review_run
from pipeline.schemas import CLEAN_POSTS
from pipeline.values import VALUE_IDS
from stage_fixtures import unique_posts

REPO = Path(__file__).resolve().parents[2]
RUNNER = (
    "import typer; from pipeline.review.commands import register; app = typer.Typer(); "
    "g = typer.Typer(); app.add_typer(g, name='review'); register(g); app()"
)
N_ITEMS = 7

FAKE_EDITOR = """\
import sys, yaml
path = sys.argv[1]
data = yaml.safe_load(open(path, encoding="utf-8"))
with open(sys.argv[0] + ".log", "a") as log:
    log.write(path + "\\n")
data["question"] = "Should I cover for her just this once?"
data["options"]["achievement"] = "Use the shift to show your manager you can be relied on."
open(path, "w", encoding="utf-8").write(yaml.safe_dump(data))
"""

BAD_EDITOR = """\
import sys
open(sys.argv[1], "w").write("scenario: ok\\nquestion: ''\\noptions: {}\\n")
"""


def _params() -> Params:
    return replace(Params(), review=ReviewParams(audit_rate=0.0))


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    """A repo-like folder: annotations, clean posts and the queue (7 items, all `repaired`)."""
    specs = [{"post_id": f"p{i:05d}", "flags": ["repaired"]} for i in range(N_ITEMS)]
    write_annotations(tmp_path / "interim" / "annotations.parquet", specs)
    posts = unique_posts(N_ITEMS).drop(index=[5])  # p00005 has no post: shown without one
    write_frame(posts, tmp_path / "interim" / "clean.parquet", CLEAN_POSTS)
    _stage(tmp_path)
    return tmp_path


def _stage(root: Path) -> dict[str, Any]:
    cwd = Path.cwd()
    os.chdir(root)
    try:
        return review_run(_params(), src=Path("interim/annotations.parquet"),
                          decisions_dir=Path("review/decisions"),
                          reviewed_out=Path("interim/reviewed.parquet"),
                          queue_out=Path("review/queue.jsonl"))
    finally:
        os.chdir(cwd)


def _env(root: Path, editor_script: str) -> dict[str, str]:
    editor = root / "fake_editor.py"
    editor.write_text(editor_script)
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(REPO),
        "NO_COLOR": "1",
        "TERM": "dumb",
        "EDITOR": f"{sys.executable} {editor}",
        "COLUMNS": "160",
    })
    env.pop("VISUAL", None)
    return env


def _spawn(root: Path, env: dict[str, str], *args: str) -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, ["-c", RUNNER, "review", "session", *args], cwd=root,
                          env=env, encoding="utf-8", timeout=60, dimensions=(50, 160))
    return child


def _decisions(root: Path, reviewer: str = "alice") -> list[dict[str, Any]]:
    path = root / "review" / "decisions" / f"{reviewer}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def _item_values(i: int) -> list[str]:
    return [VALUE_IDS[(i + j) % 10] for j in range(5)]  # as make_annotations assigns them


@pytest.mark.slow
def test_scripted_session_then_resume(workdir: Path) -> None:
    env = _env(workdir, FAKE_EDITOR)
    child = _spawn(workdir, env, "--reviewer", "alice")
    child.expect("Reviewer alice: 7 of 7 item")
    child.expect(r"Item 1 of 7 in queue order \(decided 0, 7 to go\) \| by reason: repaired 0/7")
    child.expect("Original post .scrubbed.")
    child.expect("Keys:")
    child.send("a")                                        # p00000: accept
    child.expect("Saved: accept p00000")
    child.expect("Item 2 of 7")
    child.expect("Keys:")
    child.send("r")                                        # p00001: reject with a reason
    child.expect("Reason for rejecting")
    child.sendline("not a real dilemma")
    child.expect("Saved: reject p00001")
    child.expect("Keys:")
    child.send("e")                                        # p00002: edit in $EDITOR
    child.expect(r"Pending changes: question; text of achievement")
    child.expect("Keys:")
    child.send("a")
    child.expect(r"Reason for the changes \(optional\)")
    child.sendline("clearer question")
    child.expect("Saved: edit p00002")
    child.expect("Keys:")
    child.send("l")                                        # p00003: relabel option b
    child.expect(r"Relabel which option\? Its letter \(a-e\)")
    child.sendline("b")
    child.expect("Values: 1=self_direction  2=stimulation")
    child.expect(rf"New value for option b \({_item_values(3)[1]}\): its number \(1-10\)")
    child.sendline("universalism")
    child.expect(f"Option b: {_item_values(3)[1]} -> universalism .pending.")
    child.expect("Keys:")
    child.send("a")
    child.expect("optional")
    child.sendline("")
    child.expect("Saved: edit p00003")
    child.expect("Keys:")
    child.send("s")                                        # p00004: skip
    child.expect("Skipped p00004")
    child.expect("p00005")                                 # the position moves on
    child.expect(r"Item 6 of 7 in queue order \(decided 4, 3 to go, 1 of them skipped\)")
    child.expect("Keys:")
    child.send("u")                                        # undo the skip
    child.expect("Undo skip of p00004")
    child.expect("Keys:")
    child.send("u")                                        # undo the relabel of p00003
    child.expect("Undone: edit p00003 .retracted.")
    child.expect("p00003")
    child.expect("Keys:")
    child.send("q")
    child.expect(r"Session over: 3 decision\(s\) \(accept 1, edit 1, reject 1\), 1 undone")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    rows = _decisions(workdir)
    assert [(r["item_id"], r["decision"]) for r in rows] == [
        ("p00000", "accept"), ("p00001", "reject"), ("p00002", "edit"), ("p00003", "edit"),
        ("p00003", "retract"),
    ]
    assert all(r["reviewer"] == "alice" and r["timestamp"].endswith("Z") for r in rows)
    assert rows[1]["reason"] == "not a real dilemma"
    assert rows[2]["edits"] == {
        "question": "Should I cover for her just this once?",
        "options": {"achievement": "Use the shift to show your manager you can be relied on."},
    }
    assert rows[2]["reason"] == "clearer question"
    assert rows[3]["edits"] == {"relabel": {_item_values(3)[1]: "universalism"}}
    assert rows[4]["retracts"] == rows[3]["timestamp"]
    assert (workdir / "fake_editor.py.log").read_text().count(".yaml") == 1

    # restart: resumes at p00003 (the undone item), not at p00000
    child = _spawn(workdir, env, "--reviewer", "alice")
    child.expect("Reviewer alice: 4 of 7 item")
    child.expect("p00003")
    child.expect(r"Item 4 of 7 in queue order \(decided 3, 4 to go\) \| by reason: repaired 3/7")
    child.expect("Keys:")
    child.send("a")
    child.expect("Saved: accept p00003")
    child.expect("p00004")
    child.expect("Keys:")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert _decisions(workdir)[-1] | {"timestamp": None} == {
        "item_id": "p00003", "reviewer": "alice", "decision": "accept", "reason": "",
        "timestamp": None, "source": "session",
    }

    # the stage replays the file
    metrics = _stage(workdir)
    assert metrics["decision_problems"] == 0
    rev = pd.read_parquet(workdir / "interim" / "reviewed.parquet")
    status = rev.groupby("post_id")["review_status"].first().to_dict()
    assert status["p00000"] == "accepted" and status["p00003"] == "accepted"
    assert status["p00002"] == "edited" and "p00001" not in status
    assert set(rev[rev["post_id"] == "p00002"]["question"]) == {
        "Should I cover for her just this once?"}
    queue = [json.loads(x) for x in (workdir / "review" / "queue.jsonl").read_text().splitlines()]
    assert [q["item_id"] for q in queue][:3] == ["p00004", "p00005", "p00006"]


@pytest.mark.slow
def test_another_reviewer_and_reason_filter(workdir: Path) -> None:
    (workdir / "review" / "decisions").mkdir(parents=True, exist_ok=True)
    (workdir / "review" / "decisions" / "alice.jsonl").write_text(json.dumps(
        {"item_id": "p00000", "reviewer": "alice", "decision": "accept",
         "timestamp": "2026-11-01T10:00:00Z"}) + "\n")
    env = _env(workdir, FAKE_EDITOR)
    # bob has decided nothing: he starts at the first item, alice's decision is not shown
    child = _spawn(workdir, env, "--reviewer", "bob", "--reason", "repaired")
    child.expect("Reviewer bob: 7 of 7 item")
    child.expect("p00000")
    child.expect("Keys:")
    child.send("\x1b[A")  # an arrow key must not act as its last byte ("A" = accept)
    child.expect("Unknown key")
    child.expect("Keys:")
    child.send("q")
    child.expect(pexpect.EOF)
    assert not (workdir / "review" / "decisions" / "bob.jsonl").exists()
    child = _spawn(workdir, env, "--reviewer", "bob", "--reason", "sensitive")
    child.expect("Reviewer bob: 0 of 0 item")
    child.expect("The queue is done")
    child.expect(pexpect.EOF)


@pytest.mark.slow
def test_invalid_edit_is_refused_and_input_can_be_piped(workdir: Path) -> None:
    env = _env(workdir, BAD_EDITOR)
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, "review", "session", "--reviewer", "carol"],
        input="e\nn\nr\n\nr\ntoo vague\nq\n", cwd=workdir, env=env, capture_output=True,
        text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Not a valid edit: question must be a non-empty text" in out
    assert "Edit discarded." in out
    assert "Not rejected." in out  # an empty reason cancels a reject
    assert "Saved: reject p00000" in out
    assert [(r["item_id"], r["decision"], r["reason"]) for r in _decisions(workdir, "carol")] == [
        ("p00000", "reject", "too vague")]


@pytest.mark.slow
def test_a_crash_keeps_every_saved_decision(workdir: Path) -> None:
    env = _env(workdir, FAKE_EDITOR)
    child = _spawn(workdir, env, "--reviewer", "dave")
    child.expect("Keys:")
    child.send("a")
    child.expect("Saved: accept p00000")
    child.expect("Keys:")
    child.send("l")
    child.expect("Relabel which option")
    child.sendline("a")
    child.expect("New value")
    child.sendline("5")
    child.expect("Keys:")  # a pending relabel on p00001, then the process dies
    child.kill(signal.SIGKILL)
    child.close()
    assert [(r["item_id"], r["decision"]) for r in _decisions(workdir, "dave")] == [
        ("p00000", "accept")]


def test_bad_reviewer_name_is_refused(workdir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, "review", "session", "--reviewer", "../x"],
        cwd=workdir, env=_env(workdir, FAKE_EDITOR), capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 1 and "reviewer name" in proc.stderr


# ------------------------------------------------------------- in-process, scripted keys

def _session(tmp_path: Path, keys: str, n_items: int = 3) -> tuple[ReviewSession, io.StringIO]:
    """A session over ``n_items`` items whose options are listed alphabetically (as the
    queue lists them), fed ``keys`` one per line, its screen captured as plain text."""
    items = [
        {"item_id": f"x{i}", "subreddit": "Advice", "reasons": ["repaired"],
         "scenario": f"Scenario {i}", "question": "What should I do?",
         "options": [{"value": v, "text": f"Do the {v} thing ({i})."}
                     for v in ("achievement", "benevolence", "self_direction")]}
        for i in range(n_items)
    ]
    screen = io.StringIO()
    console = Console(file=screen, width=160, no_color=True, highlight=False)
    session = ReviewSession(items, "zoe", tmp_path / "zoe.jsonl", set(), console=console,
                            keys=KeyReader(io.StringIO(keys)))
    return session, screen


def test_relabel_letters_options_and_numbers_values(tmp_path: Path) -> None:
    # "1" is not an option (it would be achievement by position, self_direction by value):
    # refused; then option a (achievement) to value 1 (self_direction), which collides
    # with option c; then option c by its value id to value 2 (stimulation)
    session, screen = _session(tmp_path, "l\n1\nl\na\n1\nl\nself_direction\n2\nq\n")
    session.run()
    out = screen.getvalue()
    rows = [line.split() for line in out.splitlines() if "Do the" in line]
    assert [r[1] for r in rows[:3]] == ["a", "b", "c"]  # the opt column: letters
    assert "Relabel which option? Its letter (a-c) from the opt column" in out
    assert "No option '1' (numbers are for values; options are lettered): not relabelled." in out
    assert "Values: 1=self_direction  2=stimulation  3=hedonism  4=achievement" in out
    assert "New value for option a (achievement): its number (1-10) from the Values line" in out
    assert "Option a: achievement -> self_direction (pending)" in out
    assert "Option c is also labelled self_direction: relabel it too" in out
    assert "Option c: self_direction -> stimulation (pending)" in out
    assert session.edits.relabel == {"achievement": "self_direction",
                                     "self_direction": "stimulation"}


def test_item_position_advances_past_a_skip(tmp_path: Path) -> None:
    session, screen = _session(tmp_path, "s\na\ns\ns\na\nq\n")
    summary = session.run()
    shown = re.findall(r"Item (\d) of 3 in queue order(, skipped earlier)? \(([^)]*)\)",
                       screen.getvalue())
    assert shown == [
        ("1", "", "decided 0, 3 to go"),                                      # x0: s
        ("2", "", "decided 0, 3 to go, 1 of them skipped"),                   # x1: a
        ("3", "", "decided 1, 2 to go, 1 of them skipped"),                   # x2: s
        ("1", ", skipped earlier", "decided 1, 2 to go, 2 of them skipped"),  # x0 again: s
        ("3", ", skipped earlier", "decided 1, 2 to go, 2 of them skipped"),  # x2 again: a
        ("1", ", skipped earlier", "decided 2, 1 to go, 1 of them skipped"),  # x0: q
    ]
    assert (summary.decided, summary.remaining) == (2, 1)
