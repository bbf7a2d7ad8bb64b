"""The participants' web app (Flask, server-rendered HTML, no JavaScript).

Pages: ``/`` consent, ``/start`` (POST, enrols), ``/code`` (the resume code), ``/resume``,
``/q`` (the next unanswered step), ``/q/<n>`` (a step; POST stores its answer and redirects:
post/redirect/get, so a reload never resubmits), ``/stop``, ``/done``, ``/withdraw``,
``/healthz``. The participant is carried by a signed session cookie (``HttpOnly``,
``SameSite=Lax``, so another site cannot post answers in their name) holding the resume code;
the cookie's key is the study's secret in the database, so a restarted server keeps every
participant's session.

**Back and skip rules.** *Back* reaches any earlier step of the part (block) the participant
is in, never a finished part (questionnaire answers cannot be revised after reading the
situations); each *Back* is logged, a changed answer replaces the stored one and is logged as
a ``change``. *Skip* stores an explicit skip (exported as no answer, ``parse_detail:
skipped``); a skipped attention check counts as failed. Nobody can jump ahead of the first
unanswered step.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, abort, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from pipeline.evaluate.conditions import LETTERS
from pipeline.survey.plan import (
    BLOCK_TITLES,
    CHECK_ACT_OPTIONS,
    CHECK_ACT_QUESTION,
    CHECK_ACT_SCENARIO,
    Step,
    check_state_text,
)
from pipeline.survey.store import Participant, Store, format_code, normalise_code
from pipeline.survey.study import Study, blocks, paragraphs
from pipeline.values import VALUE_BY_ID

log = logging.getLogger("valact.survey")

ACT_QUESTION = "Which of these actions would you advise them to take?"
HOLD_QUESTION = "Which of these actions would you take?"


def frontier(p: Participant, answered: set[str]) -> int:
    """The first step without an answer (``len(steps)`` when all are answered)."""
    for i, s in enumerate(p.plan.steps):
        if s.key not in answered:
            return i
    return len(p.plan.steps)


def reachable(p: Participant, answered: set[str], n: int) -> bool:
    """Step ``n`` can be shown: not ahead of the frontier, and in the frontier's block."""
    steps = p.plan.steps
    front = frontier(p, answered)
    if n < 0 or n > front or front >= len(steps):
        return False
    return steps[n].block == steps[front].block


def create_app(study: Study, store: Store) -> Flask:
    store.bind_study(study.identity())
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=store.secret(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_PERMANENT=True,
        PERMANENT_SESSION_LIFETIME=60 * 60 * 24 * 30,
        MAX_CONTENT_LENGTH=64 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    parts = [b for b in BLOCK_TITLES if any(
        s.block == b for s in study.plan_for(1, dict.fromkeys(study.scenario_ids, 0)).steps)]

    def page(template: str, status: int = 200, **ctx: Any) -> tuple[str, int]:
        return render_template(template, title=study.title, **ctx), status

    def current() -> Participant | None:
        code = session.get("code")
        if not code:
            return None
        p = store.by_code(code)
        if p is None or p.status == "withdrawn":
            session.pop("code", None)
            return None
        return p

    @app.get("/healthz")
    def healthz() -> tuple[str, int]:
        return "ok", 200

    @app.get("/")
    def consent() -> tuple[str, int]:
        return page("consent.html", consent=blocks(study.consent),
                    resuming=current() is not None)

    @app.post("/start")
    def start() -> Response | tuple[str, int]:
        if request.form.get("consent") != "yes":
            return page("consent.html", 422, consent=blocks(study.consent),
                        resuming=current() is not None,
                        error="To take part, tick the box that says you agree, then Start.")
        p = current()
        if p is not None:  # a double click on Start, or a participant already enrolled
            return redirect(url_for("code_page"), 303)
        participant, code = store.enroll(study.plan_for, study.scenario_ids,
                                         study.stale_seconds)
        session["code"] = code
        session.permanent = True
        log.info("participant %s enrolled", participant.respondent)
        return redirect(url_for("code_page"), 303)

    @app.get("/code")
    def code_page() -> Response | tuple[str, int]:
        p = current()
        if p is None:
            return redirect(url_for("consent"), 303)
        return page("code.html", code=format_code(session["code"]),
                    steps=len(p.plan.steps), blocks=len(parts))

    @app.route("/resume", methods=["GET", "POST"])
    def resume() -> Response | tuple[str, int]:
        if request.method == "GET":
            return page("resume.html")
        code = normalise_code(request.form.get("code", ""))
        p = store.by_code(code) if code else None
        if p is None or p.status == "withdrawn":
            return page("resume.html", 422, typed=request.form.get("code", ""),
                        error="No participant has this code. Check it (letters and digits, "
                              "for example K7QF-M2XD) and try again.")
        session["code"] = code
        session.permanent = True
        store.log(p.number, "resume")
        return redirect(url_for("next_step"), 303)

    @app.get("/q")
    def next_step() -> Response:
        p = current()
        if p is None:
            return redirect(url_for("consent"), 303)
        n = frontier(p, set(store.answers(p.number)))
        if n >= len(p.plan.steps):
            return redirect(url_for("done"), 303)
        return redirect(url_for("step", n=n), 303)

    def render_step(p: Participant, n: int, status: int = 200,
                    error: str | None = None) -> tuple[str, int]:
        answers = store.answers(p.number)
        s = p.plan.steps[n]
        stored = answers.get(s.key)
        back = n > 0 and reachable(p, set(answers), n - 1)
        block_no = parts.index(s.block) + 1
        first_in_block = n == 0 or p.plan.steps[n - 1].block != s.block
        in_block = [x for x in p.plan.steps if x.block == s.block]
        return page(
            "step.html", status, n=n, total=len(p.plan.steps), step=s, view=step_view(s),
            chosen=stored.answer if stored else None, skipped=bool(stored and stored.skipped),
            back=back, error=error, block_no=block_no, blocks=len(parts),
            block_title=BLOCK_TITLES[s.block], first_in_block=first_in_block,
            block_size=len(in_block),
        )

    def step_view(s: Step) -> dict[str, Any]:
        """What the template shows for a step (texts looked up, options lettered)."""
        if s.kind in ("state", "check_state"):
            q = study.questionnaire
            text = study.items[s.item_id].text if s.kind == "state" else check_state_text(q)
            points = [(str(r), f"{r}", q.scale.label_of(r))
                      for r in range(q.scale.minimum, q.scale.maximum + 1)]
            return {"form": "rating", "statement": text, "stem": q.stem, "points": points}
        if s.kind == "check_act":
            texts = dict(CHECK_ACT_OPTIONS)
            return {"form": "choice", "situation": [CHECK_ACT_SCENARIO], "question": "",
                    "ask": CHECK_ACT_QUESTION, "value": None,
                    "options": [(oid, LETTERS[i], texts[oid])
                                for i, oid in enumerate(s.options)]}
        sc = study.by_id[s.item_id]
        texts = {o.option_id: o.text for o in sc.options}
        value = VALUE_BY_ID[s.target] if s.target else None
        return {
            "form": "choice", "situation": paragraphs(sc.scenario),
            "question": sc.question.strip(), "value": value,
            "ask": HOLD_QUESTION if s.kind == "hold" else ACT_QUESTION,
            "options": [(oid, LETTERS[i], texts[oid]) for i, oid in enumerate(s.options)],
        }

    def allowed_answers(s: Step) -> set[str]:
        if s.kind in ("state", "check_state"):
            sc = study.questionnaire.scale
            return {str(r) for r in range(sc.minimum, sc.maximum + 1)}
        return set(s.options)

    @app.get("/q/<int:n>")
    def step(n: int) -> Response | tuple[str, int]:
        p = current()
        if p is None:
            return redirect(url_for("consent"), 303)
        answered = set(store.answers(p.number))
        if not reachable(p, answered, n):
            return redirect(url_for("next_step"), 303)
        if request.args.get("back") == "1":
            store.log(p.number, "back", p.plan.steps[n].key)
        return render_step(p, n)

    @app.post("/q/<int:n>")
    def answer(n: int) -> Response | tuple[str, int]:
        p = current()
        if p is None:
            return redirect(url_for("consent"), 303)
        if not 0 <= n < len(p.plan.steps):
            abort(404)
        s = p.plan.steps[n]
        if request.form.get("key") != s.key:
            return redirect(url_for("next_step"), 303)  # a stale page of another step
        if not reachable(p, set(store.answers(p.number)), n):
            # ahead of the frontier, in a finished part, or a double submit that arrives
            # after the part moved on (its answer is already stored): nothing to change
            return redirect(url_for("next_step"), 303)
        action = request.form.get("action", "next")
        if action == "skip":
            store.record(p, s.key, None)
        else:
            value = request.form.get("answer")
            if value not in allowed_answers(s):
                return render_step(p, n, 422, error="Choose one answer, or press Skip.")
            store.record(p, s.key, value)
        if n + 1 >= len(p.plan.steps):
            return redirect(url_for("next_step"), 303)
        return redirect(url_for("step", n=n + 1), 303)

    @app.route("/stop", methods=["GET", "POST"])
    def stop() -> Response | tuple[str, int]:
        p = current()
        if p is None:
            return redirect(url_for("consent"), 303)
        if request.method == "POST":
            store.log(p.number, "stop")
        return page("stop.html", code=format_code(session["code"]))

    @app.get("/done")
    def done() -> Response | tuple[str, int]:
        p = current()
        if p is None:
            return redirect(url_for("consent"), 303)
        if p.status != "completed":
            return redirect(url_for("next_step"), 303)
        return page("done.html", code=format_code(session["code"]))

    @app.route("/withdraw", methods=["GET", "POST"])
    def withdraw() -> Response | tuple[str, int]:
        p = current()
        if request.method == "GET":
            return page("withdraw.html", known=p is not None)
        if request.form.get("confirm") != "yes":
            return page("withdraw.html", 422, known=p is not None,
                        error="Tick the box to confirm that your answers should be deleted.")
        if p is None:
            typed = normalise_code(request.form.get("code", ""))
            p = store.by_code(typed) if typed else None
            if p is None or p.status == "withdrawn":
                return page("withdraw.html", 422, known=False,
                            error="No participant has this code. Check it and try again.")
        store.withdraw(p.number)
        session.clear()
        log.info("participant %s withdrew", p.respondent)
        return page("withdrawn.html")

    @app.errorhandler(404)
    def not_found(_: Exception) -> tuple[str, int]:
        return page("message.html", 404, heading="Page not found",
                    message="This page does not exist. Use the link below to go on.")

    return app
