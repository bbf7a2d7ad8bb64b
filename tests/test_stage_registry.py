"""dvc.yaml against the stage registry (pipeline/stages.py), and the typed stage metrics.

The registry is the one list of stages; dvc.yaml must say the same thing: the stages in the
same order, ``cmd: valact <name>``, exactly the registry's params keys, its inputs among the
deps, its outputs and metrics file, and a dep covering every module of ``pipeline/`` that
running the stage imports (the command line's start-up included, found by running it).
"""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline import stage_metrics, stages
from pipeline.params import Params, load_params
from pipeline.stage_metrics import MetricsError

REPO = Path(__file__).resolve().parents[1]
DVC = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def _entries(items: list[Any]) -> list[str]:
    """dvc.yaml list entries: plain strings or one-key mappings (``path: {options}``)."""
    return [item if isinstance(item, str) else next(iter(item)) for item in items]


def _module_file(module: str) -> Path | None:
    parts = module.split(".")
    package = REPO.joinpath(*parts, "__init__.py")
    if package.exists():
        return package
    plain = REPO.joinpath(*parts[:-1], parts[-1] + ".py")
    return plain if plain.exists() else None


def _imports(path: Path, module: str) -> set[str]:
    """Every ``pipeline`` module ``path`` imports, at module level or inside functions."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "pipeline")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                name = f"{base}.{node.module}" if node.module else base
            else:
                name = node.module or ""
            if name.split(".")[0] != "pipeline":
                continue
            found.add(name)
            # `from pipeline import paths`: a module imported by name
            found.update(f"{name}.{a.name}" for a in node.names if _module_file(f"{name}.{a.name}"))
        elif (  # importlib.import_module("pipeline.x") with a literal name
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", None) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).startswith("pipeline.")
        ):
            found.add(str(node.args[0].value))
    return found


def _closure(roots: set[str]) -> set[Path]:
    """The files of ``roots`` and of everything they import, with their packages' __init__."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages
        path = _module_file(module)
        if path is not None:
            todo.extend(_imports(path, module) - seen)
    return {p.relative_to(REPO) for m in seen if (p := _module_file(m)) is not None}


def _startup_modules() -> set[str]:
    """The pipeline modules that `valact <anything>` imports before a command runs."""
    code = (
        "import sys, pipeline.cli; "
        "print(sorted(m for m in sys.modules if m.startswith('pipeline')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True)
    return set(ast.literal_eval(out.stdout.strip()))


STARTUP = _startup_modules()


def _covered(path: Path, deps: list[str]) -> bool:
    return any(path == Path(d) or Path(d) in path.parents for d in deps)


def test_dvc_yaml_has_the_registry_stages_in_order() -> None:
    assert list(DVC) == list(stages.NAMES)
    assert [s.number for s in stages.STAGES] == list(range(1, len(stages.STAGES) + 1))


@pytest.mark.parametrize("stage", stages.STAGES, ids=stages.NAMES)
def test_dvc_yaml_entry_matches_the_registry(stage: stages.Stage) -> None:
    entry = DVC[stage.name]
    assert entry["cmd"] == f"valact {stage.name}"
    assert sorted(entry.get("params", [])) == sorted(stage.params), "params are the data keys"
    assert _entries(entry["outs"]) == [str(p) for p in stage.outputs]
    assert _entries(entry["metrics"]) == [str(stage.metrics_file)]
    deps = _entries(entry["deps"])
    inputs = [str(p) for p in stage.inputs]
    if stage.name == "build":  # build reads every earlier stage's metrics
        inputs += [str(s.metrics_file) for s in stages.UPSTREAM_OF_BUILD]
    assert [d for d in inputs if d not in deps] == [], "an input is missing from the deps"
    data_deps = [d for d in deps if not d.startswith("pipeline")]
    assert sorted(data_deps) == sorted(inputs), "a dep that is neither input nor code"


@pytest.mark.parametrize("stage", stages.STAGES, ids=stages.NAMES)
def test_every_module_the_stage_runs_is_a_dep(stage: stages.Stage) -> None:
    deps = _entries(DVC[stage.name]["deps"])
    startup = {p.relative_to(REPO) for m in STARTUP if (p := _module_file(m)) is not None}
    code = _closure({stage.module}) | startup
    missing = sorted(str(p) for p in code if not _covered(p, deps))
    assert missing == [], f"dvc.yaml's {stage.name} stage runs these without declaring them"
    # and no code dep that the stage never imports (it would rerun the stage for nothing);
    # folders of data files read at run time (word lists, prompts) are named in the registry
    code_deps = [d for d in deps if d.startswith("pipeline")]
    unused = [
        d for d in code_deps
        if not any(_covered(p, [d]) for p in code) and d not in stages.DATA_FOLDERS
    ]
    assert unused == [], f"dvc.yaml's {stage.name} stage declares code it does not import"


def test_a_tool_command_is_no_startup_cost_of_a_stage() -> None:
    """`valact ingest` imports no tool (survey, evaluate, release, review tools)."""
    heavy = {m for m in STARTUP if m.startswith(("pipeline.survey", "pipeline.evaluate",
                                                  "pipeline.release", "pipeline.review"))}
    assert heavy == set()
    code = (
        "import sys, pipeline.cli; "
        "print(sorted(m for m in ('pandas', 'pandera', 'openai', 'flask') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_registry_params_are_params_keys() -> None:
    params = Params()
    for stage in stages.STAGES:
        for key in stage.params:
            obj: Any = params
            for part in key.split("."):
                assert hasattr(obj, part), f"{stage.name}: no params key {key}"
                obj = getattr(obj, part)


def test_upstream_metrics_are_the_registry_stages_before_build() -> None:
    fields = [f.name for f in dataclasses.fields(stage_metrics.UpstreamMetrics)]
    assert fields == [s.name for s in stages.UPSTREAM_OF_BUILD]
    assert fields == list(stages.NAMES[:-1])
    for s in stages.UPSTREAM_OF_BUILD:
        assert s.metrics is not None and s.metrics.stage == s.name


@pytest.mark.parametrize("stage", stages.UPSTREAM_OF_BUILD, ids=lambda s: s.name)
def test_committed_metrics_fit_their_record(stage: stages.Stage) -> None:
    assert stage.metrics is not None
    record = stage_metrics.read(stage.metrics, REPO / "metrics")
    raw = json.loads((REPO / stage.metrics_file).read_text(encoding="utf-8"))
    assert record.to_dict() == raw  # the record writes back exactly what was read


def test_a_renamed_missing_or_mistyped_figure_fails_where_it_is_written(tmp_path: Path) -> None:
    from pipeline.artifacts import write_stage_metrics

    good = json.loads((REPO / "metrics" / "dedupe.json").read_text(encoding="utf-8"))
    write_stage_metrics("dedupe", good, folder=tmp_path)
    assert json.loads((tmp_path / "dedupe.json").read_text()) == good

    renamed = {("duplicate" if k == "duplicates" else k): v for k, v in good.items()}
    with pytest.raises(MetricsError, match="unknown key.*duplicate.*missing key.*duplicates"):
        write_stage_metrics("dedupe", renamed, folder=tmp_path / "renamed")
    with pytest.raises(MetricsError, match="duplicates is str"):
        write_stage_metrics("dedupe", {**good, "duplicates": "12"}, folder=tmp_path / "typed")
    with pytest.raises(MetricsError, match="duplicates is bool"):
        write_stage_metrics("dedupe", {**good, "duplicates": True}, folder=tmp_path / "bool")
    assert not (tmp_path / "renamed").exists()  # nothing written


def test_route_only_figures_are_left_out_when_unset() -> None:
    offline = json.loads((REPO / "metrics" / "annotate.json").read_text(encoding="utf-8"))
    record = stage_metrics.AnnotateMetrics.from_dict(offline)
    assert record.model is stage_metrics.UNSET and "model" not in record.to_dict()
    llm = {**offline, "model": "m", "verify_model": None, "verifier_agreement": None}
    assert stage_metrics.AnnotateMetrics.from_dict(llm).to_dict() == llm


def test_a_missing_metrics_file_names_the_stage_to_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run `valact review` first"):
        stage_metrics.read(stage_metrics.ReviewMetrics, tmp_path)


def test_cli_commands_come_from_the_registry() -> None:
    import click
    import typer

    from pipeline.cli import app

    group = typer.main.get_command(app)
    assert isinstance(group, click.Group)
    ctx = click.Context(group)
    listed = group.list_commands(ctx)
    assert listed[: len(stages.STAGES)] == list(stages.NAMES)  # stages first, in order
    for stage in stages.STAGES:
        command = group.get_command(ctx, stage.name)
        assert command is not None and command.help is not None
        assert command.help.startswith(f"Stage {stage.number}: {stage.help}")
    tools = set(listed) - set(stages.NAMES)
    assert {"evaluate", "survey", "withdrawals", "diff", "publish"} <= tools
    assert all(group.get_command(ctx, name) is not None for name in listed)


# -- the params each stage reads, recorded while it runs -------------------------------------


def _record_reads(monkeypatch: pytest.MonkeyPatch, params: Params, reads: set[str]) -> None:
    """Record every params key read (``section.key``, or ``seed``) on any instance."""
    top = {f.name for f in dataclasses.fields(Params)}
    plain = {f.name for f in dataclasses.fields(Params) if not dataclasses.is_dataclass(
        getattr(params, f.name))}
    original_top = Params.__getattribute__

    def top_get(self: Any, name: str) -> Any:
        if name in plain:
            reads.add(name)
        return original_top(self, name)

    monkeypatch.setattr(Params, "__getattribute__", top_get)
    for section in top - plain:
        cls = type(getattr(params, section))
        keys = {f.name for f in dataclasses.fields(cls)}
        original = cls.__getattribute__

        def get(self: Any, name: str, _s: str = section, _k: set[str] = keys,
                _o: Any = original) -> Any:
            if name in _k:
                reads.add(f"{_s}.{name}")
            return _o(self, name)

        monkeypatch.setattr(cls, "__getattribute__", get)


def _declared(key: str, declared: tuple[str, ...]) -> bool:
    return any(key == d or key.startswith(d + ".") for d in declared)


@pytest.mark.slow
def test_each_stage_reads_only_the_keys_it_declares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run the seven stages on the sample, in-process, recording each params key read.

    A key read but not declared in dvc.yaml is a stale-output bug (changing it would not
    rerun the stage); execution settings (params.is_execution_setting: EXECUTION_KEYS and
    the execution section) are allowed undeclared.
    """
    from pipeline.params import is_execution_setting
    from repo_copy import copy_repo

    repo = copy_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    params = load_params(Path("params.yaml"))
    # a key each stage certainly reads: proves the recorder sees reads at all
    known = {"ingest": "ingest.source", "clean": "clean.min_words", "dedupe": "dedupe.threshold",
             "annotate": "annotate.provider", "review": "review.publish_unreviewed",
             "assemble": "assemble.max_year_share", "build": "build.version"}
    for stage in stages.STAGES:
        reads: set[str] = set()
        with monkeypatch.context() as m:
            _record_reads(m, params, reads)
            stage.run(params, progress=False)
        undeclared = sorted(
            k for k in reads if not _declared(k, stage.params) and not is_execution_setting(k)
        )
        assert undeclared == [], f"{stage.name} reads params it does not declare"
        assert known[stage.name] in reads, f"{stage.name}: the recorder missed a read"
