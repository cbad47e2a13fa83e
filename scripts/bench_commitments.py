#!/usr/bin/env python3
"""Spoken commitments: how often the read-back is word for word right, that nothing is kept without a yes, and
how long a check-in with five open commitments takes.

    .venv/bin/python scripts/bench_commitments.py [--voices N] [--errors]

1. Read-back: each sentence of SENTENCES is rendered by offline voices (espeak-ng accents and variants, flite,
   festival, piper: none was used to choose anything in the hearing of commitments) and heard as `listen` hears
   a commitment (`hearing.answers.hear_words`, Whisper tiny.en). Per clip: RIGHT (read back word for word:
   the read-back of what was heard equals the read-back of what was said, ignoring case, punctuation and
   "ten" written "10"), ASKED AGAIN (Whisper unsure: "please say it once more"), or WRONG (other words read
   back; the couple then says no).
2. Kept without a yes: every clip's dialog is answered by a spoken "no", a "maybe later", room noise and
   silence, each heard by `decide_yes_no` in the same voice; a KeepCommitment after any of them is counted.
   A spoken "yes" is counted too, for how often a yes is heard.
3. The check-in: five open commitments brought back (kept; not yet, yes; let's change it, new words, yes; let
   it go; kept), the couple's answers spoken by piper and heard by the recogniser, the assistant's lines timed
   with its own voice (pyttsx3 + espeak-ng at 150 words a minute). Time = every line said + every answer
   said + the silence that ends each answer + the recogniser's time on it + the echo guard's tail.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
from text_to_num import alpha2digit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.ear import tts_voices
from assistant.events import KeepCommitment, RecordCommitmentCheck, Say
from assistant.hearing import answers
from assistant.hearing.whisper import shared_recogniser
from assistant.live.commitments import WORDS_HANGOVER_MS
from assistant.live.session import ECHO_TAIL_SECONDS
from assistant.session.commitment_words import CHECK_PHRASES, read_back
from assistant.session.commitments import CheckCommitments, MakeCommitment

SENTENCES = (
    "I'll tell you when I'm going to be late.",
    "I will call you at lunch every day.",
    "I'll ask you before I spend more than fifty pounds.",
    "I'm going to put my phone away at dinner.",
    "I will listen to the end before I answer.",
    "I'll make time for you on Sunday afternoons.",
    "I will tell you when I feel hurt instead of going quiet.",
    "I'll cook dinner on Fridays.",
    "I'm going to say sorry sooner.",
    "I will show you my bank statements each month.",
    "I'll text you when I leave work.",
    "I will take a short walk with you every evening.",
    "I'll ask how your day was before I talk about mine.",
    "I will go to bed at the same time as you.",
    "I'll take the kids to school on Mondays.",
    "I will keep my promises small and keep them.",
    "I'll tell you about any new card I open.",
    "I will call my mother less during our evenings.",
    "I'll put the dishes away before I sit down.",
    "I will say thank you when you help me.",
    "I'll take a breath before I raise my voice.",
    "I will check in with you before I make plans.",
    "I'll share my calendar with you.",
    "I will turn off the television when you talk to me.",
    "I'll bring you a cup of tea in the morning.",
    "I will tell you the truth even when it's hard.",
    "I'll come home by seven on weeknights.",
    "I will write you a note once a week.",
    "I'll hold your hand when we walk.",
    "I will ask for help when I need it.",
    "I'll give you an hour of quiet after work.",
    "I will plan our next date night.",
    "I'll let you finish your sentences.",
    "I will tell you where I am when I'm out late.",
)
"""Commitments in the partner's own words (written for this benchmark; nothing was tuned on them)."""

VOICES = (
    ("espeak:en-us:p50:s150", lambda: tts_voices._espeak("en-us", 50, 150)),
    ("espeak:en-gb-x-rp+m3:p40:s160", lambda: tts_voices._espeak("en-gb-x-rp+m3", 40, 160)),
    ("espeak:en-us+f2:p60:s145", lambda: tts_voices._espeak("en-us+f2", 60, 145)),
    ("espeak:en-029+m2:p45:s150", lambda: tts_voices._espeak("en-029+m2", 45, 150)),
    ("espeak:en+f4:p55:s170", lambda: tts_voices._espeak("en+f4", 55, 170)),
    ("flite:kal16:1.0", lambda: tts_voices._flite("kal16", 1.0)),
    ("flite:slt:1.0", lambda: tts_voices._flite("slt", 1.0)),
    ("flite:awb:1.0", lambda: tts_voices._flite("awb", 1.0)),
    ("festival:cmu_us_slt_arctic_hts:1.0", lambda: tts_voices._festival("voice_cmu_us_slt_arctic_hts", 1.0)),
    ("piper:joe:1.0", lambda: tts_voices._piper(1.0, 0.0)),
)
RATE = 16000


def int16(audio: np.ndarray, pad_s: float = 0.5) -> np.ndarray:
    pad = np.zeros(int(pad_s * RATE), np.float32)
    return (np.clip(np.concatenate([pad, audio, pad]), -1, 1) * 32767).astype(np.int16)


def plain(text: str) -> str:
    """A read-back as words only: lower case, no punctuation, numbers as digits ("£50" is "fifty pounds" written,
    and is read aloud so)."""
    text = alpha2digit(text.lower().replace("’", "'"), "en")
    text = re.sub(r"£(\d+)", r"\1 pounds", re.sub(r"\$(\d+)", r"\1 dollars", text))
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text).split())


def kept_after(words: str, heard) -> bool:
    """Whether the making dialog keeps the commitment once the answer was heard (`heard`, by `decide_yes_no`)
    as `listen` hears it."""
    making = MakeCommitment()
    making.begin(words)
    if heard.sure and heard.words in ("yes", "no"):
        making.answer(heard.words)
    else:
        making.not_caught()
    return any(isinstance(a, KeepCommitment) for a in making.outbox)


def read_backs(recogniser, voices, show_errors: bool) -> None:
    counts = {"right": 0, "again": 0, "WRONG": 0}
    per_voice: dict[str, dict[str, int]] = {}
    without_yes = {"no": [0, 0], "maybe later": [0, 0], "noise": [0, 0], "silence": [0, 0]}
    yes_kept = [0, 0]
    seconds = []
    rng = np.random.default_rng(7)
    for name, make in voices:
        render = make()
        try:
            replies = {said: int16(render(said)) for said in ("Yes.", "No.", "Maybe later.")}
        except Exception as e:  # noqa: BLE001 (a voice that is not installed is skipped, and said)
            print(f"{name}: skipped ({e})")
            continue
        replies["noise"] = (rng.normal(0, 400, RATE * 2)).astype(np.int16)
        replies["silence"] = np.zeros(RATE * 2, np.int16)
        # what the answer is heard as does not depend on the commitment before it: heard once per voice
        replies = {key: answers.hear_yes_no(recogniser, audio) for key, audio in replies.items()}
        mine = per_voice.setdefault(name, {"right": 0, "again": 0, "WRONG": 0})
        for sentence in SENTENCES:
            audio = int16(render(sentence))
            began = time.monotonic()
            heard = answers.hear_words(recogniser, audio)
            seconds.append(time.monotonic() - began)
            if not heard.sure:
                outcome = "again"
            else:
                outcome = "right" if plain(read_back(heard.words)) == plain(read_back(sentence)) else "WRONG"
            counts[outcome] += 1
            mine[outcome] += 1
            if show_errors and outcome != "right":
                print(f"  {outcome:5} {name}: {sentence!r} -> {heard.transcript!r} ({heard.margin:.2f})")
            if heard.sure:  # only a read-back can be answered
                for key, reply in (("no", "No."), ("maybe later", "Maybe later."), ("noise", "noise"),
                                   ("silence", "silence")):
                    without_yes[key][0] += kept_after(heard.words, replies[reply])
                    without_yes[key][1] += 1
                yes_kept[0] += kept_after(heard.words, replies["Yes."])
                yes_kept[1] += 1
        print(f"{name}: right {mine['right']}/{len(SENTENCES)}, asked again {mine['again']}, wrong {mine['WRONG']}",
              flush=True)
    total = sum(counts.values())
    print(f"\nread back word for word: {counts['right']}/{total} = {100 * counts['right'] / max(total, 1):.1f} % "
          f"(asked again {counts['again']}, other words read back {counts['WRONG']}); "
          f"{len(SENTENCES)} sentences x {len(per_voice)} voices")
    print("  per voice: " + ", ".join(f"{v} {100 * c['right'] / len(SENTENCES):.0f} %" for v, c in per_voice.items()))
    kept_wrongly = sum(k for k, _n in without_yes.values())
    print("kept without a yes: " + ", ".join(f"after {key} {k}/{n}" for key, (k, n) in without_yes.items())
          + f" -> {kept_wrongly} in all")
    print(f"kept after a spoken yes: {yes_kept[0]}/{yes_kept[1]}")
    print(f"recogniser time per commitment: median {np.median(seconds):.2f} s, p95 {np.percentile(seconds, 95):.2f} s")


CHECK_ITEMS = [(1, "I'll tell you when I'm going to be late."), (2, "I'll cook dinner on Fridays."),
               (3, "I'll call you at lunch every day."), (4, "I'll share my calendar with you."),
               (5, "I'll put my phone away at dinner.")]
CHECK_ANSWERS = ("Kept.", "Not yet.", "Yes.", "Let's change it.", "I'll call you at lunch on weekdays.", "Yes.",
                 "Let it go.", "We kept it.")
EXPECTED = [RecordCommitmentCheck(1, "kept"), RecordCommitmentCheck(2, "not_yet"),
            RecordCommitmentCheck(3, "changed", "I'll call you at lunch on weekdays."),
            RecordCommitmentCheck(4, "dropped"), RecordCommitmentCheck(5, "kept")]


def check_in(recogniser) -> None:
    from assistant.output.voice import PyttsxVoice

    partner = tts_voices._piper(1.0, 0.0)
    check = CheckCommitments(items=list(CHECK_ITEMS))
    check.begin()
    said_s = answered_s = heard_s = 0.0
    lines = 0
    with PyttsxVoice(rate_wpm=150) as voice:
        def speak_outbox() -> None:
            nonlocal said_s, lines
            for action in check.outbox:
                if isinstance(action, Say):
                    said_s += voice.render(action.text).seconds
                    lines += 1
        speak_outbox()
        records = [a for a in check.outbox if isinstance(a, RecordCommitmentCheck)]
        check.outbox = []
        for text in CHECK_ANSWERS:
            if check.finished:
                break
            audio = int16(partner(text), 0.3)
            answered_s += len(audio) / RATE
            began = time.monotonic()
            if check.step == "how":
                heard = answers.hear_command(recogniser, audio, CHECK_PHRASES)
                check.how(heard.words if heard.sure and heard.words != "none" else None)
            elif check.wants_words:
                heard = answers.hear_words(recogniser, audio)
                check.heard(heard.words) if heard.sure else check.not_caught()
            else:
                heard = answers.hear_yes_no(recogniser, audio)
                check.answer(heard.words if heard.sure else None)
            heard_s += time.monotonic() - began
            print(f"  {text!r} -> {heard.words!r}")
            speak_outbox()
            records += [a for a in check.outbox if isinstance(a, RecordCommitmentCheck)]
            check.outbox = []
    turns = len(CHECK_ANSWERS)
    gaps = turns * (WORDS_HANGOVER_MS / 1000 + ECHO_TAIL_SECONDS)
    total = said_s + answered_s + gaps + heard_s
    print(f"\ncheck-in with five open commitments: {total:.1f} s (target < 120 s): the assistant's {lines} lines "
          f"{said_s:.1f} s, the couple's {turns} answers {answered_s:.1f} s, end-of-answer silence and echo tail "
          f"{gaps:.1f} s, recogniser {heard_s:.1f} s; recorded as expected: {records == EXPECTED}")
    if records != EXPECTED:
        print(f"  recorded: {records}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voices", type=int, default=len(VOICES), help="use the first N voices")
    parser.add_argument("--errors", action="store_true", help="print every clip not read back right")
    parser.add_argument("--skip-read-back", action="store_true", help="only the check-in timing")
    args = parser.parse_args()
    recogniser = shared_recogniser()
    if not args.skip_read_back:
        read_backs(recogniser, VOICES[:args.voices], args.errors)
    check_in(recogniser)
    return 0


if __name__ == "__main__":
    sys.exit(main())
