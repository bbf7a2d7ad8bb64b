"""The value-distribution plot shipped in the dataset folder."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.values import VALUE_BY_ID  # noqa: E402


def plot_value_distribution(per_value: pd.Series, path: Path) -> None:
    """Bar chart of options per value, in circumplex order; deterministic PNG bytes."""
    labels = [VALUE_BY_ID[v].label for v in per_value.index]
    fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
    bars = ax.bar(labels, per_value.values, color="#4C72B0")
    ax.bar_label(bars, fontsize=8)
    ax.set_ylabel("options")
    ax.set_title("Options per Schwartz value")
    ax.tick_params(axis="x", rotation=35)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)
