#!/usr/bin/env python3
"""Train the shipped answer model (`assistant/data/heads/answers-1.npz`): yes, no and the offered times,
heard by the learned front-end (see `assistant/speech/answer_model.py`). Run by hand when its recipe changes:

    .venv/bin/python scripts/train_answer_model.py [--voices 40] [--examples /tmp/answer-examples.npz]

The recipe is the pause word's (`assistant.speech.training`): every phrase rendered in this machine's offline
voices, placed after speech, in rooms, under noise; negatives are the negative bank (minus any sentence that
says one of the answers), close-sounding phrases, other times than the offered ones and things that are not
times. The voices of the TEST part of `scripts/make_time_set.py` are left out, so that `bench_times.py`
measures the model on voices it never heard.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from make_time_set import REFUSALS, VOICES

from assistant.speech import training
from assistant.speech.answer_model import (
    CHOICE_PHRASES,
    CLASSES,
    MODEL_VERSION,
    NO_VARIANTS,
    YES_VARIANTS,
    AnswerHead,
    shipped_path,
)
from assistant.speech.near_misses import near_miss_texts
from assistant.speech.tts_voices import available_voices, render_all

OTHER_TIMES = ("in ten minutes", "in fifteen minutes", "in twenty five minutes", "in forty minutes",
               "in forty five minutes", "in fifty minutes", "in two hours", "in three hours", "in half an hour",
               "tomorrow evening", "tomorrow afternoon", "this afternoon", "tonight", "friday morning",
               "at seven", "at eight thirty", "half past nine", "in an hour and a half", "next week",
               "at noon tomorrow", "in a minute", "in one minute", "twenty minutes ago", "an hour ago")
"""Times that are not offered: the model must answer "other" to them, never the nearest offered time."""
NOT_ANSWERS = ("I don't know", "maybe", "whatever", "later", "leave me alone", "I can't think about that",
               "we'll see", "I don't care", "the kids need dinner", "I'm so tired of this", "hmm", "um",
               "yesterday", "you know", "now", "nobody", "nothing", "noon", "yesterday morning", "evening")


def variants() -> dict[str, tuple[str, ...]]:
    out = {"yes": YES_VARIANTS, "no": NO_VARIANTS}
    out.update({c: (c,) for c in CHOICE_PHRASES})
    return out


def training_voices(count: int) -> list:
    """This machine's voices minus those of the TEST part of the time set (same engine voice and variant)."""
    held_out = VOICES["test"]
    keep = []
    for voice in available_voices(count + 24, seed=3):
        if any(voice.name.startswith(f"{v}:") for v in held_out):
            continue
        keep.append(voice)
    return keep[:count]


def _said(text: str) -> bool:
    every = [v for vs in variants().values() for v in vs]
    return any(training.says(text, v) for v in every)


def examples(voice_count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict]:
    rng = np.random.default_rng(seed)
    voices = training_voices(voice_count)
    few = [voices[int(i)] for i in rng.choice(len(voices), max(4, voice_count // 6), replace=False)]
    context = [a for _, _, a in render_all(few[:3], list(training.CONTEXT_SENTENCES))]
    xs, ys = [], []

    def add(windows: np.ndarray, label: int) -> None:
        if len(windows):
            xs.append(windows.astype(np.float16))
            ys.append(np.full(len(windows), label, np.int16))

    began = time.monotonic()
    for label, (name, texts) in enumerate(variants().items(), start=1):
        copies = 2 if len(texts) > 1 else 5
        for _, _, audio in render_all(voices, list(texts)):
            for _ in range(copies):
                clip, start, end = training._place(audio, rng, context, context)
                pos, neg = training.word_windows(clip, start, end)
                add(pos, label)
                add(neg, 0)
        print(f"{name}: {sum(len(x) for x, y in zip(xs, ys) if y[0] == label)} windows "
              f"({time.monotonic() - began:.0f} s)", flush=True)
    misses = sorted({t for vs in variants().values() for v in vs for t in near_miss_texts(v, 6, seed=seed)
                     if not _said(t)})
    others = list(OTHER_TIMES) + list(NOT_ANSWERS) + list(REFUSALS["tune"]) + misses
    others = [t for t in others if not _said(t)]
    for _, _, audio in render_all(few, others):
        add(training.clip_windows(training._noisy(audio, rng, context), stride=1), 0)
    print(f"{len(others)} other phrases in {len(few)} voices ({time.monotonic() - began:.0f} s)", flush=True)
    facts = {"voices": [v.name for v in voices], "other_phrases": len(others)}
    return np.concatenate(xs), np.concatenate(ys), facts


def bank_negatives(stride: int) -> np.ndarray:
    from assistant.speech.training import load_bank, sequence_windows

    with np.load(training.bank_path(), allow_pickle=False) as data:
        import json
        texts = json.loads(bytes(data["texts"]).decode())
    sequences = load_bank()
    keep = [s for s, t in zip(sequences, texts) if not _said(t)]
    return np.concatenate([sequence_windows(s, stride) for s in keep if len(s)]).astype(np.float16)


def fit(x: np.ndarray, y: np.ndarray, hidden: int, alpha: float, epochs: int, seed: int = 0) -> AnswerHead:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    flat = x.reshape(len(x), -1).astype(np.float32)
    mean, scale = flat.mean(axis=0), flat.std(axis=0) + 1e-3
    flat = (flat - mean) / scale
    order = [np.arange(len(y))]
    for label in range(1, len(CLASSES)):  # each answer about as common as 5 % of the others
        members = np.nonzero(y == label)[0]
        if len(members):
            order += [members] * max(0, int(0.05 * np.sum(y == 0) / len(members)) - 1)
    order = np.concatenate(order)
    np.random.default_rng(seed).shuffle(order)
    model = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=alpha, batch_size=512, learning_rate_init=1e-3,
                          random_state=seed, max_iter=1, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch in range(epochs):
            model.fit(flat[order], y[order])
            print(f"epoch {epoch + 1}/{epochs}", flush=True)
    assert list(model.classes_) == list(range(len(CLASSES))), model.classes_
    return AnswerHead(classes=CLASSES, mean=mean, scale=scale, w1=model.coefs_[0].astype(np.float32),
                      b1=model.intercepts_[0].astype(np.float32), w2=model.coefs_[1].astype(np.float32),
                      b2=model.intercepts_[1].astype(np.float32))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=int, default=40)
    parser.add_argument("--examples", type=Path, default=Path("/tmp/answer-examples.npz"),
                        help="rendered windows are kept here and reused (delete to render again)")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--alpha", type=float, default=1e-2)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--bank-stride", type=int, default=3)
    parser.add_argument("--out", type=Path, default=shipped_path())
    args = parser.parse_args(argv)
    began = time.monotonic()
    if args.examples.is_file():
        with np.load(args.examples, allow_pickle=False) as data:
            x, y = data["x"], data["y"]
            import json
            facts = json.loads(bytes(data["facts"]).decode())
    else:
        x, y, facts = examples(args.voices)
        import json
        np.savez(args.examples, x=x, y=y, facts=np.frombuffer(json.dumps(facts).encode(), dtype=np.uint8))
    bank = bank_negatives(args.bank_stride)
    x = np.concatenate([x, bank])
    y = np.concatenate([y, np.zeros(len(bank), np.int16)])
    print(f"{len(y)} windows, {[int(np.sum(y == k)) for k in range(len(CLASSES))]} per class", flush=True)
    head = fit(x, y, args.hidden, args.alpha, args.epochs)
    head = AnswerHead(**{**head.__dict__, "info": {
        "version": MODEL_VERSION, "voices": len(facts["voices"]), "held_out": VOICES["test"],
        "windows": len(y), "hidden": args.hidden, "alpha": args.alpha, "epochs": args.epochs,
        "seconds": round(time.monotonic() - began)}})
    print(f"wrote {head.save(args.out)} ({args.out.stat().st_size / 1e6:.2f} MB, "
          f"{time.monotonic() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
