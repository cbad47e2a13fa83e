"""A word's sound as CMU phones from espeak-ng: what the unknown-word advice prints, and what keyword search
can be given for a word outside PocketSphinx's dictionary."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.hearing.phonemes import CMU_PHONES, PhonemeError, cmu_phones
from assistant.hearing.sphinx_engine import new_decoder

VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng: apt install espeak-ng")


@pytest.fixture(scope="module")
def dictionary():
    return new_decoder(lm=None)


def consonants(phones: list[str]) -> list[str]:
    return [p for p in phones if p not in VOWELS]


@pytest.mark.parametrize("word", ["timeout", "banana", "pause", "window", "breathe", "together", "church",
                                  "measure", "thinking", "yellow"])
def test_a_dictionary_word_gets_the_dictionarys_sounds(dictionary, word: str) -> None:
    expected = dictionary.lookup_word(word).split()
    got = cmu_phones(word)
    assert consonants(got) == consonants(expected), (got, expected)
    assert len(got) == len(expected)
    assert sum(a != b for a, b in zip(got, expected, strict=True)) <= 1, (got, expected)  # at most one vowel


def test_the_four_words_of_the_issue_come_out_exactly_as_the_dictionary_has_them(dictionary) -> None:
    for word in ("timeout", "banana", "pause", "window"):
        assert cmu_phones(word) == dictionary.lookup_word(word).split()


def test_an_invented_word_gets_its_own_sounds_in_the_models_phone_set() -> None:
    phones = cmu_phones("zorbleflax")
    assert set(phones) <= CMU_PHONES
    assert consonants(phones) == ["Z", "R", "B", "L", "F", "L", "K", "S"]
    decoder = new_decoder(lm=None)
    decoder.add_word("zorbleflax", " ".join(phones), True)  # the model takes them as they are
    assert decoder.lookup_word("zorbleflax") == " ".join(phones)


def test_case_and_spacing_do_not_change_the_sound() -> None:
    assert cmu_phones("  Banana ") == cmu_phones("banana")


def test_without_espeak_ng_the_error_says_how_to_install_it(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH on which there is no espeak-ng
    with pytest.raises(PhonemeError, match="apt install espeak-ng"):
        cmu_phones("quibbleflop")


def test_keyword_search_listens_for_an_unknown_word_as_espeak_ng_says_it(tmp_path: Path) -> None:
    audio = tmp_path / "quiet.wav"
    sf.write(str(audio), np.zeros(16000, dtype=np.int16), 16000)
    run = subprocess.run([sys.executable, "-m", "assistant", "-v", "detect", str(audio), "--pause-word", "zorbleflax",
                          "--detector", "keyword", "--engine", "pocketsphinx", "--json"], capture_output=True,
                         text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert '"event": "summary"' in run.stdout
    assert " ".join(cmu_phones("zorbleflax")) in run.stderr  # the sound it listens for, said in the log


def test_the_advice_for_a_word_nobody_can_pronounce_spells_its_own_sound_not_timeouts() -> None:
    from assistant.hearing.sphinx_engine import new_decoder, unknown_word_advice

    advice = unknown_word_advice(new_decoder(), "zorbleflax")
    assert f'zorbleflax = "{" ".join(cmu_phones("zorbleflax"))}"' in advice and "T AY M AW T" not in advice
