"""Commitments in the live assistant: typed (as `listen --text` types them), spoken through the real recogniser
(Whisper tiny.en on speech rendered by espeak-ng), brought back after the daily check-in's prompts, kept in a
real store; and the commands' JSON contracts and a crash mid-confirmation, through real processes."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from app_process import AppProcess

from assistant.app import build_app
from assistant.config import parse_config
from assistant.output.voice import TextVoice
from assistant.prompts import load_deck
from assistant.session.commitment_words import LINES
from assistant.session.reconnect import Reconnection
from assistant.store import open_store

RATE = 16000
BLOCK = 480  # 30 ms


@pytest.fixture
def store(tmp_path: Path):
    with open_store(tmp_path / "data" / "pause.sqlite3") as opened:
        yield opened


def make_live(store, partners: str = "[]"):
    """The live session as `listen --text` builds it, with the printed voice, on a real store."""
    config = parse_config(f'[listener]\ndetector = "keyword"\nengine = "pocketsphinx"\n'
                          f'[commitments]\npartners = {partners}\n')
    out = io.StringIO()
    app = build_app(config, text=True, voice=TextVoice(rate_wpm=600), out=out, open_store=lambda: store,
                    reminders=False)
    app.live.shown_is_asked = True
    return app.live, out


def run(live, seconds: float = 0.0, audio: np.ndarray | None = None) -> None:
    """Feed the microphone's blocks (the audio, then silence until the voice is quiet and `seconds` passed),
    pulling the output at the same pace as run_typed does, without waiting on a wall clock."""
    blocks = [] if audio is None else [audio[i:i + BLOCK] for i in range(0, len(audio), BLOCK)]
    silence = np.zeros(BLOCK, np.int16)
    quiet_blocks = 0
    for block in blocks:
        live.feed(block)
        live.output.read(len(block) * live.output.rate // RATE)
    while quiet_blocks * BLOCK / RATE < max(seconds, 1.5):
        live.feed(silence)
        live.output.read(BLOCK * live.output.rate // RATE)
        quiet_blocks = quiet_blocks + 1 if not live.output.sounding else 0


def said(out: io.StringIO) -> list[str]:
    return [line.removeprefix("assistant: ") for line in out.getvalue().splitlines() if line.startswith("assistant: ")]


def type_(live, line: str) -> None:
    live.typed(line)
    run(live)


def test_a_typed_commitment_is_read_back_and_kept_after_yes(store) -> None:
    live, out = make_live(store)
    type_(live, "I want to make a commitment")
    assert said(out)[-1] == LINES["ask"]
    type_(live, "I'll tell you when I'm going to be late")
    assert said(out)[-1] == "You'll tell them when you're going to be late. Shall I keep that?"
    assert store.open_commitments() == []  # nothing before the yes
    type_(live, "yes")
    assert "commitment kept: 1" in out.getvalue()
    assert [c.text for c in store.open_commitments()] == ["I'll tell you when I'm going to be late"]


def test_a_typed_commitment_said_no_to_keeps_nothing(store) -> None:
    live, out = make_live(store)
    type_(live, "commitments add I'll cook on Fridays")
    assert said(out)[-1] == "You'll cook on Fridays. Shall I keep that?"
    type_(live, "no")
    type_(live, "never mind")
    assert said(out)[-2:] == [LINES["not_kept"], LINES["never_mind"]]
    assert store.open_commitments() == [] and live.commitments.active is False


def test_whose_it_is_is_asked_when_config_names_the_partners(store) -> None:
    live, out = make_live(store, partners='["Sam", "Alex"]')
    type_(live, "commitments add I'll walk the dog")
    type_(live, "yes")
    assert said(out)[-1] == "Whose is it? Sam or Alex? Or say skip."
    type_(live, "Sam")
    assert [(c.text, c.by) for c in store.open_commitments()] == [("I'll walk the dog", "Sam")]


def test_typed_commands_keep_change_and_drop_by_id_and_an_unknown_id_names_the_fix(store) -> None:
    live, out = make_live(store)
    first = store.add_commitment("I'll cook", None, live.now())
    type_(live, f"commitments kept {first.id}")
    assert said(out)[-1] == LINES["thanks_kept"] and store.commitment(first.id).times_kept == 1
    type_(live, f"commitments change {first.id} I'll cook twice a week")
    type_(live, "yes")
    assert store.commitment(first.id).text == "I'll cook twice a week"
    type_(live, "commitments kept 42")
    assert "commitments kept 42: 42 is not a commitment; `assistant commitments` lists" in out.getvalue()
    type_(live, "commitments")
    assert "I'll cook twice a week" in out.getvalue().splitlines()[-1]
    type_(live, f"commitments drop {first.id}")
    assert store.open_commitments() == []


def test_the_check_in_brings_back_open_commitments_and_records_each_answer(store) -> None:
    live, out = make_live(store)
    ids = [store.add_commitment(text, None, live.now()).id for text in
           ("I'll tell you when I'm late", "I'll cook on Fridays", "I'll call my mum", "I'll put my phone away")]
    live.reconnection = Reconnection(load_deck("daily_checkin"), [])
    live.reconnection.begin()
    live._perform_reconnection()
    run(live)
    type_(live, "we're done")  # the check-in's prompts are over: now the commitments
    assert said(out)[-2:] == [LINES["check_intro"], "You'll tell them when you're late. How has it gone?"]
    for answer in ("kept", "not yet", "yes", "let's change it", "I'll call my mum on Sundays", "yes", "let it go"):
        type_(live, answer)
    assert said(out)[-1] == LINES["check_done"] and not live.commitments.active
    found = {c.id: c for c in store.listed_commitments(live.now())}
    assert found[ids[0]].times_kept == 1
    assert found[ids[1]].status == "open" and found[ids[1]].last_checked_at is not None
    assert found[ids[2]].text == "I'll call my mum on Sundays" and found[ids[2]].times_changed == 1
    assert found[ids[3]].status == "dropped"


def test_a_commitment_can_be_made_after_a_card_that_invites_one(store) -> None:
    live, out = make_live(store)
    deck = load_deck("reconnection")
    inviting = next(p for p in deck.prompts if p.invites_commitment)
    read_before = [p.id for p in deck.prompts if p.id != inviting.id]  # the inviting card comes next
    live.reconnection = Reconnection(deck, read_before)
    live.reconnection.begin()
    live._perform_reconnection()
    run(live)
    assert said(out)[-2:] == [inviting.text, LINES["invite"]]
    type_(live, "make a commitment")
    type_(live, "I'll take a walk with you on Sundays")
    type_(live, "yes")
    assert [c.text for c in store.open_commitments()] == ["I'll take a walk with you on Sundays"]
    assert live.reconnection is not None  # the prompts go on
    type_(live, "we're done")
    assert said(out)[-1] == "You'll take a walk with them on Sundays. How has it gone?"


# --- spoken, through the real recogniser -------------------------------------------------------------------

def espeak(text: str) -> np.ndarray:
    """`text` spoken by espeak-ng (en-us, a little slower), 16 kHz int16, with quiet either side."""
    from assistant.ear.tts_voices import _espeak

    audio = _espeak("en-us", 50, 140)(text)
    pad = np.zeros(RATE // 2, np.float32)
    return (np.clip(np.concatenate([pad, audio, pad]), -1, 1) * 32767).astype(np.int16)


def test_a_spoken_commitment_is_read_back_word_for_word_and_kept_after_a_spoken_yes(store) -> None:
    live, out = make_live(store)
    type_(live, "make a commitment")
    run(live, 1.0, espeak("I will call you at lunch every day."))
    assert "heard: I will call you at lunch every day." in out.getvalue(), out.getvalue()
    assert said(out)[-1] == "You will call them at lunch every day. Shall I keep that?"
    assert store.open_commitments() == []
    run(live, 1.0, espeak("No."))  # a spoken no keeps nothing
    assert said(out)[-1] == LINES["not_kept"] and store.open_commitments() == []
    run(live, 1.0, espeak("I will call you at lunch every day."))
    assert said(out)[-1] == "You will call them at lunch every day. Shall I keep that?"
    run(live, 1.0, espeak("Yes."))
    assert [c.text for c in store.open_commitments()] == ["I will call you at lunch every day."]


# --- the commands and a crash, as processes ----------------------------------------------------------------

def assistant(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120, check=False)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_CACHE_DIR": str(tmp_path / "cache")}


KEYS = {"event", "id", "text", "said_back", "by", "status", "made_at", "last_checked_at", "times_kept",
        "times_changed", "let_go_at"}


def test_the_commands_json_contracts(env) -> None:
    made = assistant(env, "commitments", "add", "--json", "--by", "Sam", "I'll text you when I leave work",
                     stdin="yes\n")
    assert made.returncode == 0, made.stderr
    event = json.loads(made.stdout)
    assert set(event) == KEYS and event["event"] == "commitment_made"
    assert (event["id"], event["text"], event["said_back"], event["by"], event["status"], event["times_kept"]) == (
        1, "I'll text you when I leave work", "You'll text them when you leave work.", "Sam", "open", 0)
    kept = json.loads(assistant(env, "commitments", "kept", "1", "--json").stdout)
    assert (kept["event"], kept["outcome"], kept["times_kept"]) == ("commitment_checked", "kept", 1)
    changed = json.loads(assistant(env, "commitments", "change", "1", "--yes", "--json", "I'll text you at six").stdout)
    assert (changed["outcome"], changed["text"], changed["times_changed"]) == ("changed", "I'll text you at six", 1)
    listed = [json.loads(line) for line in assistant(env, "commitments", "--json").stdout.splitlines()]
    assert len(listed) == 1 and set(listed[0]) == KEYS and listed[0]["event"] == "commitment"
    assert listed[0]["last_checked_at"] is not None
    dropped = json.loads(assistant(env, "commitments", "drop", "1", "--json").stdout)
    assert (dropped["outcome"], dropped["status"]) == ("dropped", "dropped") and dropped["let_go_at"]
    weeks = [json.loads(line) for line in assistant(env, "history", "--json").stdout.splitlines()]
    assert [(w["commitments_made"], w["commitments_kept"], w["commitments_changed"]) for w in weeks] == [(1, 1, 1)]


def test_bad_input_is_one_line_naming_the_fix(env) -> None:
    for args, fix in ((("kept", "7"), "`assistant commitments` lists"), (("kept", "seven"), "give the number"),
                      (("add", "--yes", " "), "needs some words"), (("change", "7", "--yes", "x"), "not a commitment")):
        done = assistant(env, "commitments", *args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and fix in done.stderr, (args, done.stderr)


def test_no_yes_keeps_nothing_and_forget_removes_every_commitment(env) -> None:
    assert assistant(env, "commitments", "add", "I'll cook", stdin="no\n").returncode == 1
    assert assistant(env, "commitments", "--json").stdout == ""
    assert assistant(env, "commitments", "add", "--yes", "I'll cook").returncode == 0
    assert assistant(env, "forget", "--yes").returncode == 0
    assert assistant(env, "commitments", "--json").stdout == ""
    with open_store(Path(env["ASSISTANT_DATA_DIR"]) / "pause.sqlite3") as store:
        assert store._conn.execute("SELECT count(*) FROM commitments").fetchone()[0] == 0


def test_a_crash_while_a_commitment_is_being_confirmed_keeps_nothing(env, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[voice]\nenabled = false\n")
    app = AppProcess("listen", "--text", "--config", str(config), env=env, stdin=subprocess.PIPE)
    try:
        app.wait_for("listening (typed)", timeout=60)
        app.proc.stdin.write("commitments add I'll tell you when I'm late\n")
        app.proc.stdin.flush()
        app.wait_for("Shall I keep that?", timeout=30)
    finally:
        os.kill(app.proc.pid, signal.SIGKILL)  # a crash before the yes
        app.proc.wait(timeout=10)
    assert assistant(env, "commitments", "--json").stdout == ""


def test_reconnect_text_makes_a_commitment_after_an_inviting_card_only_after_yes(env) -> None:
    typed = "\n".join(["next"] * 12 + ["make a commitment", "I'll hold your hand when we walk", "no", "never mind",
                                       "make a commitment", "I'll hold your hand when we walk", "yes", "we're done"])
    done = assistant(env, "reconnect", "--text", stdin=typed + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("You'll hold their hand when we walk. Shall I keep that?") == 2
    listed = [json.loads(line) for line in assistant(env, "commitments", "--json").stdout.splitlines()]
    assert [c["text"] for c in listed] == ["I'll hold your hand when we walk"]
