"""`assistant breathe` and `assistant ground`: an exercise played live, or rendered to files."""

from __future__ import annotations

import argparse
from pathlib import Path

import soundfile as sf

from assistant.audio.devices import DeviceError
from assistant.audio.player import StreamPlayer
from assistant.commands import EXIT_OK, UserError, config_of
from assistant.config import Config
from assistant.output import mixer
from assistant.output.mixer import speech_samples
from assistant.output.timeline_file import write_timeline_json
from assistant.output.view import SessionView
from assistant.output.voice import voice_from_config
from assistant.session import exercises, pacer


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse an output file that cannot be written before any work is done (one line naming the fix)."""
    for option, path in (("--render", args.render), ("--timeline", args.timeline)):
        if not path:
            continue
        target = Path(path)
        folder = target.parent
        if target.is_dir():
            raise UserError(f"{option} {path}: is a folder; give a file name, e.g. {target / 'calm.wav'}"
                            if option == "--render" else f"{option} {path}: is a folder; give a file name, "
                            f"e.g. {target / 'calm.json'}")
        if folder.exists() and not folder.is_dir():
            raise UserError(f"{option} {path}: {folder} is a file, not a folder; choose a file in a folder")
        if not folder.is_dir():
            raise UserError(f"{option} {path}: the folder {folder} does not exist; create it "
                            f"(mkdir -p {folder}) or choose another place")
        if option == "--render" and target.suffix.lower() != ".wav":
            wav = target.with_suffix(".wav") if target.suffix else target.with_name(target.name + ".wav")
            if target.suffix:
                raise UserError(f"--render {path}: only WAV audio is written, not {target.suffix}; give {wav} "
                                f"and convert it afterwards if you need to (sox {wav} {path})")
            raise UserError(f"--render {path}: give the file a .wav ending, e.g. {wav}")


def cmd_breathe(args: argparse.Namespace) -> int:
    config = config_of(args)
    _check_outputs(args)
    session = config.session
    try:
        custom = exercises.parse_patterns(session.patterns)
        pattern = exercises.get_pattern(args.pattern or session.pattern, custom)
        if args.cycles is None and args.minutes is None:
            cycles, minutes = (session.cycles or None), (None if session.cycles else session.minutes)
        else:
            cycles, minutes = args.cycles, args.minutes
        voice = voice_from_config(config.voice)
        timeline = pacer.breathing_timeline(pattern, speech_samples(voice), cycles=cycles, minutes=minutes,
                                            spoken_cycles=session.spoken_cycles)
    except (KeyError, ValueError) as e:
        raise UserError(str(e).strip("'\"")) from e
    return _play_or_render(args, config, timeline, voice)


def cmd_ground(args: argparse.Namespace) -> int:
    config = config_of(args)
    _check_outputs(args)
    try:
        script = exercises.get_script(args.script or config.session.grounding or exercises.DEFAULT_SCRIPT)
    except KeyError as e:
        raise UserError(str(e).strip("'\"")) from e
    voice = voice_from_config(config.voice)
    return _play_or_render(args, config, pacer.grounding_timeline(script, speech_samples(voice)), voice)


def _play_or_render(args: argparse.Namespace, config: Config, timeline, voice) -> int:
    """--render/--timeline write files; otherwise play live (Ctrl-C stops gently)."""
    if args.timeline:
        try:
            write_timeline_json(timeline, args.timeline)
        except OSError as e:
            raise UserError(f"--timeline {args.timeline}: cannot write it ({e.strerror or e}); "
                            "choose a file in a folder you can write to") from e
    if args.render:
        audio = mixer.render(timeline, voice)
        try:
            sf.write(args.render, audio, timeline.rate, subtype="PCM_16")
        except (OSError, sf.LibsndfileError) as e:
            raise UserError(f"--render {args.render}: cannot write it ({str(e).splitlines()[0]}); "
                            "choose a .wav file in a folder you can write to") from e
    if args.render or args.timeline:
        print(f"{timeline.seconds:.1f} s, {len(timeline.cues)} cues"
              + (f" -> {args.render}" if args.render else "") + (f" -> {args.timeline}" if args.timeline else ""))
        return EXIT_OK
    live = mixer.Pacer(timeline, voice)
    try:
        player = StreamPlayer(live.read, timeline.rate, args.output or config.voice.output_device or None)
    except DeviceError as e:
        raise UserError(str(e)) from e
    with SessionView() as view:
        player.start()
        try:
            while not player.wait(0.1):
                view.update(live)
        except KeyboardInterrupt:
            live.stop()
            player.wait(2)
        finally:
            player.close()
    return EXIT_OK
