"""`assistant listen --text`: the whole ritual by typed lines, and a crash that loses nothing.

Typed lines stand for speech; silence blocks paced by the wall clock stand for the microphone, so the
session, the dialog and the reminders run on the same code as live. No audio device is used.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from app_process import AppProcess

SHORT_SESSION = '[session]\ncycles = 1\nspoken_cycles = 0\ngrounding = ""\n[agreement]\nmin_break_minutes = 0\n'


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    config = tmp_path / "config.toml"
    config.write_text(SHORT_SESSION)
    return config, {"ASSISTANT_DATA_DIR": str(tmp_path / "data")}


def start(config: Path, env: dict[str, str]) -> AppProcess:
    app = AppProcess("listen", "--text", "--config", str(config), env=env, stdin=subprocess.PIPE)
    app.wait_for("listening (typed)", timeout=60)
    return app


def type_line(app: AppProcess, text: str) -> None:
    assert app.proc.stdin is not None
    app.proc.stdin.write(text + "\n")
    app.proc.stdin.flush()


def agree_in_one_minute(app: AppProcess) -> str:
    type_line(app, "okay, timeout")
    app.wait_for("state: agreeing", timeout=90)
    app.wait_for("When you both feel ready", timeout=10)
    type_line(app, "in one minute")
    app.wait_for("Is that right?", timeout=40)  # after the invitation, which lists the offered times
    type_line(app, "yes")
    return app.wait_for("agreed:", timeout=10)


def pause_then_false_alarm(app: AppProcess) -> None:
    """The pause word typed, then "false alarm": back to listening, the kind line just begun."""
    type_line(app, "timeout")
    app.wait_for("state: acknowledging", timeout=30)
    type_line(app, "false alarm")
    app.wait_for("false alarm: timeout", timeout=10)
    app.wait_for("state: listening", timeout=10)


def reminders(env: dict[str, str]) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "assistant", "reminders", "--json"], check=True,
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=60)
    return [json.loads(line) for line in done.stdout.splitlines()]


def history_weeks(env: dict[str, str]) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "assistant", "history", "--json"], check=True,
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=60)
    return [w for w in map(json.loads, done.stdout.splitlines()) if w["event"] == "week"]


def test_a_typed_session_agrees_a_time_and_reads_the_prompts_when_it_comes(setup) -> None:
    config, env = setup
    app = start(config, env)
    try:
        agree_in_one_minute(app)
        assert [r["heard"] for r in reminders(env)] == ["in one minute"]
        app.wait_for("reminder: in one minute", timeout=90)
        app.wait_for("This is the time you both chose", timeout=20)
        app.wait_for("Before anything else", timeout=30)  # the first prompt
        type_line(app, "we're done")
        app.wait_for("Thank you both for coming back", timeout=30)
    finally:
        app.stop()
    assert reminders(env) == []  # fired: no longer pending


def test_an_agreement_survives_sigkill_and_is_read_at_least_once_but_never_again_once_heard(setup) -> None:
    config, env = setup
    app = start(config, env)
    agreed = agree_in_one_minute(app)
    os.kill(app.proc.pid, signal.SIGKILL)  # a crash right after the agreement
    app.proc.wait(timeout=10)
    pending = reminders(env)
    assert len(pending) == 1 and pending[0]["resume_at"] in agreed

    again = start(config, env)
    again.wait_for("reminder: in one minute", timeout=90)
    again.wait_for("Before anything else", timeout=30)
    os.kill(again.proc.pid, signal.SIGKILL)  # a crash in the middle of the reading
    again.proc.wait(timeout=10)

    third = start(config, env)  # the reading cut short comes again
    try:
        third.wait_for("reminder: in one minute", timeout=30)
        third.wait_for("Before anything else", timeout=30)
        type_line(third, "we're done")
        third.wait_for("Thank you both for coming back", timeout=30)
    finally:
        third.stop()
    assert sum("reminder:" in line for line in third.lines) == 1

    fourth = start(config, env)  # heard to the end: never read again
    try:
        time.sleep(4)
    finally:
        fourth.stop()
    assert not any("reminder:" in line for line in fourth.lines)
    assert reminders(env) == []
    assert [w["agreements_kept"] for w in history_weeks(env)] == [1]


def test_two_reminders_missed_while_off_are_both_read_one_after_the_other(setup) -> None:
    from datetime import UTC, datetime, timedelta

    from assistant.store import DB_NAME, open_store

    config, env = setup
    now = datetime.now(UTC)
    with open_store(Path(env["ASSISTANT_DATA_DIR"]) / DB_NAME) as store:
        store.add_agreement(now - timedelta(minutes=30), "at seven", now - timedelta(hours=1))
        store.add_agreement(now - timedelta(minutes=20), "at seven ten", now - timedelta(hours=1))
    app = start(config, env)
    try:
        app.wait_for("reminder: at seven (", timeout=30)
        app.wait_for("You had agreed to talk", timeout=30)  # caught up: said as missed, not as on time
        app.wait_for("Before anything else", timeout=30)
        type_line(app, "we're done")
        app.wait_for("reminder: at seven ten", timeout=60)
    finally:
        app.stop()
    # Both were handed out once; the second, closed mid-reading, is listed as read again at the next start.
    assert [(r["heard"], r["status"]) for r in reminders(env)] == [("at seven ten", "cut_short")]


def test_false_alarm_stops_the_session_and_is_counted_in_the_history_without_keeping_any_sound(setup) -> None:
    config, env = setup
    app = start(config, env)
    try:
        pause_then_false_alarm(app)
    finally:
        app.stop()
    done = subprocess.run([sys.executable, "-m", "assistant", "history", "--json"], check=True,
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=60)
    weeks = [json.loads(line) for line in done.stdout.splitlines()]
    assert [w["false_alarms"] for w in weeks if w["event"] == "week"] == [1]
    assert [w["pauses"] for w in weeks if w["event"] == "week"] == [1]
    assert not (Path(env["ASSISTANT_DATA_DIR"]) / "learned").exists()  # typed words teach the ear nothing
    assert not any("choose a time" in line for line in app.lines)  # no offer after a false alarm


def test_the_pause_word_typed_while_the_assistant_still_speaks_starts_the_ritual(setup) -> None:
    """Typed text cannot be the assistant's own voice: the echo guard that drops a heard pause word while it
    speaks must not drop a typed one (it did, and the partner who typed it got nothing)."""
    config, env = setup
    app = start(config, env)
    try:
        pause_then_false_alarm(app)  # "Okay, we'll stop here. ..." takes seconds to say
        type_line(app, "timeout")
        app.wait_for("heard: timeout", timeout=10)
        line = app.wait_for(("state: acknowledging", "assistant: I'm here whenever"), timeout=10)
        assert "state: acknowledging" in line, app.lines
    finally:
        app.stop()
    assert not (Path(env["ASSISTANT_DATA_DIR"]) / "learned").exists()  # typed words teach the ear nothing


def test_a_stop_during_breathing_is_immediate_then_offers_once_to_choose_a_time_and_no_ends_it(tmp_path) -> None:
    from assistant.session.wording import FALSE_ALARM_SECONDS

    config = tmp_path / "config.toml"
    config.write_text('[session]\ncycles = 3\nspoken_cycles = 0\ngrounding = ""\n')
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    app = start(config, env)
    try:
        type_line(app, "timeout")
        app.wait_for("state: breathing", timeout=30)
        time.sleep(FALSE_ALARM_SECONDS)  # past the moment where a stop means "false alarm"
        type_line(app, "stop")
        app.wait_for("state: agreeing", timeout=10)
        app.wait_for("Or just say no.", timeout=10)
        type_line(app, "not now")
        app.wait_for("state: listening", timeout=30)
        app.wait_for("I'm here whenever you need a pause", timeout=10)
    finally:
        app.stop()
    assert sum("choose a time" in line for line in app.lines) == 1
    assert not any(line.startswith("false alarm") for line in app.lines)
    assert [(w["sessions_stopped"], w["agreements_made"]) for w in history_weeks(env)] == [(1, 0)]


def test_a_time_agreed_later_is_read_back_with_its_note_first_and_a_yes_typed_too_soon_is_asked_again(
        tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[agreement]\nmin_break_minutes = 20\n")
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    app = start(config, env)
    try:
        type_line(app, "agree in five minutes")
        type_line(app, "yes")  # before the note and the question were said: not taken
        note = app.wait_for("assistant: That's sooner than the 20-minute break", timeout=10)
        question = app.wait_for("Is that right?", timeout=20)
        app.wait_for("Sorry, I was still talking.", timeout=20)
        type_line(app, "yes")
        app.wait_for("agreed:", timeout=20)
    finally:
        app.stop()
    assert app.lines.index(note) < app.lines.index(question)
    assert [r["heard"] for r in reminders(env)] == ["in five minutes"]
