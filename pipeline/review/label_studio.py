"""Label Studio round trip for the review queue: export tasks, import the annotations back.

:func:`export` writes, into one folder:

- ``labeling_config.xml``: the labeling interface (paste it into the project's *Labeling
  Interface* code view). It shows the item (scenario, question, the scrubbed post when
  available) as ``Text``; an ``accept``/``reject`` ``Choices`` named ``decision``; a
  ``TextArea`` ``reason``; editable ``TextArea`` controls ``edit_scenario`` and
  ``edit_question``; and for each of the ten values ``<v>`` a block for the option the LLM
  wrote for that value: ``Text`` ``opt_<v>``, a ``Choices`` ``label_<v>`` of the ten value
  ids (to relabel it), an editable ``TextArea`` ``edit_<v>`` and a ``Choices`` ``drop_<v>``.
  Blocks are keyed by the intended value because an item has at most one option per value.
- ``tasks.json``: Label Studio's basic JSON task list: each task has ``data`` (the fields
  the config references, plus ``item_id``) and ``predictions`` with one prediction whose
  ``model_version`` names the annotator and prompt version and whose ``result`` holds the
  LLM's output as pre-annotations (each option's label, and its texts in the edit boxes).

:func:`import_export` reads a Label Studio JSON export (a list of tasks, each with
``annotations[]`` holding ``result[]`` items of type ``choices``/``textarea``,
``completed_by``, ``created_at``/``updated_at``, ``was_cancelled``) and turns each
annotation into a :class:`~pipeline.review.decisions.Decision`. A text equal to the
exported one is not an edit (the pre-annotations prefill the edit boxes); a label equal
to the intended value is not a relabel. ``reject`` wins over edits; ``accept`` (or no
choice) with changes becomes ``edit``; an annotation with no choice and no change decides
nothing and is reported.

Only that full JSON export can be imported: it is the one that keeps who annotated, when,
and every control's result. Label Studio's other exports are refused with
:class:`LabelStudioError` (``valact review import`` exits with status 1), since reading
them as tasks would find no annotations and import nothing without saying why:

- ``JSON_MIN``: a list of flat objects, one per annotation, with the task's data fields
  (``item_id``, ``scenario``...) and each control's value as top-level keys (``decision``,
  ``label_power``...) plus ``annotator``/``annotation_id``, and no ``annotations`` key;
- ``CSV`` and ``TSV`` (the same flat rows as text), and JSON Lines;
- a JSON object instead of a list (one task, or anything else), and a list of tasks
  without ``annotations`` (such as the ``tasks.json`` that :func:`export` writes).

A full export with no annotations (``[]``, or tasks whose ``annotations`` are empty: Label
Studio exports only annotated tasks unless asked for all) is valid and imports nothing;
:attr:`ImportReport.warnings` says so and the command prints it as a warning (exit 0).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.review.decisions import Decision, DecisionKind, Edits, check_reviewer
from pipeline.values import VALUE_IDS, VALUES

CONFIG_FILE = "labeling_config.xml"
TASKS_FILE = "tasks.json"
DROP_CHOICE = "drop this option"
LABELS = {v.id: v.label for v in VALUES}
EXPORT_HINT = (
    "Export with the JSON format, not JSON_MIN (nor CSV or TSV): in Label Studio, open the "
    "project, click Export, choose JSON and click Export. valact review import reads that "
    "full export: a list of tasks, each with its data and annotations"
)


class LabelStudioError(ValueError):
    """A Label Studio export cannot be imported as it is."""


# ------------------------------------------------------------------------------ export


def labeling_config() -> str:
    """The Label Studio labeling interface (XML) for review tasks."""
    view = ET.Element("View")
    ET.SubElement(view, "Style").text = ".htx-text{ white-space: pre-wrap; }"
    ET.SubElement(view, "Text", name="meta", value="$meta")
    ET.SubElement(view, "Header", value="Original post (scrubbed)", size="5")
    ET.SubElement(view, "Text", name="post", value="$post")
    ET.SubElement(view, "Header", value="Scenario")
    ET.SubElement(view, "Text", name="scenario", value="$scenario")
    _edit_box(view, "edit_scenario", "scenario", "Edit the scenario here (leave as is to keep it)")
    ET.SubElement(view, "Header", value="Question")
    ET.SubElement(view, "Text", name="question", value="$question")
    _edit_box(view, "edit_question", "question", "Edit the question here (leave as is to keep it)")
    ET.SubElement(view, "Header", value="Decision on the whole item")
    decision = ET.SubElement(
        view,
        "Choices",
        name="decision",
        toName="scenario",
        choice="single",
        showInline="true",
    )
    for value in ("accept", "reject"):
        ET.SubElement(decision, "Choice", value=value)
    ET.SubElement(
        view,
        "TextArea",
        name="reason",
        toName="scenario",
        placeholder="Reason (required when you reject)",
        rows="2",
        maxSubmissions="1",
    )
    for value in VALUE_IDS:
        block = ET.SubElement(view, "View", style="border-top: 1px solid #ccc; padding-top: 4px")
        ET.SubElement(block, "Header", value=f"Option intended as {LABELS[value]}", size="5")
        ET.SubElement(block, "Text", name=f"info_{value}", value=f"$info_{value}")
        ET.SubElement(block, "Text", name=f"opt_{value}", value=f"$opt_{value}")
        labels = ET.SubElement(
            block,
            "Choices",
            name=f"label_{value}",
            toName=f"opt_{value}",
            choice="single",
            showInline="true",
        )
        for target in VALUE_IDS:
            ET.SubElement(labels, "Choice", value=target)
        _edit_box(block, f"edit_{value}", f"opt_{value}", "Edit the option text (leave to keep)")
        drop = ET.SubElement(block, "Choices", name=f"drop_{value}", toName=f"opt_{value}")
        ET.SubElement(drop, "Choice", value=DROP_CHOICE)
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"


def _edit_box(parent: ET.Element, name: str, to_name: str, placeholder: str) -> None:
    ET.SubElement(
        parent,
        "TextArea",
        name=name,
        toName=to_name,
        editable="true",
        maxSubmissions="1",
        rows="3",
        placeholder=placeholder,
    )


def _result(rid: str, from_name: str, to_name: str, kind: str, value: Any) -> dict[str, Any]:
    key = "choices" if kind == "choices" else "text"
    return {
        "id": rid,
        "from_name": from_name,
        "to_name": to_name,
        "type": kind,
        "value": {key: value},
    }


def task_for(item: Mapping[str, Any], post: str | None = None) -> dict[str, Any]:
    """One Label Studio task (data + LLM pre-annotations) for a queue item."""
    options = {str(o["value"]): o for o in item.get("options", [])}
    reasons = ", ".join(item.get("reasons", []))
    status = item.get("status", "ok")
    meta = f"{item['item_id']} · r/{item.get('subreddit', '?')} · reasons: {reasons}"
    if status != "ok":
        meta += f" · annotator status: {status} ({item.get('status_detail') or ''})"
    data: dict[str, Any] = {
        "item_id": item["item_id"],
        "meta": meta,
        "post": post or "",
        "scenario": item.get("scenario") or "",
        "question": item.get("question") or "",
    }
    for value in VALUE_IDS:
        opt = options.get(value)
        if opt is None:
            data[f"opt_{value}"] = ""
            data[f"info_{value}"] = "(no option for this value)"
            continue
        data[f"opt_{value}"] = opt["text"]
        verified = opt.get("verified_value")
        relevance = opt.get("relevance")
        info = f"intended: {value}"
        if verified is not None:
            info += f" · verifier: {verified}" + (" (disagrees)" if verified != value else "")
        if relevance is not None:
            info += f" · relevance {float(relevance):.2f}"
        data[f"info_{value}"] = info
    result: list[dict[str, Any]] = []
    if status == "ok":
        result.append(
            _result("p_scenario", "edit_scenario", "scenario", "textarea", [data["scenario"]])
        )
        result.append(
            _result("p_question", "edit_question", "question", "textarea", [data["question"]])
        )
        for value in VALUE_IDS:
            if value not in options:
                continue
            result.append(
                _result(f"p_label_{value}", f"label_{value}", f"opt_{value}", "choices", [value])
            )
            result.append(
                _result(
                    f"p_edit_{value}",
                    f"edit_{value}",
                    f"opt_{value}",
                    "textarea",
                    [data[f"opt_{value}"]],
                )
            )
    relevances = [float(o["relevance"]) for o in options.values() if o.get("relevance") is not None]
    prediction: dict[str, Any] = {
        "model_version": f"{item.get('annotator', 'unknown')}/{item.get('prompt_version', '?')}",
        "result": result,
    }
    if relevances:
        prediction["score"] = round(sum(relevances) / len(relevances), 4)
    return {"data": data, "predictions": [prediction]}


def export(
    queue_items: Iterable[Mapping[str, Any]],
    out_dir: Path,
    posts: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Write ``labeling_config.xml`` and ``tasks.json`` into ``out_dir``; return the tasks."""
    posts = posts or {}
    tasks = [task_for(item, posts.get(str(item["item_id"]))) for item in queue_items]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / CONFIG_FILE).write_text(labeling_config(), encoding="utf-8")
    (out_dir / TASKS_FILE).write_text(
        json.dumps(tasks, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return tasks


# ------------------------------------------------------------------------------ import


@dataclass
class ImportReport:
    decisions: list[Decision] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # annotations skipped, and why
    annotators: list[str] = field(default_factory=list)  # completed_by values seen
    warnings: list[str] = field(default_factory=list)  # e.g. an export with no annotations
    tasks: int = 0  # tasks in the export


def _user(completed_by: Any) -> str:
    """``completed_by`` is a user id, or (some versions and exports) an object with one."""
    if isinstance(completed_by, dict):
        for key in ("email", "id", "username"):
            if completed_by.get(key) not in (None, ""):
                return str(completed_by[key])
        return "?"
    return "?" if completed_by is None else str(completed_by)


def _parse_time(text: Any) -> datetime:
    if not isinstance(text, str) or not text:
        raise LabelStudioError(f"annotation without a usable created_at/updated_at: {text!r}")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _texts(value: Mapping[str, Any]) -> str:
    text = value.get("text", [])
    if isinstance(text, str):
        return text.strip()
    return "\n".join(str(t) for t in text).strip()


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _decision_from(
    task: Mapping[str, Any], annotation: Mapping[str, Any], reviewer: str
) -> tuple[Decision | None, str | None]:
    data = task.get("data", {})
    item_id = str(data.get("item_id") or "")
    where = f"task {task.get('id')} annotation {annotation.get('id')}"
    if not item_id:
        return None, f"{where}: task data has no item_id (not exported by valact?)"
    present = {v for v in VALUE_IDS if str(data.get(f"opt_{v}") or "").strip()}
    choice: str | None = None
    reason = ""
    edits = Edits()
    notes: list[str] = []
    for res in annotation.get("result", []):
        name = str(res.get("from_name", ""))
        value = res.get("value", {}) or {}
        kind = res.get("type")
        if kind == "choices":
            chosen = [str(c) for c in value.get("choices", [])]
            if not chosen:
                continue
            if name == "decision":
                choice = chosen[0]
            elif name.startswith("label_"):
                intended = name.removeprefix("label_")
                if intended not in present:
                    notes.append(f"label for {intended}, which has no option: ignored")
                elif chosen[0] != intended:
                    edits.relabel[intended] = chosen[0]
            elif name.startswith("drop_") and DROP_CHOICE in chosen:
                intended = name.removeprefix("drop_")
                if intended in present:
                    edits.drop.append(intended)
        elif kind == "textarea":
            text = _texts(value)
            if name == "reason":
                reason = text
            elif name in ("edit_scenario", "edit_question"):
                field_name = name.removeprefix("edit_")
                if text and not _same(text, str(data.get(field_name) or "")):
                    setattr(edits, field_name, text)
            elif name.startswith("edit_"):
                intended = name.removeprefix("edit_")
                if intended in present and text and not _same(text, str(data[f"opt_{intended}"])):
                    edits.options[intended] = text
    timestamp = _parse_time(annotation.get("updated_at") or annotation.get("created_at"))
    source = f"label-studio:task={task.get('id')},annotation={annotation.get('id')}"
    edits = Edits.model_validate(edits.model_dump())  # re-validate value ids
    kind_: DecisionKind
    if choice == "reject":
        kind_ = "reject"
    elif choice in (None, "accept"):
        if choice is None and edits.is_empty():
            return None, f"{where}: no decision and no change"
        kind_ = "accept" if edits.is_empty() else "edit"
    else:
        return None, f"{where}: unknown decision {choice!r}"
    decision = Decision(
        item_id=item_id,
        reviewer=reviewer,
        decision=kind_,
        reason=reason,
        timestamp=timestamp,
        edits=None if kind_ != "edit" else edits,
        source=source,
    )
    note = f"{where}: " + "; ".join(notes) if notes else None
    return decision, note


def _keys(obj: Mapping[str, Any], limit: int = 8) -> str:
    keys = sorted(str(k) for k in obj)
    shown = ", ".join(keys[:limit])
    return shown + (f", ... ({len(keys)} keys)" if len(keys) > limit else "")


def _not_json(path: Path, text: str, exc: json.JSONDecodeError) -> LabelStudioError:
    """Why ``text`` (not JSON) cannot be imported, naming the format it looks like."""
    lines = [line for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if len(lines) > 1 and all(_is_json(line) for line in lines[:20]):
        given = "JSON Lines (one JSON value a line), not Label Studio's JSON export"
    elif first.lstrip()[:1] in ("[", "{"):
        given = f"not JSON ({exc})"  # broken JSON: not a CSV even if it has commas
    elif "\t" in first:
        given = "tab-separated text, like Label Studio's TSV export"
    elif "," in first:
        given = "comma-separated text, like Label Studio's CSV export"
    else:
        given = f"not JSON ({exc})"
    return LabelStudioError(f"{path}: {given}. {EXPORT_HINT}.")


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def _check_tasks(path: Path, tasks: Any) -> list[dict[str, Any]]:
    """``tasks`` as the list of task objects of a full JSON export, else why it is not one."""
    if isinstance(tasks, dict):
        what = (
            "a single task object"
            if "annotations" in tasks or "data" in tasks
            else f"a JSON object (keys: {_keys(tasks)})"
        )
        raise LabelStudioError(f"{path}: {what}, not a list of tasks. {EXPORT_HINT}.")
    if not isinstance(tasks, list):
        raise LabelStudioError(
            f"{path}: a JSON {type(tasks).__name__}, not a list of tasks. {EXPORT_HINT}."
        )
    for n, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise LabelStudioError(
                f"{path}: entry {n} is a JSON {type(task).__name__}, not a task object. "
                f"{EXPORT_HINT}."
            )
        annotations = task.get("annotations")
        if isinstance(annotations, list) and isinstance(task.get("data"), dict):
            if all(isinstance(a, dict) for a in annotations):
                continue
            raise LabelStudioError(
                f"{path}: entry {n} has annotations that are not all objects. {EXPORT_HINT}."
            )
        if "annotations" in task:
            raise LabelStudioError(
                f"{path}: entry {n} has annotations but no data object, or annotations "
                f"that are not a list. {EXPORT_HINT}."
            )
        if isinstance(task.get("data"), dict):
            ours = "predictions" in task
            given = (
                "the tasks.json that valact review export writes (tasks to import into Label "
                "Studio, no annotations)"
                if ours
                else "a list of tasks with data but no annotations key"
            )
            raise LabelStudioError(f"{path}: {given}, not an export. {EXPORT_HINT}.")
        markers = {"decision", "reason", "annotator", "annotation_id", "item_id"}
        looks_min = bool(markers & set(task)) or any(
            str(k).startswith(("label_", "edit_", "drop_", "opt_")) for k in task
        )
        given = (
            "Label Studio's JSON_MIN export (flat objects with the task's fields and the "
            "choices as top-level keys, no annotations)"
            if looks_min
            else "a list of objects that are not Label Studio tasks (no data, no annotations)"
        )
        raise LabelStudioError(
            f"{path}: this is {given}; entry {n} has keys {_keys(task)}. {EXPORT_HINT}."
        )
    return tasks


def load_export(path: Path) -> list[dict[str, Any]]:
    """The tasks of a Label Studio full JSON export; :class:`LabelStudioError` otherwise."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        zipped = (
            " (a ZIP archive: some Label Studio exports are zipped)" if raw[:2] == b"PK" else ""
        )
        raise LabelStudioError(f"{path}: not a UTF-8 text file{zipped}. {EXPORT_HINT}.") from None
    if not text.strip():
        raise LabelStudioError(f"{path}: the file is empty. {EXPORT_HINT}.")
    try:
        tasks = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _not_json(path, text, exc) from None
    return _check_tasks(path, tasks)


def read_export(path: Path, reviewer: str, completed_by: str | None = None) -> ImportReport:
    """Decisions from a Label Studio JSON export, with notes on what was skipped.

    When the export holds annotations by several Label Studio users, ``completed_by``
    (a user id or email) must say whose to import: one reviewer file per person. Anything
    but a full JSON export (JSON_MIN, CSV, TSV...) raises :class:`LabelStudioError`; an
    export with no annotations gives an empty report with a warning.
    """
    check_reviewer(reviewer)
    tasks = load_export(path)
    report = ImportReport(tasks=len(tasks))
    users = sorted({_user(a.get("completed_by")) for t in tasks for a in t["annotations"]})
    report.annotators = users
    if completed_by is None and len(users) > 1:
        raise LabelStudioError(
            f"{path}: annotations by several Label Studio users ({', '.join(users)}); "
            "import one at a time with --completed-by, each under its own --reviewer"
        )
    if not users:
        report.warnings.append(
            f"{path} holds no annotations ({len(tasks)} task(s)): nothing to import. Label "
            "Studio exports only tasks with submitted annotations (unless asked for all "
            "tasks): submit them in Label Studio, then export again with the JSON format"
        )
        return report
    if completed_by is not None and str(completed_by) not in users:
        raise LabelStudioError(
            f"{path}: no annotation by Label Studio user {completed_by!r} (--completed-by); "
            f"the annotations are by {', '.join(users)}"
        )
    for task in tasks:
        for annotation in task["annotations"]:
            user = _user(annotation.get("completed_by"))
            if completed_by is not None and user != str(completed_by):
                continue
            where = f"task {task.get('id')} annotation {annotation.get('id')}"
            if annotation.get("was_cancelled"):
                report.notes.append(f"{where}: skipped in Label Studio")
                continue
            decision, note = _decision_from(task, annotation, reviewer)
            if note:
                report.notes.append(note)
            if decision is not None:
                report.decisions.append(decision)
    report.decisions.sort(key=lambda d: (d.timestamp, d.item_id))
    return report


def import_export(path: Path, reviewer: str, completed_by: str | None = None) -> list[Decision]:
    """Decisions from a Label Studio JSON export (see :func:`read_export`)."""
    return read_export(path, reviewer, completed_by).decisions
