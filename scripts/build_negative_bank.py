#!/usr/bin/env python3
"""Build the word-independent negatives of the learned ear, `assistant/data/negative_bank.npz` (built, not committed).

Run by hand when the recipe changes (about 10 minutes on 2 cores); set-up then renders only the word:

    .venv/bin/python scripts/build_negative_bank.py [--shared ../shared] [--minutes 45]

What goes in, each stored as its sequence of speech embeddings (int8, never audio), with the text said
(so training can drop a sequence that holds the couple's own word):
- ordinary sentences (this script's own list and the sentences of ../shared/seed) in every offline voice,
  in synthetic rooms under noise, and two or three voices talking over each other (the false alarms of the
  first heads fell mostly in multi-talker babble);
- the TRAINING half of ../shared/real-negatives (LJSpeech clips, spoken digits, room noise), in file-name
  order: the other half is kept for measuring only (`scripts/bench_detector.py`);
- coloured noise and silence.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.audio.files import read_audio
from assistant.ear import augment
from assistant.ear.embedding import embed_clip
from assistant.ear.negative_bank import building_marker
from assistant.ear.tts_voices import SAMPLE_RATE, available_voices, render_all

SENTENCES = """\
Did you pay the electricity bill this month or should I do it?
I can't believe you said that in front of my mother.
Let's order something, I'm too tired to cook tonight.
The car is making that rattling noise again.
You always do this, you turn it around on me.
Could you pick up the kids at half past three?
I need you to hear me without fixing it.
We should call the plumber before the weekend.
Where did you put the charger for the laptop?
It's not about the money, it's about being honest.
I'm going to bed, we can finish this tomorrow.
The meeting ran late and I missed the train.
Honestly I don't know what you want from me anymore.
Your sister called, she wants to come over on Sunday.
Have you seen my blue jacket anywhere?
I feel like I'm the only one who notices the mess.
Let's take the dog for a walk after lunch.
That's exactly what I'm talking about, right there.
We agreed we'd talk about big purchases first.
Twenty three, forty seven, ninety nine, one hundred.
Put the oven on at two hundred degrees for forty minutes.
The forecast says rain until Thursday afternoon.
I'm sorry, I didn't mean it the way it sounded.
Why are you checking your phone while I'm talking?
Can you turn the music down a little please?
My boss wants the report by the end of the day.
It feels like we never have time for each other.
Remember when we drove to the coast that summer?
I think the baby is finally asleep.
Stop interrupting me, let me finish the sentence.
We could paint the bedroom a lighter colour.
You promised you would be home by seven.
I don't want to fight about this again tonight.
Pass me the salt and the pepper, thanks.
The neighbours are having another party.
I was only trying to help and you snapped at me.
Maybe we should see someone together, a counsellor.
The tickets go on sale tomorrow at nine.
Do you want tea or coffee?
Nobody is blaming you, I'm just telling you how I feel.
The washing machine finished an hour ago.
Look, can we just start over from the beginning?
I'll be late, there's an accident on the motorway.
What time does the pharmacy close on Saturdays?
We need milk, eggs, bread and some apples.
Every single time we visit your parents it's the same.
I love you, but I'm really angry right now.
Please don't walk away when I'm talking to you.
The garden needs watering, it hasn't rained in days.
Fine. Whatever. Do what you want.
Let me think about it and I'll tell you later.
It was a mistake and I know that, I know.
Shall we watch the rest of the film?
Who left the front door open all night?
Your phone has been buzzing for ten minutes.
I just need five minutes to breathe.
The school sent another letter about the trip.
You never asked me what I wanted.
We can't afford a holiday this year, can we?
Hold on, I'm on the phone with the bank.
Okay. Okay. I hear you. Go on.
""".strip().splitlines()


def seed_sentences(shared: Path) -> list[str]:
    text = (shared / "seed" / "when-trust-breaks.txt").read_text(encoding="utf-8")
    parts = re.split(r"(?<=[.!?:])\s+|\n", text)
    return [p.strip() for p in parts if 4 <= len(p.split()) <= 30]


def word_salad(sentences: list[str], count: int, rng: np.random.Generator) -> list[str]:
    """Strings of 4-9 words, half from the sentences' own vocabulary, half short dictionary words drawn
    at random: phonetic variety that sentences alone do not reach (the first heads fired on "want", "don't",
    "won't": sounds close to part of "timeout" that no list of near misses had)."""
    from assistant.hearing.near_misses import dictionary

    common = sorted({w.strip(".,!?:;\"'").lower() for s in sentences for w in s.split()} - {""})
    rare = [w for w in dictionary() if 3 <= len(w) <= 8 and w.isalpha()]
    out = []
    for _ in range(count):
        n = int(rng.integers(4, 10))
        words = [str(rng.choice(common)) if rng.random() < 0.5 else str(rng.choice(rare)) for _ in range(n)]
        out.append(" ".join(words))
    return out


def training_half(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.flac"))
    return files[: len(files) // 2]


def quantise(embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """int8 codes with a per-dimension offset and step: a quarter of float32's size, error < 1%."""
    lo, hi = embeddings.min(axis=0), embeddings.max(axis=0)
    step = (hi - lo) / 254 + 1e-9
    codes = np.round((embeddings - lo) / step - 127).astype(np.int8)
    return codes, lo.astype(np.float32), step.astype(np.float32)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--voices", type=int, default=60)
    ap.add_argument("--per-voice", type=int, default=18, help="sentences each voice says")
    ap.add_argument("--babble", type=int, default=150, help="clips of two or three voices at once")
    ap.add_argument("--out", type=Path, default=REPO / "assistant" / "data" / "negative_bank.npz")
    ap.add_argument("--seed", type=int, default=100)
    args = ap.parse_args()
    # while it builds, training elsewhere (set-up, CI's tests) waits for it instead of refusing
    marker = building_marker(args.out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()))
    try:
        return build(args)
    finally:
        marker.unlink(missing_ok=True)


def build(args: argparse.Namespace) -> int:
    rng = np.random.default_rng(args.seed)
    began = time.monotonic()
    sentences = SENTENCES + seed_sentences(args.shared)
    sentences += word_salad(sentences, len(sentences) * 3, rng)
    voices = available_voices(args.voices, seed=args.seed)
    clips: list[tuple[str, np.ndarray]] = []  # (text, float audio)

    # ordinary speech, each voice a different draw of sentences
    spoken = []
    for v in voices:
        picks = [sentences[int(i)] for i in rng.choice(len(sentences), args.per_voice, replace=False)]
        spoken += render_all([v], picks)
    print(f"rendered {len(spoken)} sentences in {len(voices)} voices ({time.monotonic() - began:.0f} s)", flush=True)
    pool = [audio for _, _, audio in spoken]

    def padded(audio: np.ndarray) -> np.ndarray:
        """Quiet before and after: the end of an utterance followed by a pause must be a negative too (the
        first heads, trained on trimmed sentences, fired at the end of every line in the corpus)."""
        before = np.zeros(int(rng.uniform(0.2, 1.0) * SAMPLE_RATE), np.float32)
        after = np.zeros(int(rng.uniform(0.6, 1.4) * SAMPLE_RATE), np.float32)
        return np.concatenate([before, audio, after])

    for _, text, audio in spoken:
        audio = padded(audio)
        if rng.random() < 0.5:
            audio = augment.in_room(audio, rng)
        if rng.random() < 0.75:  # under babble half the time: the backgrounds the positives are heard in
            noise = augment.background(len(audio), rng, pool, babble_share=0.6)
            audio = augment.mix_at_snr(audio, noise, float(rng.uniform(5, 30)))
        clips.append((text, augment.random_level(audio, rng)))
    # conversations: turns of two voices with short pauses, under a background
    for _ in range(args.babble // 2):
        turns = [spoken[int(i)] for i in rng.choice(len(spoken), 4, replace=False)]
        gaps = [np.zeros(int(rng.uniform(0.1, 0.8) * SAMPLE_RATE), np.float32) for _ in turns]
        talk = padded(np.concatenate([x for (_, _, a), g in zip(turns, gaps, strict=True)
                                      for x in (a / (augment.rms(a) + 1e-9), g)]))
        talk = augment.mix_at_snr(talk, augment.background(len(talk), rng, pool, 0.6), float(rng.uniform(5, 30)))
        clips.append((" | ".join(t for _, t, _ in turns), augment.random_level(talk, rng)))
    # babble alone, 2-5 talkers
    for _ in range(args.babble // 2):
        n = int(rng.uniform(4, 10) * SAMPLE_RATE)
        clips.append(("babble", augment.random_level(augment.babble(pool, n, rng), rng)))
    # two or three voices at once, at similar levels
    for _ in range(args.babble):
        parts = [spoken[int(i)] for i in rng.choice(len(spoken), int(rng.integers(2, 4)), replace=False)]
        n = max(len(p[2]) for p in parts)
        mix = np.zeros(n, np.float32)
        for _, _, audio in parts:
            at = int(rng.integers(0, n - len(audio) + 1))
            mix[at:at + len(audio)] += audio * float(rng.uniform(0.4, 1.0)) / (augment.rms(audio) + 1e-9)
        if rng.random() < 0.5:
            mix = augment.in_room(mix, rng)
        clips.append((" | ".join(p[1] for p in parts), augment.random_level(mix, rng)))
    # real speech and noise: the training half only
    real = args.shared / "real-negatives"
    for sub in ("ljspeech", "noise"):
        for path in training_half(real / sub):
            audio = read_audio(path).astype(np.float32) / 32768
            if sub == "ljspeech":
                audio = padded(audio)  # one read sentence per file: a pause after it, with room noise
                audio = augment.mix_at_snr(audio, augment.colored_noise(len(audio), rng), float(rng.uniform(25, 45)))
            for i in range(0, len(audio), 20 * SAMPLE_RATE):  # 20 s pieces
                clips.append((f"real:{sub}:{path.name}", audio[i:i + 20 * SAMPLE_RATE]))
    digits = training_half(real / "digits")
    for k in range(0, len(digits), 12):  # a dozen digits in a row, as a sequence
        audio = np.concatenate([read_audio(p).astype(np.float32) / 32768 for p in digits[k:k + 12]])
        clips.append(("real:digits", audio))
    for _ in range(30):  # noise and near-silence
        n = int(rng.uniform(3, 8) * SAMPLE_RATE)
        clips.append(("noise", augment.random_level(augment.colored_noise(n, rng), rng, -70, -25)))
    print(f"{len(clips)} clips, {sum(len(c) for _, c in clips) / SAMPLE_RATE / 60:.1f} min; embedding...", flush=True)

    sequences, texts = [], []
    for text, audio in clips:
        emb = embed_clip((np.clip(audio, -1, 1) * 32767).astype(np.int16), threads=2)
        if len(emb):
            sequences.append(emb)
            texts.append(text)
    starts = np.cumsum([0] + [len(s) for s in sequences[:-1]])
    codes, lo, step = quantise(np.concatenate(sequences))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp.npz")  # renamed when whole: a reader never sees half a bank
    np.savez_compressed(tmp, codes=codes, lo=lo, step=step, starts=starts.astype(np.int64),
                        texts=np.frombuffer(json.dumps(texts).encode(), dtype=np.uint8))
    tmp.replace(args.out)
    minutes = len(codes) * 0.08 / 60
    print(f"wrote {args.out}: {len(sequences)} sequences, {minutes:.1f} min of embeddings, "
          f"{args.out.stat().st_size / 1e6:.1f} MB, {time.monotonic() - began:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
