"""The survey's storage: one SQLite file in WAL mode that loses no stored answer.

Durability: ``journal_mode=WAL`` and ``synchronous=FULL``; every answer is one
``BEGIN IMMEDIATE`` transaction committed before the server replies, so an answer the
participant saw accepted survives the server being killed at any moment. Answers are keyed by
(participant, step key): a double submit stores one answer, and a changed answer (after
*Back*) replaces it, counted in ``revisions`` and logged as a ``change`` event.

Tables:

- ``meta``: the study (settings, dataset and questionnaire fingerprints, the cookie secret);
- ``participants``: number (1, 2, ...), code (the resume code), status (``active`` |
  ``completed`` | ``withdrawn``), times, and the plan (JSON: :class:`~pipeline.survey.plan.Step`
  list) drawn at enrolment;
- ``assignments``: (participant, scenario_id), for the balance of new enrolments;
- ``answers``: (participant, step_key) -> answer text (an option id or a rating) or a skip;
- ``events``: what a participant did besides answering (``back``, ``skip``, ``change``,
  ``resume``, ``stop``, ``withdraw``), for the status report and the back/skip rules.

A withdrawal deletes the participant's answers, events and assignments and keeps only the
number, the code's hash and the status ``withdrawn``: their data is gone, the count is not.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.survey.plan import Plan, Step

SCHEMA_VERSION = "1"
# Resume codes: 8 characters without look-alikes (0/O, 1/I/L), shown as XXXX-XXXX.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS participants (
    number INTEGER PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('active', 'completed', 'withdrawn')),
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL,
    completed_at REAL,
    plan TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS assignments (
    participant INTEGER NOT NULL REFERENCES participants(number),
    scenario_id TEXT NOT NULL,
    PRIMARY KEY (participant, scenario_id)
);
CREATE INDEX IF NOT EXISTS assignments_scenario ON assignments(scenario_id);
CREATE TABLE IF NOT EXISTS answers (
    participant INTEGER NOT NULL REFERENCES participants(number),
    step_key TEXT NOT NULL,
    answer TEXT,
    skipped INTEGER NOT NULL DEFAULT 0,
    first_at REAL NOT NULL,
    last_at REAL NOT NULL,
    revisions INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (participant, step_key)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    participant INTEGER NOT NULL,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    step_key TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS events_participant ON events(participant);
"""


class StudyMismatch(RuntimeError):
    """The database was made for another dataset, questionnaire or design."""


def normalise_code(text: str) -> str:
    """What a participant typed, as a code: upper case, no spaces or hyphens."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def code_hash(code: str) -> str:
    """Codes are stored hashed: the database alone does not let anyone resume a participant."""
    return hashlib.sha256(f"valact-survey|{normalise_code(code)}".encode()).hexdigest()


@dataclass(frozen=True)
class Answer:
    answer: str | None
    skipped: bool
    revisions: int


@dataclass(frozen=True)
class Participant:
    number: int
    status: str
    created_at: float
    last_seen: float
    completed_at: float | None
    plan: Plan

    @property
    def respondent(self) -> str:
        """The id exported for this participant (never the resume code)."""
        return f"P{self.number:04d}"


class Store:
    """Thread-safe: one SQLite connection per thread, every write one transaction."""

    def __init__(self, path: Path | str, *, clock: Any = time.time) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._clock = clock
        db = self._db()
        db.executescript(_SCHEMA)  # idempotent; executescript runs outside a transaction
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                       (SCHEMA_VERSION,))

    # -- connections -------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None,
                                 check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def now(self) -> float:
        return float(self._clock())

    # -- the study ---------------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._db().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def bind_study(self, study: Mapping[str, Any]) -> None:
        """Record the study on first use; refuse a database made for a different one."""
        text = json.dumps(dict(study), sort_keys=True)
        with self._write() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'study'").fetchone()
            if row is None:
                db.execute("INSERT INTO meta VALUES ('study', ?)", (text,))
                db.execute("INSERT INTO meta VALUES ('secret', ?)", (secrets.token_hex(32),))
                return
        stored = json.loads(row[0])
        diff = sorted(k for k in set(stored) | set(study) if stored.get(k) != study.get(k))
        if diff:
            details = "; ".join(f"{k}: {stored.get(k)!r} in the database, {study.get(k)!r} now"
                                for k in diff)
            raise StudyMismatch(
                f"{self.path} belongs to another study ({details}). Participants' plans were "
                "drawn from it: serve it with the same dataset, questionnaire and settings, or "
                "start a new study with another --db."
            )

    def study(self) -> dict[str, Any]:
        text = self.meta("study")
        if text is None:
            raise StudyMismatch(f"{self.path} holds no study (was it ever served?)")
        return dict(json.loads(text))

    def secret(self) -> str:
        value = self.meta("secret")
        if value is None:
            raise StudyMismatch(f"{self.path} holds no study (was it ever served?)")
        return value

    # -- participants ------------------------------------------------------------------------

    def live_loads(self, scenario_ids: list[str], stale_seconds: float) -> dict[str, int]:
        """Per scenario: completed participants plus active ones seen within the window."""
        return self._loads_in(self._db(), scenario_ids, self.now() - stale_seconds)

    def enroll(self, make_plan: Any, scenario_ids: list[str],
               stale_seconds: float) -> tuple[Participant, str]:
        """A new participant and their resume code; ``make_plan(number, loads) -> Plan``.

        The loads are read and the plan stored in one transaction, so two participants
        enrolling at once see each other's assignments.
        """
        now = self.now()
        with self._write() as db:
            number = int(db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM participants")
                         .fetchone()[0])
            loads = self._loads_in(db, scenario_ids, now - stale_seconds)
            plan: Plan = make_plan(number, loads)
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if db.execute("SELECT 1 FROM participants WHERE code_hash = ?",
                              (code_hash(code),)).fetchone() is None:
                    break
            db.execute("INSERT INTO participants VALUES (?, ?, 'active', ?, ?, NULL, ?)",
                       (number, code_hash(code), now, now,
                        json.dumps([s.to_json() for s in plan.steps])))
            db.executemany("INSERT INTO assignments VALUES (?, ?)",
                           [(number, sid) for sid in dict.fromkeys(plan.scenario_ids)])
        return Participant(number, "active", now, now, None, plan), code

    @staticmethod
    def _loads_in(db: sqlite3.Connection, scenario_ids: list[str],
                  cutoff: float) -> dict[str, int]:
        rows = db.execute(
            "SELECT a.scenario_id, COUNT(*) FROM assignments a JOIN participants p "
            "ON p.number = a.participant WHERE p.status = 'completed' OR "
            "(p.status = 'active' AND p.last_seen >= ?) GROUP BY a.scenario_id", (cutoff,)
        ).fetchall()
        counts = {sid: 0 for sid in scenario_ids}
        for sid, n in rows:
            if sid in counts:
                counts[sid] = int(n)
        return counts

    @staticmethod
    def _participant(row: tuple[Any, ...]) -> Participant:
        number, status, created, seen, completed, plan = row
        steps = tuple(Step.from_json(s) for s in json.loads(plan))
        return Participant(int(number), str(status), float(created), float(seen),
                           None if completed is None else float(completed), Plan(steps))

    _COLUMNS = "number, status, created_at, last_seen, completed_at, plan"

    def by_code(self, code: str) -> Participant | None:
        row = self._db().execute(
            f"SELECT {self._COLUMNS} FROM participants WHERE code_hash = ?",
            (code_hash(code),)).fetchone()
        return None if row is None else self._participant(row)

    def by_number(self, number: int) -> Participant | None:
        row = self._db().execute(
            f"SELECT {self._COLUMNS} FROM participants WHERE number = ?", (number,)).fetchone()
        return None if row is None else self._participant(row)

    def participants(self) -> list[Participant]:
        rows = self._db().execute(
            f"SELECT {self._COLUMNS} FROM participants ORDER BY number").fetchall()
        return [self._participant(r) for r in rows]

    # -- answers -----------------------------------------------------------------------------

    def answers(self, number: int) -> dict[str, Answer]:
        rows = self._db().execute(
            "SELECT step_key, answer, skipped, revisions FROM answers WHERE participant = ?",
            (number,)).fetchall()
        return {k: Answer(a, bool(s), int(r)) for k, a, s, r in rows}

    def record(self, p: Participant, step_key: str, answer: str | None) -> bool:
        """Store an answer (``None`` = skipped); returns whether anything changed.

        Idempotent: the same answer again changes nothing. The participant completes when
        every step of the plan has an answer or a skip.
        """
        if p.status == "withdrawn":
            raise PermissionError("a withdrawn participant cannot answer")
        now = self.now()
        skipped = int(answer is None)
        with self._write() as db:
            row = db.execute("SELECT answer, skipped FROM answers WHERE participant = ? AND "
                             "step_key = ?", (p.number, step_key)).fetchone()
            changed = row is None or (row[0], row[1]) != (answer, skipped)
            if row is None:
                db.execute("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, 0)",
                           (p.number, step_key, answer, skipped, now, now))
            elif changed:
                db.execute("UPDATE answers SET answer = ?, skipped = ?, last_at = ?, "
                           "revisions = revisions + 1 WHERE participant = ? AND step_key = ?",
                           (answer, skipped, now, p.number, step_key))
                db.execute("INSERT INTO events (participant, at, kind, step_key, detail) "
                           "VALUES (?, ?, 'change', ?, ?)",
                           (p.number, now, step_key,
                            json.dumps({"from": row[0], "to": answer})))
            if changed and skipped:
                db.execute("INSERT INTO events (participant, at, kind, step_key) "
                           "VALUES (?, ?, 'skip', ?)", (p.number, now, step_key))
            done = int(db.execute("SELECT COUNT(*) FROM answers WHERE participant = ?",
                                  (p.number,)).fetchone()[0])
            if done >= len(p.plan.steps):
                db.execute("UPDATE participants SET status = 'completed', completed_at = "
                           "COALESCE(completed_at, ?), last_seen = ? WHERE number = ? AND "
                           "status = 'active'", (now, now, p.number))
            else:
                db.execute("UPDATE participants SET last_seen = ? WHERE number = ?",
                           (now, p.number))
        return changed

    def log(self, number: int, kind: str, step_key: str | None = None,
            detail: str | None = None) -> None:
        now = self.now()
        with self._write() as db:
            db.execute("INSERT INTO events (participant, at, kind, step_key, detail) "
                       "VALUES (?, ?, ?, ?, ?)", (number, now, kind, step_key, detail))
            db.execute("UPDATE participants SET last_seen = ? WHERE number = ? AND "
                       "status = 'active'", (now, number))

    def withdraw(self, number: int) -> None:
        """Delete everything the participant gave; keep the number and the status."""
        now = self.now()
        with self._write() as db:
            db.execute("DELETE FROM answers WHERE participant = ?", (number,))
            db.execute("DELETE FROM events WHERE participant = ?", (number,))
            db.execute("DELETE FROM assignments WHERE participant = ?", (number,))
            db.execute("UPDATE participants SET status = 'withdrawn', plan = '[]', "
                       "last_seen = ?, completed_at = NULL WHERE number = ?", (now, number))
            db.execute("INSERT INTO events (participant, at, kind) VALUES (?, ?, 'withdraw')",
                       (number, now))

    def event_counts(self) -> dict[str, int]:
        rows = self._db().execute("SELECT kind, COUNT(*) FROM events GROUP BY kind").fetchall()
        return {str(k): int(n) for k, n in rows}
