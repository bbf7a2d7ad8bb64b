"""A temporary copy of the repository that `dvc repro` can run in, with an offline env."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COPY = [
    "pipeline", "raw/sample", "review/decisions", "review/withdrawn.jsonl", "dvc.yaml",
    "params.yaml", ".dvc/config", ".dvcignore", ".gitignore", "pyproject.toml",
]


def copy_repo(dst: Path) -> Path:
    """Copy what `dvc repro` needs into ``dst`` and make it a git repository."""
    for rel in COPY:
        src = REPO / rel
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, target)
    subprocess.run(["git", "init", "-q"], cwd=dst, check=True)
    return dst


def offline_env(repo: Path, hf_home: Path) -> dict[str, str]:
    """The environment the Makefile gives stages, pointed at the copy's code."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(repo)  # the copy's code, not the installed checkout
    env["HF_HOME"] = str(hf_home)
    env["HF_HUB_OFFLINE"] = "1"
    env["HF_DATASETS_OFFLINE"] = "1"
    env["DVC_NO_ANALYTICS"] = "1"
    env.pop("OPENAI_API_KEY", None)
    env.pop("OPENAI_BASE_URL", None)
    return env
