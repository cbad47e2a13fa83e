"""`assistant agree PHRASE`: a resume time chosen after the session, with the spoken dialog's checks,
read-back and confirmation (typed on stdin, or --yes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


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
