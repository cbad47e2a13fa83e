"""`assistant doctor`: check each part the assistant relies on and say how to fix what is wrong."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant import stray_files
from assistant.audio.devices import DeviceError, find_device, list_devices
from assistant.config import Config
from assistant.store import data_dir
from assistant.store.location import cache_folder
from assistant.supervisor import log_dir


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    """What was found, or the fix."""


def run_checks(config: Config) -> Iterator[Check]:
    """Engine and model, pause-word vocabulary, microphone, speaker, text-to-speech; then whether any of them
    wrote a file outside the assistant's own folders while it was checked."""
    began = time.time()
    with stray_files.private_temporary_folder() as tmp:
        yield from _part_checks(config)
        left = sorted(p for p in tmp.rglob("*") if p.is_file())  # not folders: PulseAudio's client makes an empty one
    yield _stray_file_check(began, left)


def _part_checks(config: Config) -> Iterator[Check]:
    # deferred: each part loads inside run_checks' watched window (stray files), and `devices` and `service`
    # share this module: the engines ~0.19 s, measured with -X importtime after commands.system
    from assistant.hearing import engines, recognizer, vosk_engine

    try:
        choice = engines.choose_engine(config)
        yield Check("engine", True, choice.reason)
    except engines.EngineError as e:
        yield Check("engine", False, str(e))
        choice = None
    if choice is not None:
        for word in config.listener.pause_words:
            try:
                engines.build_recognizer(choice, [word], pronunciations=config.listener.pronunciations)
                yield Check(f'pause word "{word}"', True, f"the {choice.name} model knows it")
            except (recognizer.VocabularyError, vosk_engine.ModelError) as e:
                yield Check(f'pause word "{word}"', False, str(e))

    yield _hearing_check(config)
    if config.listener.detector == "learned":
        yield from _ear_checks(config)
    yield from _device_checks(config)
    yield _voice_check(config)


def _hearing_check(config: Config) -> Check:
    """The recogniser of what is said after the pause word: which model, and how long it takes to load."""
    # deferred: Whisper (faster-whisper, CTranslate2) ~0.2-0.45 s, measured with -X importtime; see _part_checks
    from assistant.hearing.whisper import RecogniserError, WhisperRecogniser

    try:
        recogniser = WhisperRecogniser(config.hearing.model or None)
    except RecogniserError as e:
        return Check("speech recogniser", False, str(e))
    return Check("speech recogniser", True, f"Whisper {recogniser.name} from {recogniser.model_dir}, loaded in "
                 f"{recogniser.load_seconds:.1f} s (times, yes and no, commands)")


def _ear_checks(config: Config) -> Iterator[Check]:
    """The learned ear: its front-end loads, and each pause word has a head (or will learn one)."""
    # deferred: the learned ear (scipy, onnxruntime at use) ~2 s, measured with -X importtime; see _part_checks
    from assistant.ear import embedding, training, word_head

    try:
        embedding.SpeechEmbedder()
        yield Check("word model front-end", True, "speech embedding (openwakeword's ONNX files) loads")
    except embedding.FrontEndError as e:
        yield Check("word model front-end", False, str(e))
        return
    for word in config.listener.pause_words:
        path = training.find_head(word, data_dir(), training.default_recipe())
        if path is None:
            yield Check(f'word model "{word}"', True, "not learned yet: `assistant setup` (or the first "
                        "`listen`) learns it in a few minutes")
            continue
        try:
            head = word_head.WordHead.load(path)
        except word_head.HeadError as e:
            yield Check(f'word model "{word}"', False, str(e))
            continue
        voices = head.info.get("enrolled_windows", 0)
        whose = "with your own voices" if voices else "from synthetic voices (`assistant setup` adds yours)"
        yield Check(f'word model "{word}"', True, f"learned {whose}: {path}")
    yield _learned_check(config)


def _learned_check(config: Config) -> Check:
    """What the ear learned at home: how much it holds and how to empty it."""
    # deferred: numpy and the ear's front-end, ~0.5 s alone (10 ms after _ear_checks), with -X importtime
    from assistant.ear.learned_store import MAX_WINDOWS, learned_summary

    if not config.listener.learn:
        return Check("learning at home", True, "off (listener.learn = false): nothing is kept")
    stores = learned_summary(data_dir())
    if not stores:
        return Check("learning at home", True, "on; nothing learned yet (near misses and cancelled pauses are "
                     "kept as numbers, never audio)")
    parts = [f'"{s["word"]}": {s["near_miss"]} near miss(es), {s["cancelled"]} cancelled pause(s), '
             f'{s["bytes"] / 1e6:.1f} MB' for s in stores]
    return Check("learning at home", True, "; ".join(parts) + f" (at most {MAX_WINDOWS} per word, about 18 MB; "
                 "`assistant forget` empties it, listener.learn = false stops it)")


def _device_checks(config: Config) -> Iterator[Check]:
    try:
        devices = list_devices()
    except DeviceError as e:
        yield Check("audio", False, str(e))
        return
    for kind, spec, key in (("input", config.listener.input_device, "listener.input_device"),
                            ("output", config.voice.output_device, "voice.output_device")):
        label = "microphone" if kind == "input" else "speaker"
        try:
            index = find_device(spec or None, kind)  # type: ignore[arg-type]
        except DeviceError as e:
            yield Check(label, False, str(e))
            continue
        if index is None:  # the system default: is there one at all?
            channels = "inputs" if kind == "input" else "outputs"
            index = next((d["index"] for d in devices if d.get(f"default_{kind}") and d[channels]),
                         next((d["index"] for d in devices if d[channels]), None))
        if index is None:
            yield Check(label, False, f"no {label} found: connect one, then pick it with `assistant devices` "
                                      f"and set {key} in config.toml")
            continue
        name = next((d["name"] for d in devices if d["index"] == index), str(index))
        yield Check(label, True, f"{name} (device {index})")


def _voice_check(config: Config) -> Check:
    if not config.voice.enabled:
        return Check("text-to-speech", True, "turned off in config (voice.enabled = false): words are printed")
    if shutil.which("espeak-ng") is None and shutil.which("espeak") is None:
        return Check("text-to-speech", False, "espeak-ng is missing: sudo apt install espeak-ng")
    # deferred: numpy, ~0.2 s after commands.system (13 ms after the engines), with -X importtime
    from assistant.output.voice import PyttsxVoice, VoiceUnavailable

    try:
        with PyttsxVoice(config.voice.rate_wpm, config.voice.voice, config.voice.volume) as voice:
            clip = voice.render("Hello.")
    except VoiceUnavailable as e:
        return Check("text-to-speech", False, str(e))
    if clip.seconds <= 0:
        return Check("text-to-speech", False, "the voice produced no sound: sudo apt install espeak-ng")
    return Check("text-to-speech", True, f"pyttsx3 renders speech ({clip.seconds:.1f} s for a test word)")


def _stray_file_check(began: float, left_in_tmp: list[Path]) -> Check:
    """Files a dependency wrote outside the data, cache and log folders while the checks loaded everything,
    or left in their temporary folder."""
    written = stray_files.files_written_since(began, own=(data_dir(), cache_folder(), log_dir()))
    written += [Path("$TMPDIR") / p.name for p in left_in_tmp]
    old = stray_files.known_leftovers()
    if written:
        shown = ", ".join(str(p) for p in written[:3]) + (f" and {len(written) - 3} more" if len(written) > 3 else "")
        return Check("files outside Pause's folders", False, f"a library wrote {shown} while the parts were "
                     "checked: please report it (Pause promises to write nothing else); the files can be deleted")
    if old:
        return Check("files outside Pause's folders", False, f"{_home_relative(old[0])} holds onnxruntime's "
                     "telemetry, written by another program or an older Pause (which now turns it off): "
                     f"delete it with `rm -r {old[0]}`")
    return Check("files outside Pause's folders", True, "none written while the parts were checked")


def _home_relative(path: Path) -> str:
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)
