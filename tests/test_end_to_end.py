"""End to end: `dvc repro` in a temporary copy of the repository, then `load_dataset` offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.values import VALUE_IDS
from repo_copy import REPO, copy_repo, offline_env

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    repo = copy_repo(tmp_path_factory.mktemp("repo"))
    env = offline_env(repo, tmp_path_factory.mktemp("hf_home"))
    _run(["dvc", "repro"], repo, env)
    return repo, env


def test_second_repro_is_a_noop(built: tuple[Path, dict[str, str]]) -> None:
    repo, env = built
    out = _run(["dvc", "repro"], repo, env)
    assert "Running stage" not in out
    status = _run(["dvc", "status"], repo, env)
    assert "up to date" in status


def test_param_change_reruns_only_readers(built: tuple[Path, dict[str, str]]) -> None:
    repo, env = built
    params = repo / "params.yaml"
    original = params.read_text()
    try:
        params.write_text(original.replace("low_relevance: 0.4", "low_relevance: 0.45"))
        status = _run(["dvc", "status"], repo, env)
        changed = {line.strip().rstrip(":") for line in status.splitlines()
                   if line and not line.startswith((" ", "\t"))}
        assert changed == {"review"}, status
    finally:
        params.write_text(original)


def test_execution_settings_rerun_nothing(built: tuple[Path, dict[str, str]]) -> None:
    """Workers, concurrency, rate limits, timeouts and the engine change how a stage runs,
    not its data."""
    repo, env = built
    params = repo / "params.yaml"
    original = params.read_text()
    edits = {
        "  workers: null             # parallel": "  workers: 1                # parallel",
        "  workers: null             # processes": "  workers: 2                # processes",
        "  concurrency: 16": "  concurrency: 3",
        "  timeout: 120 ": "  timeout: 30 ",
        "  rpm: null ": "  rpm: 100 ",
        "  batch_poll_interval: 30 ": "  batch_poll_interval: 5 ",
        "  engine: local ": "  engine: dask ",
        "  address: null ": "  address: tcp://127.0.0.1:8786 ",
    }
    try:
        text = original
        for old, new in edits.items():
            assert old in text, old
            text = text.replace(old, new)
        params.write_text(text)
        assert "up to date" in _run(["dvc", "status"], repo, env)
        params.write_text(text.replace("min_words: 40", "min_words: 41"))
        status = _run(["dvc", "status"], repo, env)
        assert status.startswith("clean:"), status  # a data key still reruns its stage
    finally:
        params.write_text(original)


def test_dataset_loads_offline_with_contract_schema(built: tuple[Path, dict[str, str]]) -> None:
    repo, env = built
    script = f"""
import json, datasets
path = {str(repo / 'processed' / 'valact-15k')!r}
s = datasets.load_dataset(path, split="test")
o = datasets.load_dataset(path, "options", split="test")
print(json.dumps({{
    "n_s": len(s), "n_o": len(o),
    "names": o.features["value"].names,
    "nested_names": s.features["options"].feature["value"].names,
    "distinct": [len({{x["value"] for x in r["options"]}}) for r in s],
    "cols": s.column_names, "ocols": o.column_names,
    "annotators": sorted(set(s["annotator"])),
}}))
"""
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert info["names"] == list(VALUE_IDS) == info["nested_names"]
    assert info["n_s"] > 0 and info["n_o"] == 5 * info["n_s"]
    assert set(info["distinct"]) == {5}
    for col in ("scenario_id", "subreddit", "post_id", "scenario", "question", "options",
                "annotator", "prompt_version", "review_status"):
        assert col in info["cols"]
    assert info["ocols"] == ["scenario_id", "option_id", "text", "value", "created_month"]
    assert "created_month" in info["cols"]
    assert info["annotators"] == ["offline"]
    metrics = json.loads((repo / "processed" / "metrics.json").read_text())
    counts = metrics["options_per_value"]
    assert len(set(counts.values())) == 1  # balanced


def test_no_planted_personal_data_reaches_processed(built: tuple[Path, dict[str, str]]) -> None:
    repo, _env_ = built
    truth = [json.loads(line) for line in
             (REPO / "raw" / "sample" / "sample_truth.jsonl").read_text().splitlines()]
    planted = {p["text"] for t in truth for p in t.get("pii", [])}
    assert planted, "the sample must plant personal data"
    import pandas as pd

    published = []
    for f in sorted((repo / "processed" / "valact-15k").rglob("*.parquet")):
        df = pd.read_parquet(f)
        published.append(df.astype(str).to_csv())
    published.append((repo / "processed" / "valact-15k" / "README.md").read_text())
    text = "\n".join(published)
    leaked = sorted(p for p in planted if p in text)
    assert not leaked, f"planted personal data in processed/: {leaked}"


def test_metrics_show_reports_the_funnel(built: tuple[Path, dict[str, str]]) -> None:
    repo, env = built
    out = _run(["dvc", "metrics", "show", "--json"], repo, env)
    assert "posts_ingested" in out and "rejected_by_reason" in out
    assert "options_per_value" in out and "duplicates" in out


def test_misspelled_section_is_named_by_params_check_and_stages(
    built: tuple[Path, dict[str, str]],
) -> None:
    """A section no stage reads leaves every stage up to date; ``valact params check`` (run
    by ``make run`` before ``dvc repro``) and any stage that runs name it."""
    repo, env = built
    params = repo / "params.yaml"
    original = params.read_text()
    want = "params.yaml: unknown top-level section 'buidl' (did you mean 'build'?)"
    try:
        params.write_text(original + "buidl:\n  name: ValAct-15k\n")
        for cmd in (["valact", "params", "check"], ["valact", "ingest"]):
            proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True,
                                  timeout=300)  # fmt: skip
            out = proc.stdout + proc.stderr
            assert proc.returncode != 0 and want in out, (cmd, out)
            assert ": :" not in out
        assert (repo / "raw" / "posts.parquet").exists()  # the failed stage replaced nothing
    finally:
        params.write_text(original)
    _run(["valact", "params", "check"], repo, env)  # the restored file passes again


def test_sample_build_card_and_summary_say_synthetic(built: tuple[Path, dict[str, str]]) -> None:
    import yaml

    repo, env = built
    card = (repo / "processed" / "valact-15k" / "README.md").read_text()
    assert "synthetic" in card and "drawn from Reddit" not in card
    assert "the Reddit id of the source post" not in card
    metrics = json.loads((repo / "processed" / "metrics.json").read_text())
    assert metrics["source"] == "sample" and metrics["synthetic"] is True
    assert json.loads((repo / "metrics" / "ingest.json").read_text())["synthetic"] is True
    meta = yaml.safe_load(card.split("---\n")[1])
    n = metrics["scenarios"]
    bucket = "n<1K" if n < 1_000 else "1K<n<10K" if n < 10_000 else "10K<n<100K"
    assert meta["size_categories"] == [bucket]
    rows = {c["config_name"]: c["splits"][0]["num_examples"] for c in meta["dataset_info"]}
    assert rows == {"scenarios": n, "options": metrics["options"]}
    assert bucket != ("n<1K" if metrics["options"] < 1_000 else "1K<n<10K")  # they differ here
    summary = _run(["valact", "summary"], repo, env)
    assert "source:             sample (synthetic posts, raw/sample/: not from Reddit)" in summary
    assert "bad decision lines: 0 malformed, 0 naming an unknown item" in summary
