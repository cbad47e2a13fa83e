"""`assistant history` and `assistant forget` on a real SQLite store in $ASSISTANT_DATA_DIR.

The chart is checked from its pixels: each series has its own colour, so every bar is found by colour
and its height in pixels must be proportional to the count stored for that week.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from app_process import AppProcess

from assistant.history import SERIES
from assistant.store import DB_NAME, StoreError, open_store

MARKER = "zebra marmalade quartz"
"""A heard phrase no table, index or page header could contain by chance."""

# Four weeks, the third one quiet: (Monday, counts). Each week's rows are stored on its Wednesday (UTC noon
# onwards), so the local zone of the machine cannot move them into another week.
WEEKS = [
    (date(2026, 10, 5), {"pauses": 6, "sessions_completed": 4, "sessions_stopped": 1, "agreements_made": 3,
                         "agreements_kept": 2, "reconnections": 1, "prompts_read": 3, "false_alarms": 2,
                         "commitments_made": 2, "commitments_kept": 1}),
    (date(2026, 10, 12), {"pauses": 3, "sessions_completed": 3, "sessions_stopped": 0, "agreements_made": 2,
                          "agreements_kept": 2, "reconnections": 2, "prompts_read": 4, "commitments_kept": 2,
                          "commitments_changed": 1}),
    (date(2026, 10, 19), {}),
    (date(2026, 10, 26), {"pauses": 1, "sessions_completed": 1, "sessions_stopped": 0, "agreements_made": 1,
                          "agreements_kept": 1, "reconnections": 1, "prompts_read": 2, "false_alarms": 1}),
]
FIELDS = ["pauses", "sessions_completed", "sessions_stopped", "agreements_made", "agreements_kept",
          "reconnections", "prompts_read", "false_alarms", "commitments_made", "commitments_kept",
          "commitments_changed"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # a cache folder of its own: `forget` empties the cache's word examples, which other tests share
    return {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_CACHE_DIR": str(tmp_path / "cache"), "TZ": "UTC"}


def db_path(env: dict[str, str]) -> Path:
    return Path(env["ASSISTANT_DATA_DIR"]) / DB_NAME


def assistant(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120, check=False)


def store_weeks(env: dict[str, str], weeks=WEEKS, heard: str = "in twenty minutes") -> None:
    """Write rows that add up to the given counts, the way the live loop and the scheduler write them."""
    with open_store(db_path(env)) as store:
        for monday, counts in weeks:
            wednesday = datetime(monday.year, monday.month, monday.day, 12, tzinfo=UTC) + timedelta(days=2)
            for i in range(counts.get("pauses", 0)):
                store.record_pause("timeout", wednesday + timedelta(minutes=i))
            for i in range(counts.get("false_alarms", 0)):
                store.record_false_alarm("timeout", wednesday + timedelta(minutes=i))
            for outcome in ("completed", "stopped"):
                for i in range(counts.get(f"sessions_{outcome}", 0)):
                    started = wednesday + timedelta(hours=1, minutes=i)
                    store.end_session(store.start_session("timeout", started), outcome, started + timedelta(minutes=5))
            store.start_session("timeout", wednesday)  # never ended (a crash): not counted either way
            for i in range(counts.get("agreements_made", 0)):
                agreement = store.add_agreement(wednesday + timedelta(hours=3), heard, wednesday)
                if i < counts["agreements_kept"]:
                    store.mark_fired(agreement.id, wednesday + timedelta(hours=3))
                    store.mark_read(agreement.id, wednesday + timedelta(hours=3, minutes=5))
            made = [store.add_commitment(f"I'll say {heard} {i}", None, wednesday) for i in
                    range(counts.get("commitments_made", 0))] or store.open_commitments()
            for i in range(counts.get("commitments_kept", 0)):  # kept, then a "not yet" that counts nowhere
                store.check_commitment(made[i % len(made)].id, "kept", wednesday + timedelta(hours=5))
                store.check_commitment(made[i % len(made)].id, "not_yet", wednesday + timedelta(hours=5))
            for i in range(counts.get("commitments_changed", 0)):
                store.check_commitment(made[i].id, "changed", wednesday + timedelta(hours=6), f"I'll say {heard} more")
            days = counts.get("reconnections", 0)
            for i in range(counts.get("prompts_read", 0)):  # spread over `days` days of the week
                store.record_delivery("reconnection", f"prompt-{i}", wednesday + timedelta(days=i % days, hours=4))


def expected_json(weeks=WEEKS) -> list[dict]:
    return [{"event": "week", "week": monday.isoformat(), **{f: counts.get(f, 0) for f in FIELDS}}
            for monday, counts in weeks]


# --- history -----------------------------------------------------------------------------------------

def test_history_json_gives_one_object_per_week_with_the_stored_counts_quiet_weeks_included(env) -> None:
    store_weeks(env)
    done = assistant(env, "history", "--json")
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == expected_json()


def test_history_prints_a_plain_table_with_one_row_per_week_when_piped(env) -> None:
    store_weeks(env)
    done = assistant(env, "history")  # stdout is a pipe: no colour codes, and no row wrapped to 80 columns
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    heading, rule, *rows = done.stdout.splitlines()
    assert re.split(r"\s{2,}", heading.strip()) == ["week of", "pauses", "false alarms", "completed", "stopped",
                                                   "agreed", "kept", "reconnected", "commitments made",
                                                   "commitments kept", "commitments changed"]
    assert set(rule) == {"─"} and len(rule) == max(len(line) for line in (heading, *rows))
    assert [row.split() for row in rows] == [
        ["Mon", "05", "Oct", "2026", "6", "2", "4", "1", "3", "2", "1", "2", "1", "0"],
        ["Mon", "12", "Oct", "2026", "3", "0", "3", "0", "2", "2", "2", "0", "2", "1"],
        ["Mon", "19", "Oct", "2026", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"],
        ["Mon", "26", "Oct", "2026", "1", "1", "1", "0", "1", "1", "1", "0", "0", "0"],
    ]


def test_an_empty_history_says_so_kindly_in_one_line_and_json_prints_nothing(env) -> None:
    done = assistant(env, "history")
    assert done.returncode == 0 and done.stdout.strip().startswith("Nothing recorded yet")
    assert len(done.stdout.strip().splitlines()) == 1
    done = assistant(env, "history", "--json")
    assert done.returncode == 0 and done.stdout == ""


def rgb_of(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])


def bar_heights(image: np.ndarray, colours: list[str]) -> dict[str, list[int]]:
    """Heights in pixels of the bars of each colour, left to right.

    A bar is a run of columns whose pixels of that colour reach down to the baseline (the lowest row any
    bar colour occupies), measured upwards from there; legend swatches, which float above, do not count.
    """
    rgb = np.rint(image[..., :3] * 255).astype(int)
    masks = {c: np.all(np.abs(rgb - rgb_of(c)) <= 1, axis=-1) for c in colours}
    baseline = max(int(np.nonzero(m.any(axis=1))[0].max()) for m in masks.values() if m.any())
    heights: dict[str, list[int]] = {}
    for colour, mask in masks.items():
        column_heights = []
        for x in range(mask.shape[1]):
            n = 0
            while baseline - n >= 0 and mask[baseline - n, x]:
                n += 1
            column_heights.append(n)
        bars, run = [], []
        for h in [*column_heights, 0]:
            if h:
                run.append(h)
            elif run:
                bars.append(int(np.median(run)))
                run = []
        heights[colour] = bars
    return heights


def test_the_plot_draws_each_weeks_bars_in_proportion_to_the_stored_counts(env, tmp_path: Path) -> None:
    from matplotlib.image import imread

    store_weeks(env)
    out = tmp_path / "history.png"
    done = assistant(env, "history", "--plot", str(out))
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    image = imread(out)
    assert image.shape[0] > 200 and image.shape[1] > 400
    assert out.stat().st_mode & 0o077 == 0  # counts of a couple's pauses: owner-only like the data

    heights = bar_heights(image, [colour for _field, _label, colour in SERIES])
    tallest_px = max(h for hs in heights.values() for h in hs)
    largest_count = max(counts.get(field, 0) for _monday, counts in WEEKS for field, _label, _colour in SERIES)
    px_per_count = tallest_px / largest_count  # one scale for every bar: they share the y axis
    assert px_per_count > 20  # a count of one is a clearly visible bar
    for field, _label, colour in SERIES:
        counts = [c[field] for _monday, c in WEEKS if c.get(field)]  # a count of 0 draws no bar
        assert len(heights[colour]) == len(counts), (field, heights[colour], counts)
        for height, count in zip(heights[colour], counts):
            assert abs(height - count * px_per_count) <= 2, (field, height, count, px_per_count)


def test_an_empty_history_still_plots_a_valid_image_that_says_so(env, tmp_path: Path) -> None:
    from matplotlib.image import imread

    out = tmp_path / "empty.png"
    done = assistant(env, "history", "--plot", str(out))
    assert done.returncode == 0, done.stderr
    assert "Nothing recorded yet" in done.stdout
    assert "Nothing recorded yet" in assistant(env, "history").stdout
    assert not Path(env["ASSISTANT_DATA_DIR"]).exists()  # looking at an empty history creates nothing
    image = imread(out)
    dark = np.all(image[..., :3] < 0.4, axis=-1)
    assert dark.sum() > 500  # the sentence is drawn
    rgb = np.rint(image[..., :3] * 255)
    for _field, _label, colour in SERIES:
        assert not np.all(np.abs(rgb - rgb_of(colour)) <= 1, axis=-1).any(), colour  # no bar, no legend


def test_a_plot_file_of_an_unknown_kind_or_in_a_missing_folder_is_bad_input(env, tmp_path: Path) -> None:
    for target, hint in ((tmp_path / "history.jpg", ".png"), (tmp_path / "no" / "such" / "h.png", "folder")):
        done = assistant(env, "history", "--plot", str(target))
        assert done.returncode == 2 and hint in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert not target.exists()


def test_the_history_command_does_not_load_matplotlib_unless_it_plots(env) -> None:
    store_weeks(env)
    code = ("import sys; from assistant.cli import main; main(['history', '--json']); "
            "print('matplotlib loaded' if 'matplotlib' in sys.modules else 'no matplotlib', file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120, check=False)
    assert done.returncode == 0 and done.stderr.strip().endswith("no matplotlib"), done.stderr


# --- the live loop stores its sessions ---------------------------------------------------------------

SHORT_SESSION = '[session]\ncycles = 1\nspoken_cycles = 0\ngrounding = ""\n[agreement]\nmin_break_minutes = 0\n'


def test_a_typed_session_run_to_its_end_and_one_stopped_by_voice_show_in_the_history(env, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(SHORT_SESSION)
    app = AppProcess("listen", "--text", "--config", str(config), env=env, stdin=subprocess.PIPE)

    def say(text: str) -> None:
        app.proc.stdin.write(text + "\n")
        app.proc.stdin.flush()

    try:
        app.wait_for("listening (typed)", timeout=60)
        say("timeout")  # the whole ritual: breathing, agreeing a time, closing, back to listening
        app.wait_for("state: agreeing", timeout=90)
        app.wait_for("When you both feel ready", timeout=10)
        say("in one minute")
        app.wait_for("Is that right?", timeout=40)  # after the invitation, which lists the offered times
        say("yes")
        app.wait_for("state: closing", timeout=10)
        app.wait_for("state: listening", timeout=60)
        say("timeout")  # then a second pause, stopped at once: a false alarm
        app.wait_for("state: acknowledging", timeout=10)
        say("stop")
        app.wait_for("state: listening", timeout=10)
    finally:
        app.stop()
    done = assistant(env, "history", "--json")
    assert done.returncode == 0, done.stderr
    weeks = [json.loads(line) for line in done.stdout.splitlines()]
    totals = {f: sum(w[f] for w in weeks) for f in FIELDS}  # summed: the two might straddle midnight on Sunday
    assert totals == {"pauses": 2, "sessions_completed": 1, "sessions_stopped": 1, "agreements_made": 1,
                      "agreements_kept": 0, "reconnections": 0, "prompts_read": 0, "false_alarms": 1,
                      "commitments_made": 0, "commitments_kept": 0, "commitments_changed": 0}


def test_closing_the_assistant_mid_session_stores_the_session_as_stopped(env, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(SHORT_SESSION)
    app = AppProcess("listen", "--text", "--config", str(config), env=env, stdin=subprocess.PIPE)
    try:
        app.wait_for("listening (typed)", timeout=60)
        app.proc.stdin.write("timeout\n")
        app.proc.stdin.flush()
        app.wait_for("state: acknowledging", timeout=10)
    finally:
        app.stop()  # Ctrl-C in the middle of the session
    assert app.proc.returncode == 130
    done = assistant(env, "history", "--json")
    weeks = [json.loads(line) for line in done.stdout.splitlines()]
    assert sum(w["sessions_stopped"] for w in weeks) == 1, done.stdout
    assert sum(w["sessions_completed"] for w in weeks) == 0


# --- forgetting --------------------------------------------------------------------------------------

def traces(env: dict[str, str]) -> dict[str, bool]:
    """Whether the heard phrase is in the raw bytes of the database file and of its WAL."""
    found = {}
    for suffix in ("", "-wal"):
        file = Path(f"{db_path(env)}{suffix}")
        found[suffix or "db"] = file.exists() and MARKER.encode() in file.read_bytes()
    return found


def test_forget_without_typed_confirmation_deletes_nothing(env) -> None:
    store_weeks(env, heard=MARKER)
    for answer in ("", "no\n", "yes\n"):
        done = assistant(env, "forget", stdin=answer)
        assert done.returncode == 1 and "type forget" in done.stdout.lower()
        assert "Nothing deleted" in done.stdout
    assert [json.loads(line) for line in assistant(env, "history", "--json").stdout.splitlines()] == expected_json()


@pytest.mark.parametrize("how", [("forget",), ("forget", "--yes")], ids=["typed", "yes-flag"])
def test_forget_with_confirmation_leaves_nothing_in_the_database_or_its_wal(env, how) -> None:
    store_weeks(env, heard=MARKER)
    with open_store(db_path(env)) as running:  # another copy (say `listen`) keeps the WAL open meanwhile
        assert any(traces(env).values())  # the check below can see the phrase when it is there
        done = assistant(env, *how, stdin="forget\n" if len(how) == 1 else "")
        assert done.returncode == 0, done.stderr
        assert "Forgotten" in done.stdout
        assert traces(env) == {"db": False, "-wal": False}
        assert running.pending_agreements() == [] and running.weekly_counts() == []
    assert traces(env) == {"db": False, "-wal": False}
    assert assistant(env, "history").stdout.startswith("Nothing recorded yet")


def test_forgetting_while_another_copy_is_mid_read_says_so_and_a_second_try_clears_the_wal(env) -> None:
    store_weeks(env, heard=MARKER)
    reader = sqlite3.connect(db_path(env), isolation_level=None)
    store = open_store(db_path(env))
    try:
        store._conn.execute("PRAGMA busy_timeout = 200")  # give up waiting for the reader sooner than 10 s
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM agreements").fetchone()[0] == 6  # holds its snapshot
        with pytest.raises(StoreError) as info:
            store.forget_everything()
        message = str(info.value)
        assert "\n" not in message and "Fix:" in message and "assistant forget" in message
        assert store.pending_agreements() == [] and any(traces(env).values())  # rows gone, traces left: said so
        reader.execute("COMMIT")
        store.forget_everything()
        assert traces(env) == {"db": False, "-wal": False}
    finally:
        reader.close()
        store.close()
