"""Spoken resume times: exact-match accuracy of speech -> time over a build's time clips.

    .venv/bin/python scripts/bench_times.py [--build ../corpus-build/full] [--extra DIR ...] [--errors]

Each DIR holds a manifest.json with "time_phrases" (wav, phrase, now, expected: an ISO datetime or REJECT),
as written by ../shared/corpus/corpus.py. A clip is right when the recognised words parse to exactly the
expected instant, or, for REJECT, when they are not understood. Runs in process (the same path as
`assistant when --audio`, and the same words: every clip is decoded as a fresh process would): prints per-clip
misses, the model's build time on a first start (empty cache) and load time on later starts, accuracy per
voice engine (espeak, flite, piper), and per-clip decode time.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.audio.files import read_audio
from assistant.speech import times
from assistant.timeparse import NotUnderstood, parse_now, parse_resume_time


def score(build: Path, show_errors: bool) -> tuple[int, int, list[float], dict[str, list[int]]]:
    clips = json.loads((build / "manifest.json").read_text())["time_phrases"]
    right, decode_s = 0, []
    by_engine: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])  # engine -> [right, clips]
    for clip in clips:
        audio = read_audio(build / clip["wav"])
        began = time.perf_counter()
        heard = times.transcribe_time(audio)
        decode_s.append(time.perf_counter() - began)
        result = parse_resume_time(heard, parse_now(clip["now"]), min_break=timedelta(minutes=20),
                                   max_break=timedelta(hours=48))
        if clip["expected"] == "REJECT":
            ok = isinstance(result, NotUnderstood)
        else:
            ok = not isinstance(result, NotUnderstood) and \
                result.resume_at == datetime.fromisoformat(clip["expected"])
        right += ok
        engine = by_engine[clip.get("voice", "?").split(":")[0]]
        engine[0] += ok
        engine[1] += 1
        if not ok and show_errors:
            got = "not understood" if isinstance(result, NotUnderstood) else result.resume_at.isoformat()
            print(f"  MISS {clip['wav']} [{clip.get('voice', '?')}] {clip['phrase']!r} heard {heard!r} -> {got}"
                  f" (want {clip['expected']})")
    return right, len(clips), decode_s, by_engine


def load_seconds() -> tuple[float, float]:
    """(first start: build the model into an empty cache and load it, later start: load it from the cache)."""
    old = os.environ.get("ASSISTANT_CACHE_DIR")
    with tempfile.TemporaryDirectory() as empty:
        os.environ["ASSISTANT_CACHE_DIR"] = empty
        times._time_decoder.cache_clear()
        began = time.perf_counter()
        times._time_decoder()
        cold = time.perf_counter() - began
    if old is None:
        os.environ.pop("ASSISTANT_CACHE_DIR")
    else:
        os.environ["ASSISTANT_CACHE_DIR"] = old
    times._time_decoder.cache_clear()
    times._time_decoder()  # into the real cache, if not there yet
    times._time_decoder.cache_clear()
    began = time.perf_counter()
    times._time_decoder()
    return cold, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, action="append", default=[],
                        help="folder with manifest.json (default ../corpus-build/full); may repeat")
    parser.add_argument("--extra", type=Path, action="append", default=[],
                        help="another folder of time clips with its own manifest.json; may repeat")
    parser.add_argument("--errors", action="store_true", help="print every miss")
    args = parser.parse_args()
    builds = (args.build or [REPO.parent / "corpus-build" / "full"]) + args.extra

    cold, warm = load_seconds()
    print(f"model: first start (build + load) {cold:.2f} s, later starts (load from cache) {warm:.2f} s")
    for build in builds:
        right, n, decode_s, by_engine = score(build, args.errors)
        engines = ", ".join(f"{e} {r}/{c}" for e, (r, c) in sorted(by_engine.items()))
        print(f"{build}: {right}/{n} right ({right / max(n, 1):.1%}; {engines}); decode per clip "
              f"median {statistics.median(decode_s) * 1000:.0f} ms, max {max(decode_s) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
