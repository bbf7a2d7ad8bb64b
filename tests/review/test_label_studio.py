"""Label Studio round trip: export the queue, annotate it the way Label Studio records
annotations (documented JSON export format), import, and replay the decisions."""

from __future__ import annotations

import copy
import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import typer
from test_review_stage import make_annotations, write_annotations
from typer.testing import CliRunner

from pipeline.params import Params, ReviewParams
from pipeline.review import label_studio
from pipeline.review.commands import register
from pipeline.review.decisions import Decision, Edits, load_decisions
from pipeline.review.label_studio import DROP_CHOICE, LabelStudioError, import_export, read_export
from pipeline.review.stage import run as review_run
from pipeline.values import VALUE_IDS

SPECS: list[dict[str, Any]] = [
    {"post_id": "t1", "verified": {"power": "achievement"},
     "values": ["power", "security", "tradition", "benevolence", "hedonism"]},
    {"post_id": "t2", "flags": ["sensitive"]},
    {"post_id": "t3", "flags": ["repaired"],
     "values": ["power", "security", "tradition", "benevolence", "hedonism"]},
    {"post_id": "t4", "relevance": 0.1},
    {"post_id": "t5", "flags": ["offline_draft"]},
    {"post_id": "t6", "status": "refusal"},
]


def _app() -> typer.Typer:
    app = typer.Typer()
    group = typer.Typer()
    app.add_typer(group, name="review")
    register(group)
    return app


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    ann = write_annotations(tmp_path / "ann.parquet", SPECS)
    review_run(Params(review=ReviewParams(audit_rate=0.0)), src=ann,
               decisions_dir=tmp_path / "decisions", reviewed_out=tmp_path / "rev.parquet",
               queue_out=tmp_path / "queue.jsonl")
    return tmp_path


def _queue(workdir: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (workdir / "queue.jsonl").read_text().splitlines()]


# --------------------------------------------------------------- what Label Studio would do

def _region(rid: str, from_name: str, to_name: str, kind: str, value: Any) -> dict[str, Any]:
    key = "choices" if kind == "choices" else "text"
    return {"id": rid, "from_name": from_name, "to_name": to_name, "type": kind,
            "value": {key: value}, "origin": "manual"}


def annotate_like_label_studio(
    task: dict[str, Any], *, decision: str | None = None, reason: str | None = None,
    labels: dict[str, str] | None = None, texts: dict[str, str] | None = None,
    drop: list[str] | None = None, user: Any = 7, when: str = "2026-11-02T09:00:00.123456Z",
    cancelled: bool = False, ann_id: int = 1,
) -> dict[str, Any]:
    """One annotation as Label Studio exports it: the annotator started from the
    prediction (its regions are copied into the annotation) and changed some of them."""
    result = copy.deepcopy(task["predictions"][0]["result"]) if not cancelled else []
    for region in result:
        region["origin"] = "prediction"
    by_name = {r["from_name"]: r for r in result}
    for value, label in (labels or {}).items():
        by_name[f"label_{value}"]["value"]["choices"] = [label]
        by_name[f"label_{value}"]["origin"] = "prediction-changed"
    for name, text in (texts or {}).items():
        by_name[name]["value"]["text"] = [text]
        by_name[name]["origin"] = "prediction-changed"
    if decision:
        result.append(_region("dec", "decision", "scenario", "choices", [decision]))
    if reason:
        result.append(_region("why", "reason", "scenario", "textarea", [reason]))
    for value in drop or []:
        result.append(_region(f"d_{value}", f"drop_{value}", f"opt_{value}", "choices",
                              [DROP_CHOICE]))
    return {
        "id": ann_id, "completed_by": user, "result": result, "was_cancelled": cancelled,
        "ground_truth": False, "created_at": "2026-11-02T08:59:00.000000Z", "updated_at": when,
        "lead_time": 42.0, "result_count": 0, "task": None, "project": 1, "prediction": {},
    }


def export_json(tasks: list[dict[str, Any]],
                annotations: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """A Label Studio JSON export of the imported tasks, with the given annotations."""
    out = []
    for tid, task in enumerate(tasks, start=101):
        anns = []
        for ann in annotations.get(task["data"]["item_id"], []):
            anns.append(ann | {"task": tid})
        out.append({"id": tid, "data": task["data"], "annotations": anns,
                    "predictions": task["predictions"], "drafts": [], "project": 1,
                    "created_at": "2026-11-01T12:00:00.000000Z",
                    "updated_at": "2026-11-02T09:30:00.000000Z", "inner_id": tid - 100,
                    "total_annotations": len(anns), "cancelled_annotations": 0,
                    "total_predictions": 1, "comment_count": 0, "file_upload": "tasks.json"})
    return out


def export_json_min(tasks: list[dict[str, Any]],
                    annotations: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The same annotations as Label Studio's JSON_MIN export gives them: one flat object
    per annotation, the task's data fields and each control's value as top-level keys
    (a single choice or text as a plain string), and no ``annotations`` key."""
    out = []
    for tid, task in enumerate(tasks, start=101):
        for ann in annotations.get(task["data"]["item_id"], []):
            row: dict[str, Any] = dict(task["data"])
            row |= {"id": tid, "annotator": ann["completed_by"], "annotation_id": ann["id"],
                    "created_at": ann["created_at"], "updated_at": ann["updated_at"],
                    "lead_time": ann["lead_time"]}
            for region in ann["result"]:
                values = region["value"].get("choices", region["value"].get("text"))
                row[region["from_name"]] = values[0] if len(values) == 1 else values
            out.append(row)
    return out


# --------------------------------------------------------------------------------- tests

def test_config_and_tasks_fit_together(workdir: Path) -> None:
    tasks = label_studio.export(_queue(workdir), workdir / "ls", {"t1": "Title\n\nBody text"})
    config = ET.fromstring((workdir / "ls" / "labeling_config.xml").read_text())
    assert json.loads((workdir / "ls" / "tasks.json").read_text()) == tasks
    assert config.tag == "View"
    objects = {e.get("name") for e in config.iter() if e.tag == "Text"}
    controls = {e.get("name"): e for e in config.iter()
                if e.tag in ("Choices", "TextArea")}
    for control in controls.values():  # every control labels an object that exists
        assert control.get("toName") in objects
    variables = {e.get("value")[1:] for e in config.iter()
                 if e.tag == "Text" and e.get("value", "").startswith("$")}
    decision = controls["decision"]
    assert [c.get("value") for c in decision] == ["accept", "reject"]
    for value in VALUE_IDS:
        assert [c.get("value") for c in controls[f"label_{value}"]] == list(VALUE_IDS)
        assert controls[f"edit_{value}"].get("editable") == "true"
    assert "reason" in controls and "edit_scenario" in controls and "edit_question" in controls
    assert len(tasks) == 6
    for task in tasks:
        assert variables <= set(task["data"])  # every $variable is in the task data
        assert task["data"]["item_id"]
        (prediction,) = task["predictions"]
        assert prediction["model_version"] == "gpt-test/v-test"
        for region in prediction["result"]:
            assert region["from_name"] in controls
            assert region["to_name"] == controls[region["from_name"]].get("toName")
            assert region["type"] in ("choices", "textarea")
    t1 = next(t for t in tasks if t["data"]["item_id"] == "t1")
    assert t1["data"]["post"] == "Title\n\nBody text"
    assert "verifier: achievement (disagrees)" in t1["data"]["info_power"]
    assert t1["data"]["opt_universalism"] == ""
    labels = {r["from_name"]: r["value"]["choices"] for r in t1["predictions"][0]["result"]
              if r["type"] == "choices"}
    assert labels == {f"label_{v}": [v] for v in
                      ["power", "security", "tradition", "benevolence", "hedonism"]}
    refusal = next(t for t in tasks if t["data"]["item_id"] == "t6")
    assert refusal["predictions"][0]["result"] == []
    assert "annotator status: refusal" in refusal["data"]["meta"]


def test_round_trip_gives_the_annotated_decisions(workdir: Path) -> None:
    tasks = label_studio.export(_queue(workdir), workdir / "ls")
    by_item = {t["data"]["item_id"]: t for t in tasks}
    annotations = {
        "t1": [annotate_like_label_studio(by_item["t1"], decision="accept",
                                          labels={"power": "achievement"},
                                          when="2026-11-02T09:01:00.000000Z", ann_id=1)],
        "t2": [annotate_like_label_studio(by_item["t2"], decision="reject",
                                          reason="identifies a minor",
                                          when="2026-11-02T09:02:00Z", ann_id=2)],
        "t3": [annotate_like_label_studio(
            by_item["t3"], decision="accept", reason="clearer wording",
            texts={"edit_question": "Should I cover for her this once?",
                   "edit_security": "Keep your own job safe first: say no this time."},
            drop=["hedonism"], when="2026-11-02T09:03:00Z", ann_id=3)],
        # no accept/reject chosen, but the scenario was edited: an edit
        "t4": [annotate_like_label_studio(
            by_item["t4"], texts={"edit_scenario": "A shorter scenario about covering."},
            when="2026-11-02T09:04:00Z", ann_id=4)],
        "t5": [annotate_like_label_studio(by_item["t5"], cancelled=True, ann_id=5)],
        "t6": [annotate_like_label_studio(by_item["t6"], decision="reject",
                                          reason="refusal is right",
                                          when="2026-11-02T09:06:00Z", ann_id=6)],
    }
    path = workdir / "export.json"
    path.write_text(json.dumps(export_json(tasks, annotations)))
    report = read_export(path, "dana")
    got = {d.item_id: d for d in report.decisions}
    expected = {
        "t1": ("edit", "", Edits(relabel={"power": "achievement"})),
        "t2": ("reject", "identifies a minor", None),
        "t3": ("edit", "clearer wording", Edits(
            question="Should I cover for her this once?",
            options={"security": "Keep your own job safe first: say no this time."},
            drop=["hedonism"])),
        "t4": ("edit", "", Edits(scenario="A shorter scenario about covering.")),
        "t6": ("reject", "refusal is right", None),
    }
    assert set(got) == set(expected)
    for item, (kind, reason, edits) in expected.items():
        d = got[item]
        assert (d.decision, d.reason, d.edits, d.reviewer) == (kind, reason, edits, "dana"), item
        assert d.source is not None and d.source.startswith("label-studio:task=")
    assert got["t1"].timestamp.isoformat() == "2026-11-02T09:01:00+00:00"
    assert any("skipped in Label Studio" in n for n in report.notes)
    assert report.annotators == ["7"]
    assert import_export(path, "dana") == report.decisions

    # appended through the command, then replayed by the stage
    runner = CliRunner()
    args = ["review", "import", str(path), "--reviewer", "dana",
            "--decisions-dir", str(workdir / "decisions"), "--queue", str(workdir / "queue.jsonl")]
    res = runner.invoke(_app(), args)
    assert res.exit_code == 0, res.output
    assert "Imported 5 decision(s)" in res.output
    res = runner.invoke(_app(), args)  # importing the same export again adds nothing
    assert "Imported 0 decision(s)" in res.output and "5 already there" in res.output
    loaded = load_decisions(workdir / "decisions")
    assert not loaded.problems and len(loaded.decisions) == 5
    metrics = review_run(Params(review=ReviewParams(audit_rate=0.0)),
                         src=workdir / "ann.parquet", decisions_dir=workdir / "decisions",
                         reviewed_out=workdir / "rev.parquet", queue_out=workdir / "queue.jsonl")
    assert metrics["decision_problems"] == 0, metrics["decision_problem_examples"]
    assert metrics["review_status"]["edited"] == 3 and metrics["review_status"]["rejected"] == 2
    assert [q["item_id"] for q in _queue(workdir)] == ["t5"]


def test_export_with_several_users_needs_completed_by(workdir: Path) -> None:
    tasks = label_studio.export(_queue(workdir), workdir / "ls")
    t1 = tasks[0]
    item = t1["data"]["item_id"]
    annotations = {item: [
        annotate_like_label_studio(t1, decision="accept", user=7, ann_id=1),
        annotate_like_label_studio(t1, decision="reject", reason="no", ann_id=2,
                                   user={"id": 9, "email": "eve@example.org"}),
    ]}
    path = workdir / "export.json"
    path.write_text(json.dumps(export_json(tasks, annotations)))
    with pytest.raises(LabelStudioError, match="several Label Studio users"):
        read_export(path, "dana")
    (only,) = import_export(path, "eve", completed_by="eve@example.org")
    assert (only.decision, only.reviewer, only.reason) == ("reject", "eve", "no")
    (only,) = import_export(path, "dana", completed_by="7")
    assert only.decision == "accept"
    res = CliRunner().invoke(_app(), ["review", "import", str(path), "--reviewer", "dana",
                                      "--decisions-dir", str(workdir / "decisions")])
    assert res.exit_code == 1 and "--completed-by" in res.output


def test_bad_exports_are_refused(workdir: Path) -> None:
    path = workdir / "export.json"
    path.write_text('{"not": "a list"}')
    with pytest.raises(LabelStudioError, match="list of tasks"):
        read_export(path, "dana")
    path.write_text("[{")
    with pytest.raises(LabelStudioError, match="not JSON"):
        read_export(path, "dana")
    with pytest.raises(ValueError, match="reviewer name"):
        read_export(path, "../evil")


def test_export_command_writes_the_folder(workdir: Path) -> None:
    out = workdir / "ls-out"
    res = CliRunner().invoke(_app(), ["review", "export", "--format", "label-studio", "--out",
                                      str(out), "--queue", str(workdir / "queue.jsonl"),
                                      "--reason", "sensitive,repaired"])
    assert res.exit_code == 0, res.output
    tasks = json.loads((out / "tasks.json").read_text())
    assert sorted(t["data"]["item_id"] for t in tasks) == ["t2", "t3"]
    assert re.search(r"<Choices name=\"decision\"", (out / "labeling_config.xml").read_text())
    res = CliRunner().invoke(_app(), ["review", "export", "--format", "csv", "--out", str(out),
                                      "--queue", str(workdir / "queue.jsonl")])
    assert res.exit_code == 1


def test_decision_json_lines_round_trip() -> None:
    d = Decision.model_validate({"item_id": "t1", "reviewer": "dana", "decision": "edit",
                                 "timestamp": "2026-11-02T09:01:00.5Z",
                                 "edits": {"relabel": {"power": "achievement"}}})
    line = d.to_json()
    assert '"timestamp": "2026-11-02T09:01:00.500000Z"' in line
    assert json.loads(line)["edits"] == {"relabel": {"power": "achievement"}}
    assert Decision.model_validate_json(line) == d
    assert make_annotations([{"post_id": "x1"}])["post_id"].nunique() == 1


def _annotated(workdir: Path) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    tasks = label_studio.export(_queue(workdir), workdir / "ls")
    by_item = {t["data"]["item_id"]: t for t in tasks}
    annotations = {
        "t1": [annotate_like_label_studio(by_item["t1"], decision="accept",
                                          labels={"power": "achievement"}, ann_id=1)],
        "t2": [annotate_like_label_studio(by_item["t2"], decision="reject",
                                          reason="identifies a minor", ann_id=2)],
    }
    return tasks, annotations


def _import(workdir: Path, path: Path, *extra: str) -> Any:
    return CliRunner().invoke(_app(), ["review", "import", str(path), "--reviewer", "dana",
                                       "--decisions-dir", str(workdir / "decisions"),
                                       "--queue", str(workdir / "queue.jsonl"), *extra])


HINT = ("Export with the JSON format, not JSON_MIN (nor CSV or TSV): in Label Studio, open "
        "the project, click Export, choose JSON and click Export.")


def test_json_min_export_is_refused_with_exit_1(workdir: Path) -> None:
    tasks, annotations = _annotated(workdir)
    rows = export_json_min(tasks, annotations)
    assert len(rows) == 2 and rows[0]["decision"] == "accept" and "annotations" not in rows[0]
    path = workdir / "project-1-at-2026-11-02-09-30-min.json"
    path.write_text(json.dumps(rows))
    res = _import(workdir, path)
    assert res.exit_code == 1, res.output
    out = " ".join(res.output.split())
    assert "this is Label Studio's JSON_MIN export" in out
    assert "entry 0 has keys annotation_id, annotator, created_at, decision," in out
    assert HINT in out
    assert "Imported" not in out
    assert not (workdir / "decisions" / "dana.jsonl").exists()
    with pytest.raises(LabelStudioError, match="JSON_MIN export"):
        read_export(path, "dana")
    # the full JSON export of the same annotations imports them
    path.write_text(json.dumps(export_json(tasks, annotations)))
    res = _import(workdir, path)
    assert res.exit_code == 0 and "Imported 2 decision(s)" in res.output, res.output


@pytest.mark.parametrize("kind", ["csv", "tsv", "jsonl", "object", "task", "tasks.json",
                                  "strings", "empty file", "zip"])
def test_other_files_are_refused_and_say_what_they_are(workdir: Path, kind: str) -> None:
    tasks, annotations = _annotated(workdir)
    rows = export_json_min(tasks, annotations)
    path = workdir / f"export.{kind}"
    if kind in ("csv", "tsv"):
        fields = sorted({k for r in rows for k in r})
        with path.open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fields, delimiter="," if kind == "csv" else "\t")
            writer.writeheader()
            writer.writerows(rows)
        expected = f"-separated text, like Label Studio's {kind.upper()} export"
    elif kind == "jsonl":
        path.write_text((workdir / "queue.jsonl").read_text())
        expected = "JSON Lines (one JSON value a line)"
    elif kind == "object":
        path.write_text(json.dumps({"tasks": export_json(tasks, annotations)}))
        expected = "a JSON object (keys: tasks), not a list of tasks"
    elif kind == "task":
        path.write_text(json.dumps(export_json(tasks, annotations)[0]))
        expected = "a single task object, not a list of tasks"
    elif kind == "tasks.json":
        path.write_text((workdir / "ls" / "tasks.json").read_text())
        expected = "the tasks.json that valact review export writes"
    elif kind == "strings":
        path.write_text(json.dumps(["t1", "t2"]))
        expected = "entry 0 is a JSON str, not a task object"
    elif kind == "empty file":
        path.write_text("\n")
        expected = "the file is empty"
    else:
        path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe")
        expected = "not a UTF-8 text file (a ZIP archive"
    res = _import(workdir, path)
    out = " ".join(res.output.split())
    assert res.exit_code == 1, out
    assert expected in out and HINT in out
    assert not (workdir / "decisions" / "dana.jsonl").exists()


def test_an_export_without_annotations_imports_nothing_with_a_warning(workdir: Path) -> None:
    tasks, _ = _annotated(workdir)
    path = workdir / "export.json"
    for content, n_tasks in (([], 0), (export_json(tasks, {}), len(tasks))):
        path.write_text(json.dumps(content))
        report = read_export(path, "dana")
        assert report.decisions == [] and report.tasks == n_tasks
        (warning,) = report.warnings
        assert f"holds no annotations ({n_tasks} task(s)): nothing to import" in warning
        res = _import(workdir, path)
        assert res.exit_code == 0, res.output
        out = " ".join(res.output.split())
        assert "warning: " in out and "submitted annotations" in out
        assert "Imported 0 decision(s)" in out
    assert not (workdir / "decisions" / "dana.jsonl").exists()


def test_completed_by_that_matches_no_annotation_is_refused(workdir: Path) -> None:
    tasks, annotations = _annotated(workdir)
    path = workdir / "export.json"
    path.write_text(json.dumps(export_json(tasks, annotations)))
    res = _import(workdir, path, "--completed-by", "8")
    assert res.exit_code == 1
    assert "no annotation by Label Studio user '8' (--completed-by)" in res.output
    assert "the annotations are by 7" in res.output
