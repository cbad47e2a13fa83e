"""Training a word head for the couple's pause word, on this machine, in a few minutes.

Receives the typed word (and, from set-up, the couple's own takes and ordinary sentences). Emits a
`WordHead`. Positives: the word rendered by every offline voice (`tts_voices`), placed after silence or
other speech, in synthetic rooms, under noise at 5-20 dB, at near and far levels. Negatives: windows of the
negative bank (ordinary speech in the same voices, real speech and room noise, as embeddings: shipped
with the package, 8.8 MB; `scripts/build_negative_bank.py` builds it again when the recipe changes), words that sound close to the word (`near_misses`), and
pieces of the word itself, so the head waits for the whole word. The couple's takes, augmented, join the positives;
their sentences join the negatives; both are kept as embeddings only (`enrollment.py`).

Heads are cached in the data folder by word and recipe version (`head_path`); the default word's head
ships with the package.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np

from assistant.ear import augment
from assistant.ear.clips import CLIP_STEPS, clip_windows, noisy, place, word_windows
from assistant.ear.embedding import STEP_SAMPLES
from assistant.ear.negative_bank import bank_windows
from assistant.ear.tts_voices import SAMPLE_RATE, available_voices, render_all, trim
from assistant.ear.word_head import WINDOW_STEPS, WordHead
from assistant.hearing.near_misses import near_miss_texts
from assistant.store.location import cache_folder

RECIPE_VERSION = "ear-1"
"""Changes whenever training changes in a way that changes heads: cached heads of other versions retrain."""
CONTEXT_SENTENCES = (
    "I just think you never listen to me when it matters.",
    "Can we please talk about this later tonight?",
    "That's not what I said and you know it.",
    "The dishes are still in the sink from yesterday.",
    "Why does this always happen when we are tired?",
    "Okay, okay, I hear you.",
    "You keep bringing that up every single time.",
    "Let me finish what I was saying first.",
)
"""Speech said before the word in positives, and mixed as babble: a word mid-argument, not in silence."""

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): called as training goes; the CLI draws a bar from it."""


@dataclass(frozen=True)
class Recipe:
    """How much data and training a head gets. `FULL` is what set-up uses; `QUICK` is for tests."""

    name: str = "full"
    voices: int = 72
    styles: tuple[str, ...] = ("{w}", "{w}!", "{w}.")
    augment: int = 5
    near_miss_texts: int = 30
    near_miss_voices: int = 12
    context_voices: int = 6
    hidden: int = 128
    alpha: float = 1e-2
    """L2 penalty: measured on the development corpus, 1e-2 with 128 units halved the false alarms of
    1e-3 with 64 on conversation and cut them 4x on held-out real speech, at the same recall."""
    epochs: int = 30
    piece_share: float = 0.5
    """Share of the word's renderings also used as negatives cut to a piece of the word."""
    background_clips: int = 120
    """Clips of talk and babble alone, from the same pool the positives were mixed with."""
    take_copies: int = 40
    """Augmented copies of each of the couple's takes."""
    negative_windows: int = 54_000
    """About how many windows of the negative bank the head learns from: every k-th window, k chosen from
    the bank's size (2 on the bank the script builds by default), so a smaller bank, as CI builds, still
    gives as many negatives, only less varied."""
    seed: int = 0

    @property
    def version(self) -> str:
        return f"{RECIPE_VERSION}-{self.name}"


FULL = Recipe()
QUICK = Recipe(name="quick", voices=32, styles=("{w}",), augment=4, near_miss_texts=16, near_miss_voices=8,
               context_voices=2, epochs=20, take_copies=8, negative_windows=18_000, background_clips=12)
TINY = Recipe(name="tiny", voices=6, styles=("{w}",), augment=2, near_miss_texts=4, near_miss_voices=2,
              context_voices=1, epochs=5, take_copies=3, negative_windows=6_750, background_clips=4)
"""Seconds, not minutes: for tests of what set-up writes, where how well the word is heard is not the point."""
RECIPES = {"full": FULL, "quick": QUICK, "tiny": TINY}


def default_recipe() -> Recipe:
    """FULL, or the recipe named by $ASSISTANT_EAR_RECIPE ("quick": a small head in under a minute, which
    the test suite uses so that every test that sets up a word need not spend minutes training; "tiny")."""
    name = os.environ.get("ASSISTANT_EAR_RECIPE", "full")
    if name not in RECIPES:
        raise ValueError(f"ASSISTANT_EAR_RECIPE={name!r}: use one of {', '.join(RECIPES)}")
    return RECIPES[name]


@dataclass
class Examples:
    """Embedding windows with labels: (n, 16, 96) float16 and (n,) 0/1."""

    windows: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)

    def add(self, windows: np.ndarray, label: int) -> None:
        if len(windows):
            self.windows.append(windows.astype(np.float16))
            self.labels.append(np.full(len(windows), label, np.int8))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.concatenate(self.windows), np.concatenate(self.labels)


def word_examples(word: str, recipe: Recipe, progress: Progress | None = None) -> tuple[Examples, dict]:
    """Rendered, augmented positives and near-miss negatives for `word`."""
    rng = np.random.default_rng(recipe.seed)
    voices = available_voices(recipe.voices, seed=recipe.seed)
    texts = [s.format(w=word) for s in recipe.styles]
    misses = near_miss_texts(word, recipe.near_miss_texts, seed=recipe.seed)
    context_voices = [voices[int(i)] for i in rng.choice(len(voices), recipe.context_voices, replace=False)]
    miss_voices = [voices[int(i)] for i in rng.choice(len(voices), recipe.near_miss_voices, replace=False)]
    jobs = len(voices) * len(texts) + len(misses) * len(miss_voices) + len(CONTEXT_SENTENCES) * len(context_voices)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress("rendering voices", done, jobs)

    spoken = render_all(voices, texts, progress=tick)
    context = [a for _, _, a in render_all(context_voices, list(CONTEXT_SENTENCES), progress=tick)]
    near = render_all(miss_voices, misses, progress=tick)
    babble = context
    examples = Examples()
    total = len(spoken) * recipe.augment + len(near)
    done = 0
    lengths = []
    for _, _, audio in spoken:
        lengths.append(len(audio) / SAMPLE_RATE)
        for _ in range(recipe.augment):
            clip, start, end = place(audio, rng, context, babble)
            pos, neg = word_windows(clip, start, end)
            examples.add(pos, 1)
            examples.add(neg, 0)
            done += 1
            if progress is not None:
                progress("hearing the word", done, total)
    for _, _, audio in near:
        examples.add(clip_windows(noisy(audio, rng, babble), stride=2), 0)
        done += 1
        if progress is not None:
            progress("hearing the word", done, total)
    # pieces of the word in the same voices: its first or last part alone, or the whole played backwards
    # (same sounds, wrong order), placed where the word would be: the head must hear the whole sequence,
    # not one syllable of it ("want", "don't" fooled a head that had learned only the word's ending)
    for i, (_, _, audio) in enumerate(spoken[::max(1, round(1 / recipe.piece_share))]):
        cut = int(len(audio) * float(rng.uniform(0.45, 0.65)))
        piece = (audio[:cut], audio[len(audio) - cut:], audio[::-1])[i % 3]
        clip, start, end = place(piece, rng, context, babble)
        after, before = word_windows(clip, start, end)
        examples.add(after, 0)
        examples.add(before, 0)
    # the same talk and babble the positives were mixed with, with no word in it: the head must learn
    # the word, not the background it was heard against
    for _ in range(recipe.background_clips):
        n = CLIP_STEPS * STEP_SAMPLES
        clip = augment.background(n, rng, babble, babble_share=0.7)
        if rng.random() < 0.5:
            clip = clip + noisy(context[int(rng.integers(len(context)))], rng, babble) * float(rng.uniform(1, 4))
        examples.add(clip_windows(augment.random_level(clip, rng), stride=2), 0)
    facts = {"voices": len({name for name, _, _ in spoken}), "word_renderings": len(spoken),
             "near_miss_texts": len(misses), "word_seconds": float(np.median(lengths)) if lengths else 0.6}
    return examples, facts


def take_examples(takes: Sequence[np.ndarray], sentences: Sequence[np.ndarray], copies: int,
                  seed: int = 1) -> Examples:
    """The couple's own takes (int16, 16 kHz), trimmed and augmented, as positives; their ordinary
    sentences as negatives."""
    rng = np.random.default_rng(seed)
    examples = Examples()
    floats = [trim(np.asarray(t, np.float32) / 32768.0) for t in takes]
    others = [np.asarray(s, np.float32) / 32768.0 for s in sentences]
    for word in floats:
        if len(word) < SAMPLE_RATE // 10:
            continue
        for _ in range(copies):
            clip, start, end = place(word, rng, others, others)
            pos, neg = word_windows(clip, start, end)
            examples.add(pos, 1)
            examples.add(neg, 0)
    for sentence in others:
        for _ in range(max(1, copies // 8)):
            examples.add(clip_windows(noisy(sentence, rng, others)), 0)
    return examples


def fit_head(word: str, examples: Sequence[Examples], negatives: np.ndarray, recipe: Recipe,
             facts: dict, progress: Progress | None = None) -> WordHead:
    """A one-hidden-layer network on all examples, and its calibrated bar."""
    # deferred: scikit-learn, 0.9 s at start (-X importtime, after numpy): only training a head needs it
    from sklearn import exceptions, neural_network

    xs, ys = [negatives.astype(np.float16)], [np.zeros(len(negatives), np.int8)]
    for ex in examples:
        if ex.windows:
            x, y = ex.arrays()
            xs.append(x)
            ys.append(y)
    x = np.concatenate(xs).reshape(sum(len(a) for a in xs), -1).astype(np.float32)
    y = np.concatenate(ys)
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-3
    x = (x - mean) / scale
    positives = np.nonzero(y == 1)[0]
    repeat = max(1, int(0.15 * (len(y) - len(positives)) / max(1, len(positives))))
    order = np.concatenate([np.arange(len(y))] + [positives] * (repeat - 1))
    rng = np.random.default_rng(recipe.seed)
    rng.shuffle(order)
    model = neural_network.MLPClassifier(hidden_layer_sizes=(recipe.hidden,), alpha=recipe.alpha, batch_size=512,
                          learning_rate_init=1e-3, random_state=recipe.seed, max_iter=1, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", exceptions.ConvergenceWarning)
        for epoch in range(recipe.epochs):
            model.fit(x[order], y[order])
            if progress is not None:
                progress("training", epoch + 1, recipe.epochs)
    head = WordHead(word=word, recipe=recipe.version, mean=mean.astype(np.float32),
                    scale=scale.astype(np.float32), w1=model.coefs_[0].astype(np.float32),
                    b1=model.intercepts_[0].astype(np.float32), w2=model.coefs_[1].astype(np.float32),
                    b2=model.intercepts_[1].astype(np.float32), bar=0.5,
                    word_seconds=float(facts.get("word_seconds", 0.6)), info=dict(facts))
    return replace(head, bar=calibrated_bar(head, x[y == 0] * scale + mean))


BAR_NEGATIVE_QUANTILE = 0.9995
"""The bar sits above this share of negative training windows' scores."""
BAR_LIMITS = (0.5, 0.98)


def calibrated_bar(head: WordHead, negative_windows: np.ndarray) -> float:
    """The probability at sensitivity 0.5: above nearly all negative training windows, within limits."""
    p = head.probability(negative_windows.reshape(len(negative_windows), WINDOW_STEPS, -1))
    return float(np.clip(np.quantile(p, BAR_NEGATIVE_QUANTILE), *BAR_LIMITS))


def train_head(word: str, *, recipe: Recipe = FULL, takes: Sequence[np.ndarray] = (),
               sentences: Sequence[np.ndarray] = (), enrolled: Examples | None = None,
               progress: Progress | None = None, bank: Path | None = None) -> WordHead:
    """Render, augment, embed and fit a head for `word` (takes: the couple's own voices, optional). The
    rendered examples are cached (`cached_word_examples`), so a retrain, at set-up again or at home, only fits."""
    began = time.monotonic()
    examples, facts = cached_word_examples(word, recipe, progress)
    extra = enrolled if enrolled is not None else Examples()
    if takes or sentences:
        extra = take_examples(takes, sentences, recipe.take_copies)
    negatives = bank_windows(recipe.negative_windows, bank, without=word)
    facts.update(bank_windows=len(negatives), enrolled_windows=sum(len(w) for w in extra.windows))
    head = fit_head(word, [examples, extra], negatives, recipe, facts, progress)
    head.info["train_seconds"] = round(time.monotonic() - began, 1)
    return head


# ---------------------------------------------------------------- the cache

EXAMPLES_FOLDER = "ear-examples"


def examples_path(word: str, recipe: Recipe, cache: Path | None = None) -> Path:
    """Where the rendered examples of `word` are kept: keyed by the word, the recipe and the voices installed
    (a voice added later renders afresh); named by a digest only, so a file name does not give the word away."""
    voices = [v.name for v in available_voices(recipe.voices, seed=recipe.seed)]
    key = hashlib.sha256(repr((word, recipe, voices)).encode()).hexdigest()[:20]
    return (cache or cache_folder()) / EXAMPLES_FOLDER / f"{key}.npz"


def cached_word_examples(word: str, recipe: Recipe, progress: Progress | None = None,
                         cache: Path | None = None) -> tuple[Examples, dict]:
    """`word_examples`, rendered once (minutes) and then read from the cache folder (embeddings only, in an
    owner-only folder). Processes that want the same examples at once render them once: the others wait."""
    path = examples_path(word, recipe, cache)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    lock_fd = os.open(path.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        if path.is_file():
            try:
                with np.load(path, allow_pickle=False) as data:
                    examples = Examples([data["windows"]], [data["labels"]])
                    return examples, json.loads(bytes(data["facts"]).decode())
            except (OSError, KeyError, ValueError):
                path.unlink(missing_ok=True)  # unreadable: render again
        examples, facts = word_examples(word, recipe, progress)
        windows, labels = examples.arrays()
        tmp = path.with_suffix(".tmp.npz")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, windows=windows, labels=labels,
                                facts=np.frombuffer(json.dumps(facts).encode(), dtype=np.uint8))
        tmp.replace(path)
        return examples, facts
    finally:
        os.close(lock_fd)  # releases the lock


def head_name(word: str, recipe: Recipe = FULL) -> str:
    digest = hashlib.sha1(word.encode()).hexdigest()[:8]
    slug = "".join(c if c.isalnum() else "-" for c in word)[:24]
    return f"{slug}-{digest}-{recipe.version}.npz"


def shipped_head_path(word: str, recipe: Recipe = FULL) -> Path:
    return Path(str(resources.files("assistant") / "data" / "heads" / head_name(word, recipe)))


def head_path(word: str, data_folder: Path, recipe: Recipe = FULL) -> Path:
    """Where the couple's head for `word` lives (trained with their takes, or for a word of their own)."""
    return data_folder / "heads" / head_name(word, recipe)


def find_head(word: str, data_folder: Path, recipe: Recipe = FULL) -> Path | None:
    """The couple's own head for the word, else the shipped one (always the full recipe), else None."""
    for path in (head_path(word, data_folder, recipe), shipped_head_path(word, FULL)):
        if path.is_file():
            return path
    return None
