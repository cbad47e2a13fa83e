"""`assistant history`: what happened each week, as a terminal table, JSON lines or a bar chart (pauses,
sessions, resume times, reconnections, and commitments made, kept and changed).

Receives the store's `WeekCounts` (weeks with nothing in them are left out there). Emits a table (rich) on
a stream, JSON-ready dicts, or an image file. Quiet weeks between the first and the last recorded one are
filled in with zeros: a week without a pause is good news, and a chart that skipped it would hide exactly that.
matplotlib is imported only inside `plot`, so `history` without --plot never pays its import time (about
0.85 s); the other commands never load this module.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table

from assistant.store import WeekCounts

__all__ = ["COLUMNS", "EMPTY", "PLOT_FORMATS", "SERIES", "as_json", "fill_weeks", "plot", "print_table",
           "retrained_line", "table"]

EMPTY = "Nothing recorded yet: your history fills in as you use the pause word."
"""The one line for an empty history (table, and the text of an empty chart)."""

COLUMNS: tuple[tuple[str, str], ...] = (
    ("pauses", "pauses"),
    ("false_alarms", "false alarms"),
    ("sessions_completed", "completed"),
    ("sessions_stopped", "stopped"),
    ("agreements_made", "agreed"),
    ("agreements_kept", "kept"),
    ("reconnections", "reconnected"),
    ("commitments_made", "commitments made"),
    ("commitments_kept", "commitments kept"),
    ("commitments_changed", "commitments changed"),
)
"""(WeekCounts field, table heading), in table order."""

SERIES: tuple[tuple[str, str, str], ...] = (
    ("pauses", "pauses", "#7393b3"),
    ("false_alarms", "false alarms", "#a9b4bf"),
    ("sessions_completed", "sessions completed", "#8fb996"),
    ("sessions_stopped", "sessions stopped", "#cf9a8c"),
    ("agreements_made", "resume times agreed", "#f2d9a0"),
    ("agreements_kept", "resume times kept", "#d4a24c"),
    ("reconnections", "reconnections", "#b8a1d9"),
    ("commitments_made", "commitments made", "#6fa8a3"),
    ("commitments_kept", "commitments kept", "#e3a6c4"),
    ("commitments_changed", "commitments changed", "#9c9c72"),
)
"""(WeekCounts field, legend label, bar colour) of the chart, every count the table shows, in its order:
calm, distinct, each colour used once."""

PLOT_FORMATS = (".png", ".svg", ".pdf")

_TEXT_COLOUR = "#3a3a3a"
_GRID_COLOUR = "#e4e4e4"
_MAX_TICK_LABELS = 12
_LEGEND_COLUMNS = 4
_PIPED_WIDTH = 10_000
"""Columns a table may take when stdout is not a terminal: rich draws it at its natural width, one line a week
for a script to read, instead of wrapping it to an assumed 80."""


def retrained_line(model: dict) -> str:
    """One line on a word model retrained at home, e.g. for `history` under its table."""
    when = datetime.fromtimestamp(model["retrained_at"]).astimezone()
    return (f'word model "{model["word"]}": last retrained {when:%a %d %b %Y %H:%M} on '
            f'{model["learned_moments"]} moment(s) learned at home')


def fill_weeks(weeks: Sequence[WeekCounts]) -> list[WeekCounts]:
    """Every week from the first to the last recorded one, quiet weeks as zeros; oldest first."""
    if not weeks:
        return []
    by_week = {w.week: w for w in weeks}
    first, last = min(by_week), max(by_week)
    return [by_week.get(first + timedelta(weeks=i), WeekCounts(week=first + timedelta(weeks=i)))
            for i in range((last - first).days // 7 + 1)]


def table(weeks: Sequence[WeekCounts]) -> Table:
    """One row per week (quiet weeks as zeros) under the column names; counts right-aligned so they line up."""
    drawn = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    drawn.add_column("week of", no_wrap=True)
    for _field, heading in COLUMNS:
        # 80 columns: "false alarms" goes onto two lines, and no one-word heading is cut to "reconn…"
        drawn.add_column(heading, justify="right", no_wrap=" " not in heading)
    for week in fill_weeks(weeks):
        drawn.add_row(f"{week.week:%a %d %b %Y}", *(str(getattr(week, field)) for field, _heading in COLUMNS))
    return drawn


def print_table(weeks: Sequence[WeekCounts], out: TextIO) -> None:
    """The table on `out`, or the one EMPTY line when nothing is stored.

    Colour (bold headings) only on a terminal: piped into a file or a script, the text is plain.
    """
    if not weeks:
        print(EMPTY, file=out)
        return
    terminal = out.isatty()
    Console(file=out, force_terminal=terminal, width=None if terminal else _PIPED_WIDTH).print(table(weeks))


def as_json(weeks: Sequence[WeekCounts]) -> list[dict]:
    """One object per week (quiet weeks included), e.g. {"event": "week", "week": "2026-11-16", "pauses": 2, ...}."""
    return [{"event": "week", **asdict(w), "week": w.week.isoformat()} for w in fill_weeks(weeks)]


def plot(weeks: Sequence[WeekCounts], path: Path | str) -> None:
    """Draw grouped bars per week (every count of the table, SERIES) into `path`.

    The format follows the suffix (PLOT_FORMATS). An empty history still gives a valid image that says
    there is nothing yet. A new file is created owner-only (0600): these are a couple's private moments.
    Raises ValueError for an unknown suffix, OSError when the file cannot be written.
    """
    path = Path(path)
    if path.suffix.lower() not in PLOT_FORMATS:
        raise ValueError(f"--plot {path}: give a file ending in {', '.join(PLOT_FORMATS)}")
    # deferred: matplotlib, ~0.85 s at start (-X importtime, after the history command): only --plot draws
    from matplotlib import figure, ticker
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # deferred: matplotlib's Agg, as above

    filled = fill_weeks(weeks)
    width_in = min(16.0, max(9.5, 2.0 + 0.9 * len(filled)))  # the legend's four columns fit
    fig = figure.Figure(figsize=(width_in, 4.8), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)  # Agg, explicitly: no GUI backend, no global pyplot state
    if not filled:
        fig.text(0.5, 0.5, EMPTY, ha="center", va="center", fontsize=13, color=_TEXT_COLOUR, wrap=True)
    else:
        _draw_bars(fig, filled, ticker.MaxNLocator)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        fig.savefig(file, format=path.suffix.lower()[1:], facecolor="white")


def _draw_bars(fig, weeks: list[WeekCounts], integer_locator) -> None:
    """The grouped bars on `fig`; `integer_locator` is matplotlib's MaxNLocator (`plot` imported it)."""
    ax = fig.add_subplot()
    group = 0.8  # of each week's slot; the rest is the gap between weeks
    bar = group / len(SERIES)
    for i, (field, label, colour) in enumerate(SERIES):
        xs = [n - group / 2 + bar * (i + 0.5) for n in range(len(weeks))]
        # No antialiasing and no edge: each bar is exactly its colour, edge to edge (crisp, and measurable).
        ax.bar(xs, [getattr(w, field) for w in weeks], width=bar, color=colour, label=label,
               linewidth=0, antialiased=False, zorder=2)
    step = max(1, -(-len(weeks) // _MAX_TICK_LABELS))
    shown = weeks[::step]
    ax.set_xticks(range(0, len(weeks), step),  # the year on the first label and wherever it changes
                  [f"{w.week:%d %b}" + (f"\n{w.week.year}" if i == 0 or w.week.year != shown[i - 1].week.year else "")
                   for i, w in enumerate(shown)])
    ax.set_xlim(-0.6, len(weeks) - 0.4)
    ax.yaxis.set_major_locator(integer_locator(integer=True))
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color=_GRID_COLOUR, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(_TEXT_COLOUR)
    ax.tick_params(colors=_TEXT_COLOUR, labelsize=10)
    ax.set_xlabel("week starting", color=_TEXT_COLOUR, fontsize=11)
    ax.set_ylabel("times in the week", color=_TEXT_COLOUR, fontsize=11)
    ax.set_title("Your weeks with Pause", color=_TEXT_COLOUR, fontsize=14, pad=58)
    # Above the bars, outside the axes, so it never covers one; in rows of four, so it fits the narrowest chart.
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=_LEGEND_COLUMNS, frameon=False, fontsize=9,
              labelcolor=_TEXT_COLOUR)
    fig.tight_layout()
