"""`assistant agree PHRASE`: a resume time chosen after the session, with the spoken dialog's checks,
read-back and confirmation (typed on stdin, or --yes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assistant.store import DB_NAME, open_store


def run(*args: str, data: Path, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True, text=True,
                          env={**os.environ, "ASSISTANT_DATA_DIR": str(data)}, timeout=60, check=False)


def pending(data: Path) -> list[str]:
    done = run("reminders", "--json", data=data)
    return [json.loads(line)["heard"] for line in done.stdout.splitlines()]


def test_agree_reads_the_time_back_with_its_note_first_and_keeps_it_only_after_yes(tmp_path: Path) -> None:
    refused = run("agree", "in five minutes", data=tmp_path, stdin="no\n")
    assert refused.returncode == 1 and "Nothing saved" in refused.stdout and pending(tmp_path) == []
    done = run("agree", "in five minutes", data=tmp_path, stdin="yes\n")
    assert done.returncode == 0, done.stderr
    note, question, agreed = done.stdout.splitlines()
    assert note.startswith("That's sooner than the 20-minute break")
    assert question.startswith("In five minutes, at ") and "Is that right?" in question
    assert agreed.startswith("Okay. I'll remind you in five minutes") and "assistant listen" in agreed
    assert pending(tmp_path) == ["in five minutes"]


def test_agree_with_yes_needs_no_answer_and_a_phrase_with_no_time_keeps_nothing(tmp_path: Path) -> None:
    assert run("agree", "--yes", "in 2 hrs", data=tmp_path).returncode == 0
    nonsense = run("agree", "--yes", "banana bread", data=tmp_path)
    assert nonsense.returncode == 1 and "didn't catch a time" in nonsense.stdout
    missing = run("agree", data=tmp_path)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "assistant agree" in missing.stderr
    assert pending(tmp_path) == ["in 2 hrs"]


def test_reminders_lists_a_header_then_the_agreed_time_and_its_status(tmp_path: Path) -> None:
    assert run("agree", "--yes", "friday morning", data=tmp_path).returncode == 0
    header, row = run("reminders", data=tmp_path).stdout.splitlines()
    assert header.split() == ["ID", "REMINDER", "AT", "STATUS", "AGREED"]
    assert row.split()[0] == "1" and "Fri" in row and "09:00" in row and "to come" in row
    assert '"friday morning" on ' in row


def test_reminders_lists_a_reading_cut_short_while_the_assistant_would_still_read_it_again(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[reminders]\nritual_grace_minutes = 30\n")
    now = datetime.now(UTC)
    with open_store(tmp_path / DB_NAME) as store:
        recent = store.add_agreement(now - timedelta(minutes=20), "in an hour", now - timedelta(minutes=80))
        store.mark_fired(recent.id, now - timedelta(minutes=20))  # its reading began; a crash came before the end
        stale = store.add_agreement(now - timedelta(minutes=45), "in two hours", now - timedelta(hours=3))
        store.mark_fired(stale.id, now - timedelta(minutes=45))  # longer ago than the grace: not read again
        later = store.add_agreement(now + timedelta(hours=2), "in three hours", now - timedelta(hours=1))
    listed = run("reminders", "--config", str(config), data=tmp_path)
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["ID", "REMINDER", "AT", "STATUS", "AGREED"]
    assert [row.split()[0] for row in rows] == [str(recent.id), str(later.id)]
    until = now - timedelta(minutes=20) + timedelta(minutes=30)
    assert f"cut short: read again when the assistant starts (by {until:%a %d %b %H:%M})" in rows[0]
    assert '"in an hour" on ' in rows[0] and "to come" in rows[1]
    as_json = [json.loads(line) for line in run("reminders", "--json", "--config", str(config),
                                                    data=tmp_path).stdout.splitlines()]
    assert [(r["id"], r["status"]) for r in as_json] == [(recent.id, "cut_short"), (later.id, "pending")]
    assert datetime.fromisoformat(as_json[0]["read_again_until"]) == until


def test_reminders_lists_the_rituals_switched_on_with_their_next_time_and_a_reading_cut_short(tmp_path: Path) -> None:
    """A couple who set a daily check-in sees it, and when it comes next, where they look for what is coming."""
    now = datetime.now().astimezone()
    checkin = (now + timedelta(minutes=90)).replace(second=0, microsecond=0)
    money_day = f"{now + timedelta(days=3):%A}"  # after the check-in, whatever the day
    config = tmp_path / "config.toml"
    config.write_text(f'[reminders]\ndaily_checkin = "{checkin:%H:%M}"\nmoney_date = "{money_day} 10:00"\n')
    data = tmp_path / "data"
    assert run("agree", "--yes", "in three hours", data=data).returncode == 0
    _header, agreed, first, second = run("reminders", "--config", str(config), data=data).stdout.splitlines()
    assert agreed.split()[0] == "1"
    assert first.split()[0] == "-" and f"{checkin:%a %d %b %H:%M}" in first and "to come" in first
    assert "the daily check-in, every day (config: reminders.daily_checkin)" in first
    assert money_day[:3] in second and "10:00" in second and f"the money date, every {money_day}" in second
    with open_store(data / DB_NAME) as store:  # a check-in whose reading a crash cut short ten minutes ago
        store.claim_ritual("daily_checkin", now - timedelta(minutes=10))
        store.ritual_reading("daily_checkin", now - timedelta(minutes=10))
    rituals = [r for r in map(json.loads, run("reminders", "--json", "--config", str(config), data=data).stdout
                                           .splitlines()) if r["event"] == "ritual"]
    assert [(r["name"], r["status"], r["every"]) for r in rituals] == [
        ("daily_checkin", "cut_short", "day"), ("daily_checkin", "to_come", "day"), ("money_date", "to_come", money_day)]
    assert datetime.fromisoformat(rituals[1]["at"]) == checkin
    assert datetime.fromisoformat(rituals[0]["read_again_until"]) == now + timedelta(minutes=50)  # grace: an hour
    table = run("reminders", "--config", str(config), data=data).stdout
    assert f"cut short: read again when the assistant starts (by {now + timedelta(minutes=50):%a %d %b %H:%M})" in table
    assert "no reminders pending" in run("reminders", data=tmp_path / "none").stdout  # rituals off: nothing to list


def test_closing_listen_with_a_reminder_to_come_says_when_and_how_to_keep_it_running(tmp_path: Path) -> None:
    assert run("agree", "--yes", "friday morning", data=tmp_path).returncode == 0
    closed = run("listen", "--text", data=tmp_path, stdin="")  # Ctrl-D at once
    assert closed.returncode == 0, closed.stderr
    last = closed.stdout.splitlines()[-1]
    assert last.startswith("Next reminder: ") and "09:00" in last and "assistant service install" in last
    empty = tmp_path / "empty"
    assert "Next reminder" not in run("listen", "--text", data=empty, stdin="").stdout


def test_closing_listen_names_the_next_reminder_of_agreed_times_and_rituals_whichever_comes_first(
        tmp_path: Path) -> None:
    now = datetime.now().astimezone()
    checkin = now + timedelta(minutes=90)  # (its seconds dropped: a little under 90 minutes away)
    money_date = now + timedelta(days=2)
    config = tmp_path / "config.toml"
    config.write_text(f'[reminders]\ndaily_checkin = "{checkin:%H:%M}"\n'
                      f'money_date = "{money_date:%A %H:%M}"\n')
    data = tmp_path / "data"

    def closing_line() -> str:
        closed = run("listen", "--text", "--config", str(config), data=data, stdin="")  # Ctrl-D at once
        assert closed.returncode == 0, closed.stderr
        return closed.stdout.splitlines()[-1]

    assert run("agree", "--yes", "in three hours", data=data).returncode == 0
    last = closing_line()  # the check-in comes before the agreed time
    assert last.startswith("Next reminder: the daily check-in, in ") and f"({checkin:%a %d %b %H:%M})" in last
    assert "1 agreed time to come" in last and "assistant service install" in last
    assert run("agree", "--yes", "in one hour", data=data).returncode == 0
    [sooner] = [datetime.fromisoformat(r["resume_at"]) for r in map(json.loads, run(
        "reminders", "--json", data=data).stdout.splitlines()) if r["heard"] == "in one hour"]
    last = closing_line()  # now an agreed time comes first
    assert last.startswith("Next reminder: in ") and f"({sooner:%a %d %b %H:%M}), 2 to come." in last
    assert "check-in" not in last
