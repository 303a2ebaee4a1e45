"""A sweep's comparison plot: each summary figure per run, side by side (matplotlib Agg)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PANELS = (("wait_mean_s", "mean wait (s)"), ("wait_p95_s", "p95 wait (s)"),
          ("utilisation", "utilisation (busy / pool core-s)"),
          ("jain_usage_over_entitlement", "Jain's index (usage / entitlement)"))


def draw_comparison(results: list[dict[str, Any]], path: Path) -> None:
    """Four horizontal bar panels, one bar per run, labelled with the run's settings."""
    labels = [str(r["label"]) for r in results]
    height = max(3.0, 0.32 * len(results) + 1.5)
    with plt.rc_context({"font.size": 8, "axes.spines.top": False, "axes.spines.right": False}):
        fig, axes = plt.subplots(1, len(PANELS), figsize=(13, height), sharey=True)
        for ax, (key, title) in zip(axes, PANELS, strict=True):
            values = [_number(r.get(key)) for r in results]
            ax.barh(range(len(values)), values, color="C0")
            ax.set_title(title)
            ax.grid(axis="x", alpha=0.3)
        axes[0].set_yticks(range(len(labels)), labels)
        axes[0].invert_yaxis()
        fig.suptitle("Sweep: summary figures per run")
        fig.tight_layout()
        fig.savefig(path, metadata={"Software": None})
        plt.close(fig)


def _number(value: Any) -> float:
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return 0.0
