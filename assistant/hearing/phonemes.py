"""The sound of any English word as CMU (ARPAbet) phones, from espeak-ng's letter-to-sound rules.

Why: PocketSphinx knows only the words of its dictionary; a word outside it needs its phones, and the CMU
phones of a made-up or foreign word are not something a user can be expected to write. espeak-ng (already
the assistant's voice) pronounces any spelling; `cmu_phones` turns its phoneme mnemonics (`espeak-ng -x`,
US English) into the phone set of PocketSphinx's en-us model, without stress marks, as its dictionary has them.

The table maps each espeak-ng en-us phoneme to the CMU phones of the same sound. Measured on words the CMU
dictionary holds, the consonants agree with it; vowels differ now and then where the two sources simply
disagree about an unstressed vowel (AH / IH) or the reduced "a" of "banana".
"""

from __future__ import annotations

import functools
import shutil
import subprocess

VOICE = "en-us"
"""espeak-ng voice whose letter-to-sound rules are used: US English, as the PocketSphinx model."""

CMU_PHONES = frozenset({
    "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH", "IH", "IY", "JH",
    "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH", "UW", "V", "W", "Y", "Z", "ZH"})
"""The 39 phones of the CMU dictionary (PocketSphinx's en-us model), without stress digits."""

ESPEAK_TO_CMU: dict[str, tuple[str, ...]] = {
    # consonants
    "p": ("P",), "b": ("B",), "t": ("T",), "d": ("D",), "k": ("K",), "g": ("G",),
    "f": ("F",), "v": ("V",), "T": ("TH",), "D": ("DH",), "s": ("S",), "z": ("Z",), "S": ("SH",), "Z": ("ZH",),
    "h": ("HH",), "tS": ("CH",), "dZ": ("JH",), "m": ("M",), "n": ("N",), "N": ("NG",), "l": ("L",),
    "r": ("R",), "j": ("Y",), "w": ("W",),
    "t#": ("T",),        # the flapped t of "water": CMU writes T
    "d#": ("D",),        # a flapped d
    "t2": ("T",), "d2": ("D",),
    "?": ("T",),         # the glottal stop of "button": CMU writes T
    "x": ("K",),         # the "ch" of "loch": English speakers say K
    "r-": ("R",), "l/": ("L",), "z/": ("Z",), "w#": ("W",), "n-": ("AH", "N"), "m-": ("AH", "M"),
    # vowels
    "a": ("AE",), "aa": ("AE",), "a#": ("AH",), "a2": ("AH",),
    "A:": ("AA",), "A@": ("AA", "R"), "A": ("AA",), "0": ("AA",), "0#": ("AA",),
    "O": ("AO",), "O:": ("AO",), "O2": ("AO",), "O@": ("AO", "R"), "o@": ("AO", "R"), "O~": ("AA", "N"),
    "E": ("EH",), "E2": ("EH",), "E#": ("EH",), "e@": ("EH", "R"), "eI": ("EY",), "e": ("EY",),
    "I": ("IH",), "I2": ("IH",), "I#": ("IH",), "I2#": ("IH",), "i": ("IY",), "i:": ("IY",),
    "i@": ("IY", "AH"), "i@3": ("IH", "R"), "iou": ("IY", "AH"),
    "U": ("UH",), "U@": ("UH", "R"), "u": ("UW",), "u:": ("UW",), "U2": ("UW",),
    "V": ("AH",), "@": ("AH",), "@2": ("AH",), "@5": ("AH",), "@-": ("AH",), "@L": ("AH", "L"),
    "3": ("ER",), "3:": ("ER",), "@r": ("ER",),
    "aI": ("AY",), "aI@": ("AY", "ER"), "aI3": ("AY", "ER"), "aU": ("AW",), "aU@": ("AW", "ER"),
    "OI": ("OY",), "oU": ("OW",), "o": ("OW",), "oU#": ("OW",),
}
"""espeak-ng en-us phoneme mnemonics -> CMU phones."""

_MARKS = "',%=;_|"
"""Stress, syllable and pause marks in espeak-ng's output; they carry no sound of their own."""


class PhonemeError(RuntimeError):
    """The word's phones cannot be found (espeak-ng missing, or it said nothing); the message says why."""


def cmu_phones(word: str) -> list[str]:
    """The CMU phones of `word` as espeak-ng pronounces it in US English, e.g. "timeout" -> T AY M AW T.

    Raises PhonemeError when espeak-ng is not installed, or gives no sound for the text.
    """
    text = " ".join(word.lower().split())
    if not text or text.startswith("-"):
        raise PhonemeError(f"{word!r} is not a word espeak-ng can pronounce")
    return list(_cmu_phones(text))


@functools.lru_cache(maxsize=256)
def _cmu_phones(text: str) -> tuple[str, ...]:
    phones: list[str] = []
    for token in _espeak_phonemes(text):
        for phone in _convert(token):
            if phone == "R" and phones and phones[-1] in ("R", "ER"):
                continue  # "story" is s t 'o@ r i: the r-coloured vowel already holds the R
            phones.append(phone)
    if not phones:
        raise PhonemeError(f"espeak-ng gave no sounds for {text!r}")
    return tuple(phones)


def _espeak_phonemes(text: str) -> list[str]:
    """espeak-ng's phoneme mnemonics for `text`, one per item, stress and pause marks removed."""
    program = shutil.which("espeak-ng")
    if program is None:
        raise PhonemeError("espeak-ng is missing, so a word's sounds cannot be worked out: "
                           "apt install espeak-ng (with sudo unless you are root)")
    try:
        done = subprocess.run([program, "-q", "-x", "--sep= ", "-v", VOICE, text], capture_output=True,
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise PhonemeError(f"espeak-ng did not run ({e})") from e
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[0] if done.stderr.strip() else f"exit {done.returncode}"
        raise PhonemeError(f"espeak-ng failed for {text!r} ({reason})")
    tokens = []
    for raw in done.stdout.split():
        token = raw.strip(_MARKS)
        if token:
            tokens.append(token)
    return tokens


def _convert(token: str) -> tuple[str, ...]:
    """CMU phones of one espeak-ng phoneme; an unlisted variant falls back to its base phoneme."""
    if token in ESPEAK_TO_CMU:
        return ESPEAK_TO_CMU[token]
    base = token.rstrip("#-/~0123456789")
    if base in ESPEAK_TO_CMU:
        return ESPEAK_TO_CMU[base]
    raise PhonemeError(f"espeak-ng phoneme {token!r} has no CMU equivalent in assistant.hearing.phonemes")


__all__ = ["CMU_PHONES", "ESPEAK_TO_CMU", "VOICE", "PhonemeError", "cmu_phones"]
