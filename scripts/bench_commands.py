#!/usr/bin/env python3
"""Commands during an exercise: today's keyword search against Whisper on the utterance, by hand:

    .venv/bin/python scripts/bench_commands.py [--voices 6]

Each command phrase (stop, skip, slower, faster, repeat, false alarm; next, we're done, ten more minutes) is
rendered in offline voices, alone, with half a second of quiet around it; ordinary sentences in the same voices
are what must not count as a command. Per detector: commands heard right, heard as another command, missed,
and commands heard in ordinary talk (per sentence). Keyword search runs as `listen` builds it (the command
vocabulary at sensitivity 0.5); Whisper as `assistant hear --question command`.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.commands.hear import COMMANDS
from assistant.config import load_config
from assistant.ear.tts_voices import available_voices
from assistant.hearing.answers import hear_command
from assistant.hearing.detector import PauseWordDetector
from assistant.hearing.engines import build_recognizer, choose_engine
from assistant.hearing.whisper import shared_recogniser
from assistant.session.reconnect import reconnect_vocabulary
from assistant.session.wording import command_vocabulary

SENTENCES = ("I can't believe you said that in front of my mother.", "Let's order something, I'm too tired.",
             "The car is making that rattling noise again.", "Could you pick up the kids at half past three?",
             "We should call the plumber before the weekend.", "Honestly I don't know what you want from me.",
             "Your sister called, she wants to come over on Sunday.", "I'm sorry, I didn't mean it like that.",
             "Why are you checking your phone while I'm talking?", "Remember when we drove to the coast?")
VOICE_NAMES = ("piper:joe:1.0", "festival:voice_cmu_us_slt_arctic_hts:0.95", "flite:kal16:0.9", "flite:awb:0.9",
               "espeak:en+f5:p70:s160", "espeak:en-gb-scotland+f3:p32:s216")


def keyword_commands(choice, audio: np.ndarray) -> list[str]:
    phrases = tuple(dict.fromkeys(command_vocabulary() + reconnect_vocabulary()))
    detector = PauseWordDetector(build_recognizer(choice, phrases, sensitivity=0.5), debounce_seconds=1.0)
    heard = []
    for at in range(0, len(audio), 480):
        heard += [e.word for e in detector.process(audio[at:at + 480])]
    heard += [e.word for e in detector.flush()]
    return heard


def name_of(phrase: str) -> str:
    return next((name for name, said in COMMANDS.items() if phrase in said), phrase)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    voices = {v.name: v for v in available_voices(80)}
    chosen = [voices[n] for n in VOICE_NAMES if n in voices]
    choice = choose_engine(load_config(None), engine="pocketsphinx")
    recogniser = shared_recogniser()
    pad = np.zeros(8000, np.float32)
    counts = {d: collections.Counter() for d in ("keyword", "whisper")}
    seconds = collections.defaultdict(list)
    for voice in chosen:
        for name, phrases in COMMANDS.items():
            for phrase in phrases:
                audio = (np.clip(np.concatenate([pad, voice.render(phrase), pad]), -1, 1) * 32767).astype(np.int16)
                began = time.perf_counter()
                kw = [name_of(p) for p in keyword_commands(choice, audio)]
                seconds["keyword"].append(time.perf_counter() - began)
                began = time.perf_counter()
                wh = hear_command(recogniser, audio, COMMANDS)
                seconds["whisper"].append(time.perf_counter() - began)
                for detector, got in (("keyword", kw[0] if kw else "none"),
                                      ("whisper", wh.words if wh.sure else "none")):
                    outcome = "right" if got == name else ("missed" if got == "none" else "other")
                    counts[detector][outcome] += 1
        for sentence in SENTENCES:
            audio = (np.clip(np.concatenate([pad, voice.render(sentence), pad]), -1, 1) * 32767).astype(np.int16)
            counts["keyword"]["talk heard as a command"] += bool(keyword_commands(choice, audio))
            wh = hear_command(recogniser, audio, COMMANDS)
            counts["whisper"]["talk heard as a command"] += wh.sure and wh.words != "none"
            counts["keyword"]["sentences"] += 1
            counts["whisper"]["sentences"] += 1
    for detector, c in counts.items():
        n = c["right"] + c["other"] + c["missed"]
        print(f"{detector:8} {n} command clips in {len(chosen)} voices: right {c['right'] / n:.1%}, another "
              f"command {c['other'] / n:.1%}, missed {c['missed'] / n:.1%}; ordinary talk heard as a command "
              f"{c['talk heard as a command']} of {c['sentences']} sentences; per command clip median "
              f"{np.median(seconds[detector]) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
