"""Spoken resume times: exact-match accuracy of speech -> time over a build's time clips.

    .venv/bin/python scripts/bench_times.py [--build ../corpus-build/full] [--extra DIR ...] [--errors]

Each DIR holds a manifest.json with "time_phrases" (wav, phrase, now, expected: an ISO datetime or REJECT),
as written by ../shared/corpus/corpus.py. A clip is right when the recognised words parse to exactly the
expected instant, or, for REJECT, when they are not understood. Runs in process (the same path as
`assistant when --audio`): prints per-clip misses, first-use latency (model load), and per-clip decode time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.audio.files import read_audio
from assistant.speech import times
from assistant.timeparse import NotUnderstood, parse_now, parse_resume_time


def score(build: Path, show_errors: bool) -> tuple[int, int, list[float]]:
    clips = json.loads((build / "manifest.json").read_text())["time_phrases"]
    right, decode_s = 0, []
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
        if not ok and show_errors:
            got = "not understood" if isinstance(result, NotUnderstood) else result.resume_at.isoformat()
            print(f"  MISS {clip['wav']} [{clip.get('voice', '?')}] {clip['phrase']!r} heard {heard!r} -> {got}"
                  f" (want {clip['expected']})")
    return right, len(clips), decode_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, action="append", default=[],
                        help="folder with manifest.json (default ../corpus-build/full); may repeat")
    parser.add_argument("--extra", type=Path, action="append", default=[],
                        help="another folder of time clips with its own manifest.json; may repeat")
    parser.add_argument("--errors", action="store_true", help="print every miss")
    args = parser.parse_args()
    builds = (args.build or [REPO.parent / "corpus-build" / "full"]) + args.extra

    began = time.perf_counter()
    times.transcribe_time(read_audio(next(
        b / c["wav"] for b in builds for c in json.loads((b / "manifest.json").read_text())["time_phrases"])))
    first_use = time.perf_counter() - began
    print(f"first use (model load + one clip): {first_use:.2f} s")
    for build in builds:
        right, n, decode_s = score(build, args.errors)
        print(f"{build}: {right}/{n} right ({right / max(n, 1):.1%}); decode per clip "
              f"median {statistics.median(decode_s) * 1000:.0f} ms, max {max(decode_s) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
