"""Real pyttsx3/espeak-ng rendering in its worker process, the phrase cache, privacy, the text fallback."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.output.voice import (
    INSTALL_HINT,
    ONSET_LEVEL,
    TTS_RATE,
    VOICE_HINT,
    Clip,
    FallbackVoice,
    PyttsxVoice,
    TextVoice,
    VoiceUnavailable,
    open_voice,
    reading_seconds,
)


@pytest.fixture(scope="module")
def voice():
    with PyttsxVoice(rate_wpm=150) as v:
        yield v


@pytest.fixture
def broken_espeak(tmp_path, monkeypatch):
    """An empty espeak-ng data folder: espeak-ng reports the missing file and exits its process."""
    empty = tmp_path / "espeak-ng-data"
    empty.mkdir()
    monkeypatch.setenv("ESPEAK_DATA_PATH", str(empty))
    return empty


def test_a_line_renders_as_mono_float32_speech_at_22050_hz(voice):
    clip = voice.render("Breathe in slowly.")
    assert clip.sample_rate == TTS_RATE == 22050
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert 0.5 < clip.seconds < 3.0  # three words at 150 words a minute
    assert 0.1 < np.abs(clip.samples).max() <= 1.0


def test_a_clip_starts_and_ends_on_audible_samples_so_its_schedule_is_its_sound(voice):
    samples = voice.render("And out.").samples
    assert abs(samples[0]) >= ONSET_LEVEL
    assert abs(samples[-1]) >= ONSET_LEVEL


def test_the_phrase_cache_renders_a_repeated_line_once(voice):
    before = voice.synth_count
    first = voice.render("A line said twice.")
    second = voice.render("A line said twice.")
    assert second is first
    assert voice.synth_count == before + 1


def test_cached_clips_cannot_be_changed_by_a_caller(voice):
    clip = voice.render("Hold gently.")
    with pytest.raises(ValueError):
        clip.samples[0] = 1.0


def test_no_audio_file_is_left_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    with PyttsxVoice() as private_voice:
        private_voice.render("Nothing of this is kept.")
        assert list(tmp_path.rglob("*.wav")) == []  # deleted as soon as it was read
    assert list(tmp_path.iterdir()) == []  # and the private folder went with the worker


def test_the_espeak_driver_chatter_never_reaches_our_stdout(capfd):
    with PyttsxVoice() as quiet_voice:
        quiet_voice.render("Quietly.")
    out, _ = capfd.readouterr()
    assert "Audio saved" not in out
    assert out == ""


def test_a_broken_espeak_install_raises_voice_unavailable_with_the_install_hint(broken_espeak):
    with pytest.raises(VoiceUnavailable) as caught:
        PyttsxVoice()
    message = str(caught.value)
    assert message.endswith(INSTALL_HINT)
    assert "phontab" in message  # espeak-ng's own words about what is missing are passed on


def test_an_unknown_voice_name_is_refused_with_a_hint():
    with pytest.raises(VoiceUnavailable, match="no voice called 'klingon'") as caught:
        PyttsxVoice(voice="klingon")
    assert str(caught.value).endswith(VOICE_HINT)


def test_a_voice_can_be_chosen_by_id_or_by_name():
    # the seconds are compared from two separate processes, as two users' sessions would be
    import subprocess
    import sys

    code = ("import sys; from assistant.output.voice import PyttsxVoice\n"
            "with PyttsxVoice(voice=sys.argv[1]) as v: print(v.render('Hello.').seconds)")

    def seconds(voice: str) -> float:
        done = subprocess.run([sys.executable, "-c", code, voice], capture_output=True, text=True, timeout=60,
                              check=True)
        return float(done.stdout.split()[-1])

    assert seconds("gmw/en-us") == pytest.approx(seconds("English (America)"), abs=0.01)


def test_open_voice_falls_back_to_text_when_speech_cannot_start(broken_espeak):
    v = open_voice()
    assert isinstance(v, TextVoice)
    assert v.reason.endswith(INSTALL_HINT)


def test_open_voice_gives_the_text_voice_when_speech_is_turned_off():
    v = open_voice(enabled=False)
    assert isinstance(v, TextVoice)
    assert "voice.enabled" in v.reason


def test_the_worker_is_restarted_once_when_it_dies():
    with PyttsxVoice() as v:
        v._proc.kill()  # espeak crashed mid-session
        v._proc.wait()
        assert v.render("Still here.").seconds > 0.3


def test_speech_that_fails_mid_session_turns_into_printed_words_for_good(broken_espeak, monkeypatch):
    monkeypatch.delenv("ESPEAK_DATA_PATH")
    primary = PyttsxVoice()
    printed: list[str] = []
    v = FallbackVoice(primary, TextVoice(on_text=printed.append))
    assert v.render("Spoken aloud.").samples.any()
    monkeypatch.setenv("ESPEAK_DATA_PATH", str(broken_espeak))
    primary._proc.kill()  # the worker dies, and its restart finds espeak-ng broken
    primary._proc.wait()
    assert not v.render("Printed instead.").samples.any()
    assert not v.render("Spoken aloud.").samples.any()  # no flipping back, even for a cached line
    assert printed == ["Printed instead.", "Spoken aloud."]
    assert v.fallback.reason.endswith(INSTALL_HINT)
    primary.close()


def test_the_text_voice_renders_silence_for_the_reading_time_and_records_the_text():
    printed: list[str] = []
    v = TextVoice(rate_wpm=120, on_text=printed.append)
    clip = v.render("one two three four")  # 4 words at 120 a minute: 2 s
    assert clip == Clip(clip.samples, TTS_RATE)
    assert clip.seconds == pytest.approx(2.0)
    assert not clip.samples.any()
    assert v.lines == printed == ["one two three four"]


def test_even_a_one_word_line_gets_half_a_second():
    assert reading_seconds("Hold", 150) == 0.5






def test_the_audio_that_comes_with_the_end_of_a_line_is_kept(tmp_path):
    """espeak sometimes hands the last chunk of a line together with its end event; pyttsx3's driver wrote
    the file before adding that chunk, so the line lost its end. Call the registered synth callback with a
    real espeak event list holding both."""
    import ctypes
    import wave

    import pyttsx3
    from pyttsx3.drivers import _espeak

    from assistant.output.voice_worker import keep_last_chunk

    engine = pyttsx3.init("espeak")
    keep_last_chunk(engine)
    driver = engine.proxy._driver
    path = tmp_path / "line.wav"
    driver._save_file, driver._speaking, driver._data_buffer = str(path), True, b"\x01\x00" * 300
    events = (_espeak.EVENT * 2)()
    events[0].type, events[1].type = _espeak.EVENT_MSG_TERMINATED, _espeak.EVENT_LIST_TERMINATED
    last_chunk = (ctypes.c_short * 200)(*([2] * 200))
    _espeak.SynthCallback(last_chunk, 200, events)  # the callback espeak itself calls
    with wave.open(str(path), "rb") as wav:
        assert wav.getnframes() == 500  # the 300 samples before and the 200 that came with the end


def test_the_rate_and_volume_hold_from_the_first_line_even_when_espeak_is_cancelled():
    """pyttsx3's first `runAndWait` cancels espeak when it looks busy, and espeak's cancel drops queued rate
    and volume changes: a whole session then spoke at 200 words a minute (every line 20 % short). The
    settings must be in force when `apply_settings` returns, and survive that cancel."""
    import subprocess
    import sys

    code = ("import ctypes, pyttsx3\n"
            "from pyttsx3.drivers import _espeak\n"
            "from assistant.output.voice_worker import apply_settings\n"
            "engine = pyttsx3.init('espeak')\n"
            "apply_settings(engine, 137, 0.42)\n"
            "_espeak.Cancel()\n"
            "get = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_int)(('espeak_GetParameter', _espeak.dll))\n"
            "print(get(_espeak.RATE, 1), get(_espeak.VOLUME, 1))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split()[-2:] == ["137", "42"]
