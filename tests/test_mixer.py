"""The pacer's sound (output/mixer.py): sample-exact rendering of planned timelines checked by onset detection in
the audio itself, streaming in blocks, live commands, the text fallback, the timeline file, and PocketSphinx
hearing the spoken cues. The plan alone is tested without sound in test_pacer.py."""

from __future__ import annotations

import inspect
import json
import re

import numpy as np
import pytest

from assistant.audio import tones
from assistant.output import mixer
from assistant.output.mixer import Pacer, cue_audio, render, speech_samples
from assistant.output.timeline_file import read_timeline_json, write_timeline_json
from assistant.output.voice import PyttsxVoice, TextVoice
from assistant.session import exercises, pacer, wording
from assistant.session.pacer import RATE, breathing_timeline, grounding_timeline, sample_of, tone_samples

_TONE_GAP = round(pacer.TONE_GAP_SECONDS * RATE)  # 2205 samples of silence end every phase tone
_SPEECH_STEP = 1e-3  # third difference above this is speech: tones (<= 392 Hz, peak 0.3) stay under 4e-4
_SPEECH_QUIET = round(0.09 * RATE)  # separate lines are >= 0.1 s apart (a tone's silent tail at least)
_PHRASE_QUIET = round(0.4 * RATE)  # pauses inside a sentence are shorter than this


def sound_onsets(audio: np.ndarray, min_silence: int = _TONE_GAP - 200) -> np.ndarray:
    """Samples where sound starts after at least `min_silence` samples of exact digital silence."""
    loud = np.flatnonzero(audio != 0.0)
    return np.concatenate([loud[:1], loud[1:][np.diff(loud) > min_silence]])


def speech_stretches(audio: np.ndarray, min_quiet: int = _SPEECH_QUIET) -> list[tuple[int, int]]:
    """(first, last) samples of each stretch of speech, found from the causal third difference
    x[n]-3x[n-1]+3x[n-2]-x[n-3]: a smooth low tone barely changes it, while a speech clip's first sample
    (>= 2e-3, after silence) moves it by at least that much on exactly that sample."""
    d3 = np.abs(np.diff(audio.astype(np.float64), 3, prepend=np.zeros(3)))
    active = np.flatnonzero(d3 > _SPEECH_STEP)
    if active.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(active) > min_quiet)
    return list(zip(np.r_[active[0], active[breaks + 1]].tolist(), np.r_[active[breaks], active[-1]].tolist(),
                    strict=True))


def speech_onsets(audio: np.ndarray) -> np.ndarray:
    """Samples where speech starts (see speech_stretches)."""
    return np.array([start for start, _ in speech_stretches(audio)], dtype=np.int64)


@pytest.fixture(scope="module")
def voice():
    with PyttsxVoice(rate_wpm=150) as v:
        yield v


@pytest.fixture(scope="module")
def five_minutes(voice):
    timeline = breathing_timeline(exercises.PATTERNS["extended_exhale"], speech_samples(voice), minutes=5)
    return timeline, render(timeline, voice)


def _starts(timeline: pacer.Timeline, kind: str) -> list[int]:
    return [sample_of(c.t) for c in timeline.cues if c.kind == kind]


def _say_spans(timeline: pacer.Timeline, voice) -> list[tuple[int, int]]:
    return [(sample_of(c.t), sample_of(c.t) + len(cue_audio(c, voice))) for c in timeline.cues
            if c.kind == "say"]


def test_a_five_minute_session_has_thirty_cycles_framed_by_an_intro_and_a_closing(five_minutes):
    timeline, audio = five_minutes
    phases = [c for c in timeline.cues if c.kind == "phase"]
    assert [c.phase for c in phases] == ["inhale", "exhale"] * 30
    says = [c.text for c in timeline.cues if c.kind == "say"]
    assert says[0] == wording.BREATHING_INTRO and says[-1] == wording.BREATHING_DONE
    assert says[1:5] == ["Breathe in", "And out", "Breathe in", "And out"]  # two spoken cycles, then tones
    assert len(audio) == timeline.end_sample
    assert 300 < timeline.seconds < 320


@pytest.fixture(scope="module", params=sorted(exercises.PATTERNS))
def any_pattern_five_minutes(request, voice, five_minutes):
    if request.param == "extended_exhale":
        return five_minutes
    timeline = breathing_timeline(exercises.PATTERNS[request.param], speech_samples(voice), minutes=5)
    return timeline, render(timeline, voice)


def test_every_tone_starts_exactly_on_its_scheduled_sample(any_pattern_five_minutes, voice):
    timeline, audio = any_pattern_five_minutes
    found = set(sound_onsets(audio).tolist())
    scheduled = _starts(timeline, "phase")
    assert [s for s in scheduled if s not in found] == []  # onset error: 0 samples, for every phase
    for s in scheduled:
        assert audio[s - 1] == 0.0 and audio[s] != 0.0
    spans = _say_spans(timeline, voice)
    extra = found - set(scheduled) - {start for start, _ in spans}
    assert all(any(a < s < b for a, b in spans) for s in extra), "sound starts where nothing was scheduled"


def test_a_tone_alone_begins_with_its_small_known_first_sample(five_minutes):
    timeline, audio = five_minutes
    said_at = set(_starts(timeline, "say"))
    for cue in timeline.cues:
        s = sample_of(cue.t)
        if cue.kind == "phase" and s not in said_at:
            assert audio[s] == np.float32(tones.ONSET_SAMPLE)


def test_every_onset_survives_writing_the_session_as_a_16_bit_wav(five_minutes, tmp_path):
    soundfile = pytest.importorskip("soundfile", reason="pip install soundfile")
    timeline, audio = five_minutes
    path = tmp_path / "session.wav"
    soundfile.write(path, audio, RATE, subtype="PCM_16")  # what `assistant breathe --render` writes
    pcm, rate = soundfile.read(path, dtype="float32")
    assert rate == RATE and len(pcm) == len(audio)
    assert set(_starts(timeline, "phase")) <= set(sound_onsets(pcm).tolist())
    assert set(_starts(timeline, "say")) <= set(speech_onsets(pcm).tolist())


def test_every_spoken_line_starts_exactly_on_its_scheduled_sample(any_pattern_five_minutes, voice):
    timeline, audio = any_pattern_five_minutes
    found = speech_onsets(audio).tolist()
    scheduled = _starts(timeline, "say")
    assert [s for s in scheduled if s not in found] == []  # onset error: 0 samples, for every line
    spans = _say_spans(timeline, voice)
    # anything else that looks like a speech onset is a pause inside a line, never a tone
    assert all(any(a <= s < b for a, b in spans) for s in found)


def test_speech_never_pushes_the_rhythm_the_audio_keeps_exact_four_and_six_second_breaths(five_minutes):
    timeline, audio = five_minutes
    first, last = _starts(timeline, "phase")[0], _starts(timeline, "phase")[-1]
    onsets = [s for s in sound_onsets(audio).tolist() if first <= s <= last]  # between intro and closing
    gaps = np.diff(onsets).tolist()
    assert gaps == [4 * RATE, 6 * RATE] * 29 + [4 * RATE]  # 88200 and 132300 samples, never off by one


def test_spoken_phase_words_end_before_their_tone_does(five_minutes, voice):
    timeline, _ = five_minutes
    phases = {sample_of(c.t): c for c in timeline.cues if c.kind == "phase"}
    for cue in timeline.cues:
        s = sample_of(cue.t)
        if cue.kind == "say" and s in phases:
            tone = tone_samples(sample_of(phases[s].seconds))
            assert len(cue_audio(cue, voice)) < tone, cue.text


def test_the_timeline_json_follows_the_command_line_contract(five_minutes, tmp_path):
    timeline, _ = five_minutes
    path = tmp_path / "session.json"
    write_timeline_json(timeline, path)
    cues = json.loads(path.read_text())
    assert cues[0] == {"t": 0.0, "kind": "say", "text": wording.BREATHING_INTRO}
    assert cues[1] == {"t": cues[1]["t"], "kind": "phase", "phase": "inhale", "seconds": 4.0}
    assert {tuple(sorted(c)) for c in cues} == {("kind", "t", "text"), ("kind", "phase", "seconds", "t")}
    assert read_timeline_json(path).cues == timeline.cues


@pytest.mark.parametrize("frames", [512, 1000, 4096, 22050, 10**7])
def test_streaming_five_minutes_in_blocks_gives_the_same_bytes_as_render(five_minutes, voice, frames):
    timeline, audio = five_minutes
    streamed = np.concatenate(list(Pacer(timeline, voice).blocks(frames)))
    assert streamed.tobytes() == audio.tobytes()


def test_streaming_in_odd_and_changing_block_sizes_gives_the_same_bytes_as_render(voice):
    timeline = breathing_timeline(exercises.PATTERNS["box"], speech_samples(voice), cycles=2)
    expected = render(timeline, voice)
    for frames in (7, 333):
        assert np.concatenate(list(Pacer(timeline, voice).blocks(frames))).tobytes() == expected.tobytes()
    sizes = np.random.default_rng(5).integers(1, 5000, size=10_000)
    p, parts = Pacer(timeline, voice), []
    for n in sizes:
        parts.append(p.read(int(n)))
        if p.done:
            break
    assert p.done and np.concatenate(parts).tobytes() == expected.tobytes()


def test_the_text_fallback_still_paces_every_tone_on_schedule():
    printed: list[str] = []
    text_voice = TextVoice(on_text=printed.append)
    timeline = breathing_timeline(exercises.PATTERNS["coherent"], speech_samples(text_voice), cycles=4)
    audio = render(timeline, text_voice)
    assert sound_onsets(audio).tolist() == _starts(timeline, "phase")  # tones only, each on its sample
    assert speech_onsets(audio).size == 0  # and no sound where words would be
    assert printed[0] == wording.BREATHING_INTRO and "Breathe in" in printed


def test_a_grounding_script_speaks_each_step_then_leaves_its_quiet_pause(voice):
    script = exercises.get_script("senses")
    timeline = grounding_timeline(script, speech_samples(voice))
    audio = render(timeline, voice)
    assert [c.text for c in timeline.cues] == [script.intro, *(s.line for s in script.steps), script.closing]
    assert set(_starts(timeline, "say")) <= set(speech_onsets(audio).tolist())
    starts = _starts(timeline, "say") + [timeline.end_sample]
    for k, step in enumerate(script.steps, start=1):
        spoken = len(voice.render(step.line).samples)
        assert starts[k + 1] - starts[k] == spoken + sample_of(step.pause_seconds)
        assert not audio[starts[k] + spoken:starts[k + 1]].any()  # quiet while they do it


def _play(p: Pacer, seconds: float, frames: int = 1024) -> np.ndarray:
    out = []
    target = p.position + sample_of(seconds)
    while p.position < target and not p.done:
        out.append(p.read(min(frames, target - p.position)))
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def test_stop_fades_everything_out_within_thirty_milliseconds_and_ends(voice):
    timeline = breathing_timeline(exercises.PATTERNS["extended_exhale"], speech_samples(voice), cycles=3)
    p = Pacer(timeline, voice)
    p.read(_starts(timeline, "phase")[0] + sample_of(0.3))  # into the first inhale, "Breathe in" sounding
    at = p.position
    assert p.stop()
    tail = np.concatenate(list(p.blocks(1024)))
    assert p.done and len(tail) <= sample_of(pacer.FADE_SECONDS)
    assert abs(tail[-1]) < 0.01  # faded, not cut: no click
    assert p.end_sample == at + len(tail)


def test_skip_during_breathing_moves_straight_on_to_the_closing_line(voice):
    p = Pacer(breathing_timeline(exercises.PATTERNS["extended_exhale"], speech_samples(voice), cycles=10), voice)
    _play(p, 20.0)
    p.drain_events()
    assert p.skip()
    rest = list(p.blocks(1024))
    started = [e.cue for e in p.drain_events() if e.kind == "start"]
    assert [c.kind for c in started] == ["say"] and started[0].text == wording.BREATHING_DONE
    assert len(np.concatenate(rest)) < sample_of(5.0)  # 80 s of breathing left, skipped


def test_skip_in_grounding_moves_to_the_next_step_after_the_acknowledgement(voice):
    script = exercises.get_script("movement")
    p = Pacer(grounding_timeline(script, speech_samples(voice)), voice)
    _play(p, 5.0)  # while the first step's line is being said
    p.drain_events()
    at = p.position
    p.say(wording.COMMAND_ACKS["skip"])
    p.skip()
    _play(p, 6.0)
    started = [(e.cue.text, e.sample) for e in p.drain_events() if e.kind == "start"]
    ack_end = started[0][1] + len(voice.render(wording.COMMAND_ACKS["skip"]).samples)
    assert [text for text, _ in started] == [wording.COMMAND_ACKS["skip"], script.steps[1].line]
    assert started[0][1] - at <= sample_of(0.4)  # the acknowledgement comes at once, the line it cut fades
    assert started[1][1] == ack_end + sample_of(pacer.SPEECH_GAP_SECONDS)  # the next step waits for it


@pytest.mark.parametrize("order", ["say first", "skip first"])
def test_an_acknowledgement_and_a_skip_give_the_same_audio_in_either_order(voice, order):
    script = exercises.get_script("movement")
    p = Pacer(grounding_timeline(script, speech_samples(voice)), voice)
    _play(p, 5.0)
    if order == "say first":
        p.say(wording.COMMAND_ACKS["skip"])
        p.skip()
    else:
        p.skip()
        p.say(wording.COMMAND_ACKS["skip"])
    after = [c for c in p.played_timeline().cues if c.t >= 5.0]
    assert [c.text for c in after] == [wording.COMMAND_ACKS["skip"], *(s.line for s in script.steps[1:]),
                                       script.closing]


def test_slower_stretches_the_phases_after_the_current_one_by_fifteen_percent(voice):
    p = Pacer(breathing_timeline(exercises.PATTERNS["extended_exhale"], speech_samples(voice), cycles=6), voice)
    _play(p, 12.0)  # inside the first exhale
    assert p.slower()
    phases = [c for c in p.played_timeline().cues if c.kind == "phase"]
    assert [c.seconds for c in phases] == [4.0, 6.0] + [4.6, 6.9] * 5
    assert p.faster()
    phases = [c for c in p.played_timeline().cues if c.kind == "phase"]
    assert [c.seconds for c in phases] == [4.0, 6.0] + [4.0, 6.0] * 5


def test_faster_stops_at_its_limit_and_says_so(voice):
    p = Pacer(breathing_timeline(exercises.PATTERNS["extended_exhale"], speech_samples(voice), cycles=6), voice)
    changes = [p.faster() for _ in range(5)]
    assert changes == [True, True, True, False, False]


def test_repeat_in_grounding_says_the_current_step_again_from_now(voice):
    script = exercises.get_script("senses")
    p = Pacer(grounding_timeline(script, speech_samples(voice)), voice)
    _play(p, 9.0)  # first step's line is being said or just said
    p.drain_events()
    at = p.position
    assert p.repeat()
    _play(p, 1.0)
    started = [(e.cue.text, e.sample) for e in p.drain_events() if e.kind == "start"]
    assert started == [(script.steps[0].line, at)]


def test_repeat_while_breathing_says_the_last_line_again_without_moving_the_rhythm(voice):
    timeline = breathing_timeline(exercises.PATTERNS["extended_exhale"], speech_samples(voice), cycles=4)
    p = Pacer(timeline, voice)
    p.read(_starts(timeline, "phase")[0] + sample_of(2.0))  # halfway through the first inhale
    before = [c for c in p.played_timeline().cues if c.kind == "phase"]
    assert p.repeat()
    after = p.played_timeline()
    assert [c for c in after.cues if c.kind == "phase"] == before
    assert [c.text for c in after.cues if sample_of(c.t) == p.position] == ["Breathe in"]


def test_what_a_pacer_played_after_commands_renders_to_the_same_bytes(voice):
    timeline = breathing_timeline(exercises.PATTERNS["box"], speech_samples(voice), cycles=6)
    p = Pacer(timeline, voice)
    parts = [_play(p, 9.0, 700)]
    p.say(wording.COMMAND_ACKS["slower"])
    p.slower()
    parts.append(_play(p, 20.0, 333))
    p.say(wording.COMMAND_ACKS["repeat"])
    p.repeat()
    parts.append(_play(p, 15.0, 4096))
    p.say(wording.COMMAND_ACKS["skip"])
    p.skip()
    parts.append(_play(p, 4.0, 1000))
    p.stop()
    parts += list(p.blocks(512))
    played = p.played_timeline()
    assert np.concatenate(parts).tobytes() == render(played, voice).tobytes()
    assert any(c.until is not None for c in played.cues)  # the cut-off cues say where they were cut


def test_the_current_phase_and_its_progress_drive_a_terminal_animation(voice):
    timeline = breathing_timeline(exercises.PATTERNS["extended_exhale"], speech_samples(voice), cycles=2)
    p = Pacer(timeline, voice)
    assert p.current_phase() is None  # the intro is being said
    first_inhale = _starts(timeline, "phase")[0]
    p.read(first_inhale + 2 * RATE)  # 2 s into the 4 s inhale
    cue, progress = p.current_phase()
    assert cue.phase == "inhale" and progress == pytest.approx(0.5)


def test_the_pacer_never_sleeps_time_is_counted_in_samples():
    for module in (pacer, mixer, tones):
        assert not re.search(r"\bsleep\(", inspect.getsource(module))


@pytest.mark.slow
def test_pocketsphinx_hears_the_spoken_cues_in_a_rendered_session():
    soxr = pytest.importorskip("soxr", reason="pip install soxr")
    from pocketsphinx import Decoder

    with PyttsxVoice(rate_wpm=150, voice="gmw/en-us") as us_voice:  # the bundled model is US English
        timeline = breathing_timeline(exercises.PATTERNS["extended_exhale"], speech_samples(us_voice), cycles=3)
        audio = render(timeline, us_voice)
    decoder = Decoder(samprate=16000, loglevel="FATAL")  # default en-us model, language-model search
    heard: list[str] = []
    for start, end in speech_stretches(audio, _PHRASE_QUIET):  # found in the audio, not from the timeline
        stretch = audio[max(0, start - sample_of(0.2)):end + sample_of(0.3)]
        pcm = (np.clip(soxr.resample(stretch, RATE, 16000), -1, 1) * 32767).astype("<i2").tobytes()
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        heard += decoder.hyp().hypstr.split() if decoder.hyp() else []
    said = {w for c in timeline.cues if c.kind == "say" for w in re.findall(r"[a-z']+", c.text.lower())}
    assert "breathe" in heard, heard
    assert len(said & set(heard)) >= 4, heard  # typically: if, you, like, together, as, the, breathe, how






def test_speech_is_resampled_without_folding_its_highs_back_into_the_band():
    import numpy as np

    from assistant.output.mixer import _resampled
    from assistant.output.voice import Clip
    from assistant.session.pacer import RATE

    source_rate = 44100
    t = np.arange(source_rate) / source_rate  # 1 sec
    above_nyquist = 0.5 * np.sin(2 * np.pi * (RATE / 2 + 2000) * t).astype(np.float32)  # cannot be played at RATE
    out = _resampled(Clip(above_nyquist, source_rate), RATE)
    assert len(out) == RATE
    middle = out[RATE // 10: -RATE // 10]  # the filter's edges aside
    assert np.sqrt(np.mean(middle ** 2)) < 0.01  # np.interp left it as a loud alias tone (rms 0.35)
