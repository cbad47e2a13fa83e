"""Words and phrases that sound close to the pause word: the negatives a learned ear must learn to refuse.

Receives the pause word. Emits dictionary words whose phones are one or two edits away from the word's
(found in the CMU dictionary that ships with PocketSphinx), its parts said alone ("time" and "out" of
"timeout", the first word of a phrase) and short sentences holding them.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

try:
    import pocketsphinx  # the bundled model's dictionary: 134,000 words with their phones
except ImportError:  # pragma: no cover - depends on the install; the dictionary is then empty
    pocketsphinx = None

_STRESS = str.maketrans("", "", "012")


def _dictionary_path() -> Path | None:
    if pocketsphinx is None:
        return None
    path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    return path if path.is_file() else None


@cache
def dictionary() -> dict[str, tuple[str, ...]]:
    """word -> phones (first pronunciation, stress marks dropped); empty when PocketSphinx is missing."""
    path = _dictionary_path()
    if path is None:
        return {}
    words: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) < 2 or "(" in parts[0] or not parts[0].isalpha():
            continue
        words.setdefault(parts[0], tuple(parts[1:]))
    return words


def phones_of(phrase: str) -> tuple[str, ...] | None:
    """The phrase's phones from the dictionary, or None when a word is not in it."""
    words = dictionary()
    phones: list[str] = []
    for word in phrase.lower().split():
        if word not in words:
            return None
        phones.extend(words[word])
    return tuple(p.translate(_STRESS) for p in phones)


def _distance(a: tuple[str, ...], b: tuple[str, ...], limit: int) -> int:
    """Edit distance between phone strings, giving up (returning limit + 1) once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, pa in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, pb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (pa != pb))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def close_words(phrase: str, count: int = 30, seed: int = 0) -> list[str]:
    """Up to `count` dictionary words one or two phone edits from the phrase (never the phrase itself,
    nor a word that sounds exactly like it)."""
    words = phrase.lower().split()
    if len(words) > 1:  # a phrase: one of its words swapped for a word that sounds close to it
        rng = random.Random(seed)
        swaps = [(i, w) for i, word in enumerate(words) for w in close_words(word, count, seed)]
        rng.shuffle(swaps)
        return [" ".join(words[:i] + [w] + words[i + 1:]) for i, w in swaps[:count]]
    target = phones_of(phrase)
    if target is None:
        return _letter_variants(phrase, count, seed)
    own = set(phrase.lower().split()) | {phrase.lower().replace(" ", "")}
    scored: list[tuple[int, str]] = []
    for word, phones in dictionary().items():
        if word in own or len(word) < 2:
            continue
        phones = tuple(p.translate(_STRESS) for p in phones)
        if phones[:len(target)] == target:
            continue  # "timeouts" holds the whole word: not a miss
        d = _distance(target, phones, 2)
        if 1 <= d <= 2:
            scored.append((d, word))
    rng = random.Random(seed)
    rng.shuffle(scored)
    scored.sort(key=lambda item: item[0])
    return [w for _, w in scored[:count]]


def _letter_variants(phrase: str, count: int, seed: int) -> list[str]:
    """For a word outside the dictionary: spellings one letter away, which espeak-ng reads as near sounds."""
    rng = random.Random(seed)
    word = phrase.replace(" ", "")
    vowels, consonants = "aeiou", "bdfgklmnprstvz"
    out: set[str] = set()
    for _ in range(count * 10):
        i = rng.randrange(len(word))
        pool = vowels if word[i] in vowels else consonants
        out.add(word[:i] + rng.choice(pool) + word[i + 1:])
        if len(out) >= count:
            break
    out.discard(word)
    return sorted(out)[:count]


def parts_of(phrase: str) -> list[str]:
    """What can be said that is only part of the word: the words of a phrase alone and, for one word,
    the dictionary words it starts or ends with ("time", "out" for "timeout")."""
    words = phrase.lower().split()
    if len(words) > 1:
        return list(dict.fromkeys([words[0], words[-1], " ".join(words[:-1]), " ".join(words[1:])]))
    word = words[0]
    known = dictionary()
    parts = [word[:k] for k in range(len(word) - 2, 2, -1) if word[:k] in known][:2]
    parts += [word[k:] for k in range(2, len(word) - 2) if word[k:] in known][:2]
    return parts


CARRIERS = (
    "I said {w} before",
    "that {w} thing again",
    "we talked about {w} yesterday",
    "it was {w} all along",
    "can you find the {w}",
    "{w} is what I meant",
)


def near_miss_texts(phrase: str, count: int = 40, seed: int = 0) -> list[str]:
    """Texts to render as hard negatives: close words alone and in short sentences, and the word's parts."""
    rng = random.Random(seed)
    close = close_words(phrase, count, seed)
    parts = parts_of(phrase)
    texts = list(parts) + close[: count // 2]
    for w in close[count // 2:] + parts:
        texts.append(rng.choice(CARRIERS).format(w=w))
    return list(dict.fromkeys(texts))[:count + len(parts)]
