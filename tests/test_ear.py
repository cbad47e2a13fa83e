"""The learned ear on real parts: Google's speech embedding front-end (ONNX, from the openwakeword wheel),
a word head trained here with the quick recipe from espeak-ng, flite, festival and piper voices, the
shipped negative bank, and the shipped head for the default word.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.audio.files import read_audio
from assistant.ear.embedding import SpeechEmbedder, embed_clip
from assistant.ear.fusion import FusedSpotter
from assistant.ear.training import QUICK, TINY, find_head, head_path, train_head
from assistant.ear.tts_voices import Voice, available_voices, trim
from assistant.ear.word_head import HeadSpotter, WordHead

RATE = 16000


def speak(text: str, voice: str = "en-us", pitch: int = 55, speed: int = 160) -> np.ndarray:
    """espeak-ng's plain voices, which the recipes never draw (they draw accent+variant pairs): 16 kHz int16."""
    out = subprocess.run(["espeak-ng", "--stdout", "-v", voice, "-p", str(pitch), "-s", str(speed), text],
                         capture_output=True, check=True)
    import io

    import soxr

    audio, rate = sf.read(io.BytesIO(out.stdout), dtype="float32")
    return (soxr.resample(audio, rate, RATE) * 32767 * 0.5).astype(np.int16)


def in_talk(clip: np.ndarray, before: np.ndarray | None = None) -> np.ndarray:
    """A clip after half a second of quiet (or other speech), with a second of quiet after it."""
    rng = np.random.default_rng(0)
    quiet = (rng.standard_normal(RATE // 2) * 30).astype(np.int16)
    parts = [quiet] + ([before, quiet] if before is not None else []) + [clip, np.zeros(RATE, np.int16)]
    return np.concatenate(parts)


@pytest.fixture(scope="module")
def banana_head() -> WordHead:
    return train_head("banana", recipe=QUICK)


def best(head: WordHead, audio: np.ndarray) -> float:
    spotter = HeadSpotter([head], record_trace=True)
    for i in range(0, len(audio), 480):
        spotter.accept(audio[i:i + 480])
    return max(c[0] for _, c in spotter.trace)


def test_embeddings_do_not_depend_on_how_the_audio_is_chunked(shared_dir: Path) -> None:
    audio = read_audio(min((shared_dir / "real-voices" / "alexa").glob("*.flac")))
    whole = embed_clip(audio)
    assert whole.shape == (len(audio) // 1280, 96)
    for chunk in (7, 480, 1000, 1280, 4096):
        front = SpeechEmbedder()
        rows = np.concatenate([front.process(audio[i:i + chunk]) for i in range(0, len(audio), chunk)])
        np.testing.assert_allclose(rows, whole, rtol=0, atol=1e-5, err_msg=f"chunks of {chunk}")


def test_spotter_scores_are_the_same_for_any_block_size(banana_head: WordHead) -> None:
    audio = in_talk(speak("banana"))
    traces = []
    for block in (160, 480, 1600):
        spotter = HeadSpotter([banana_head], record_trace=True)
        for i in range(0, len(audio), block):
            spotter.accept(audio[i:i + block])
        traces.append(np.array([c[0] for _, c in spotter.trace]))
    assert traces[0].max() > 0.5, "the word should be heard at all"
    for other in traces[1:]:
        np.testing.assert_allclose(other, traces[0], atol=1e-6)


def test_a_head_trained_here_hears_the_word_in_an_unseen_voice_and_not_a_near_miss(banana_head) -> None:
    assert best(banana_head, in_talk(speak("banana"))) >= 0.5
    # an unseen voice, the word said on its own: 0.99 and 1.0 for the quick recipe's seeds 0 and 1 on the shipped
    # bank. Right after other speech in that voice ("I said banana") it scored 0.42 for seed 0 and 1.0 for seed 1
    # (and 0.01-0.13 for seed 0 in three other unseen voices): the quick head's hearing of a word straight after
    # speech depends on its seed, so asserting it would test the seed (the ear's issue measures the full recipe)
    assert best(banana_head, in_talk(speak("banana", "en-029", 70, 140))) >= 0.5
    for miss in ("a cabana by the sea", "can you hand me the bandage"):
        assert best(banana_head, in_talk(speak(miss))) < 0.5, miss
    # not "bandana" (one added sound): the quick head answers it for 3 of 6 training seeds (measured), so
    # asserting it would test the seed, not the recipe


def test_ordinary_talk_is_not_heard_as_the_word(banana_head) -> None:
    talk = speak("We need to talk about the weekend, and who is picking up your mother from the station.")
    assert best(banana_head, in_talk(talk)) < 0.5


def test_a_head_survives_saving_and_loading_without_pickle(banana_head, tmp_path: Path) -> None:
    path = banana_head.save(tmp_path / "heads" / "banana.npz")
    assert path.stat().st_mode & 0o777 == 0o600
    loaded = WordHead.load(path)
    audio = in_talk(speak("banana"))
    assert best(loaded, audio) == pytest.approx(best(banana_head, audio))
    np.load(path, allow_pickle=False).close()  # loads with pickle refused: no code in a head file


def test_the_default_word_has_a_shipped_head_so_a_fresh_install_needs_no_training(tmp_path: Path) -> None:
    path = find_head("timeout", tmp_path)
    assert path is not None and "assistant/data/heads" in str(path)
    head = WordHead.load(path)
    assert best(head, in_talk(speak("timeout"))) >= 0.5
    assert best(head, in_talk(speak("it is time to go out for a walk"))) < 0.5


def test_every_offline_voice_engine_installed_here_renders(tmp_path: Path) -> None:
    voices = available_voices(30)
    engines = {v.name.split(":")[0] for v in voices}
    assert {"espeak", "flite", "festival", "piper"} <= engines
    for engine in engines:
        voice: Voice = next(v for v in voices if v.name.startswith(engine))
        assert len(voice.render("timeout")) > RATE // 5, engine


def test_detect_trains_a_new_word_with_progress_on_stderr_and_clean_json(tmp_path: Path) -> None:
    wav = tmp_path / "talk.wav"
    sf.write(wav, in_talk(speak("banana"), before=speak("well, you know")), RATE)
    # the tiny recipe: this is about the flow (progress, clean JSON, the cache), not how well it hears
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_EAR_RECIPE": "tiny", "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "assistant", "detect", str(wav), "--pause-word", "banana", "--json"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, check=False)
    assert first.returncode == 0, first.stderr
    lines = [json.loads(line) for line in first.stdout.splitlines()]  # stdout is JSON only
    assert lines and lines[-1]["event"] == "summary"
    assert all(e["event"] == "pause_word" and e["word"] == "banana" for e in lines[:-1])
    assert "no word model yet" in first.stderr and 'learning "banana"' in first.stderr
    cached = head_path("banana", tmp_path / "data", TINY)
    assert cached.is_file() and cached.stat().st_mode & 0o777 == 0o600
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert again.returncode == 0 and "learning" not in again.stderr  # the cache is used
    assert again.stdout.splitlines()[:-1] == first.stdout.splitlines()[:-1]  # the same model, the same verdicts


def fused_best(head: WordHead, audio: np.ndarray) -> float:
    spotter = FusedSpotter(HeadSpotter([head]))
    hits = [h for i in range(0, len(audio), 480) for h in spotter.accept(audio[i:i + 480])] + spotter.flush()
    return max((h.confidence for h in hits), default=0.0)


def test_the_listener_fuses_the_head_with_keyword_search_and_hears_the_default_word(tmp_path: Path) -> None:
    head = WordHead.load(find_head("timeout", tmp_path))
    assert fused_best(head, in_talk(speak("timeout", "en-us", 50, 150), before=speak("okay, okay"))) >= 0.5
    for miss in ("the time we went out for dinner was nice", "I don't want to talk about it", "take out"):
        assert fused_best(head, in_talk(speak(miss))) < 0.5, miss


def test_the_keyword_search_adds_its_own_evidence_to_the_heads(tmp_path: Path) -> None:
    """The fused test above passes on the head's evidence alone (keyword search finds nothing in `speak`'s plain
    espeak-ng audio); in a voice the search hears, its confidence must reach the candidate, or the fusion is a
    head with extra steps."""
    head = WordHead.load(find_head("timeout", tmp_path))
    joe = next(v for v in available_voices(72) if v.name.startswith("piper:joe"))
    audio = in_talk((np.clip(joe.render("timeout"), -1, 1) * 16000).astype(np.int16))
    audio = np.concatenate([audio, np.zeros(3 * RATE, np.int16)])  # time for the candidate to settle
    settled = []
    spotter = FusedSpotter(HeadSpotter([head]), on_settled=settled.append)
    for i in range(0, len(audio), 480):
        spotter.accept(audio[i:i + 480])
    spotter.flush()
    assert len(settled) == 1 and settled[0].keyword >= 0.5, settled


def test_without_the_built_negatives_training_says_how_to_build_them(tmp_path: Path) -> None:
    from assistant.ear.negative_bank import load_bank
    from assistant.ear.word_head import HeadError

    with pytest.raises(HeadError, match="scripts/build_negative_bank.py"):
        load_bank(tmp_path / "negative_bank.npz")


def test_training_waits_for_a_bank_being_built_and_reads_it_when_it_is_there(tmp_path: Path) -> None:
    import shutil
    import threading
    import time

    from assistant.ear.negative_bank import bank_path, building_marker, load_bank

    bank = tmp_path / "negative_bank.npz"
    builder = subprocess.Popen(["sleep", "30"])  # stands for scripts/build_negative_bank.py while it runs
    building_marker(bank).write_text(str(builder.pid))
    try:
        def finish() -> None:
            time.sleep(3)
            shutil.copy(bank_path(), bank)  # the build writes its file
        threading.Thread(target=finish).start()
        began = time.monotonic()
        sequences = load_bank(bank)
        waited = time.monotonic() - began
        assert waited >= 2.5 and len(sequences) == len(load_bank(bank_path())) > 0
    finally:
        builder.kill()
        builder.wait()
    # a marker left by a builder that is gone is no reason to wait
    from assistant.ear.word_head import HeadError

    gone = tmp_path / "gone.npz"
    building_marker(gone).write_text(str(builder.pid))
    with pytest.raises(HeadError, match="scripts/build_negative_bank.py"):
        load_bank(gone)


def test_a_word_said_as_the_stream_starts_or_just_after_the_assistant_spoke_is_heard(tmp_path: Path) -> None:
    """The front-end starts primed with a quiet room (word_head.PRIME_SECONDS): with its start-up padding in
    the windows instead, "timeout" said at once was heard for 47 of these 60 voices, primed for all 60."""
    head = WordHead.load(find_head("timeout", tmp_path))
    voices = available_voices(60, seed=11)
    quiet = np.random.default_rng(3).normal(0, 30, RATE).astype(np.int16)
    at_start, after_reset = [], []
    for voice in voices:
        word = (trim(voice.render("timeout")) * 32767 * 0.5).astype(np.int16)
        clip = np.concatenate([word, quiet])
        at_start.append(any(h.confidence >= 0.5 for h in HeadSpotter([head]).accept(clip)))
        spotter = HeadSpotter([head])
        spotter.accept(quiet)
        spotter.skip(RATE)  # the echo guard: the assistant was speaking; the stream restarts
        hits = spotter.accept(clip)
        after_reset.append(any(h.confidence >= 0.5 for h in hits))
        assert all(h.emitted_s > 2.0 for h in hits)  # the clock counts what was heard and what was skipped
    assert sum(at_start) >= 57, [v.name for v, ok in zip(voices, at_start) if not ok]
    assert sum(after_reset) >= 57, [v.name for v, ok in zip(voices, after_reset) if not ok]


def test_skipping_the_assistants_own_voice_block_by_block_runs_no_front_end(tmp_path: Path) -> None:
    """The detectors skip every block while the assistant speaks; a spotter that primed its front-end on each
    skip did 25 embedding steps per 30 ms block, and the live loop fell behind and missed "false alarm"."""
    spotter = HeadSpotter([WordHead.load(find_head("timeout", tmp_path))])
    for _ in range(2000):  # a minute of 30 ms blocks under the assistant's voice
        spotter.skip(480)
        spotter.reset()
    assert spotter._front.steps == 0
    spotter.accept(np.zeros(1280, np.int16))
    assert spotter._front.steps == 25 + 1  # primed once, then the step that was heard
