#!/usr/bin/env python3
"""Render a corpus where every stream's pause word is one word, in more voices than the development corpus:
for measuring one word's listener on material the development corpus holds little of (it has 18 "timeout").

    .venv/bin/python scripts/make_word_corpus.py --word timeout --out /work/exp/tcorpus
    .venv/bin/python scripts/bench_ear.py --build /work/exp/tcorpus --only listener

It copies `../shared/corpus/lists`, keeps only `--word` as the pause word, adds the voices of the time set's
TEST part (`make_time_set.VOICES["test"]`: accents and engines the development corpus lacks) and renders it
with `../shared/corpus/corpus.py` (its rooms, noise, lead-ins and near misses). The defaults (seed 11,
12 streams of 4 minutes: 72 words, 0.8 h) are those of the figures in the notes.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from make_time_set import VOICES


def word_lists(source: Path, dest: Path, word: str, seed: int, streams: int) -> None:
    """`source`'s lists with one pause word, the TEST voices added, and another seed and stream count."""
    shutil.copytree(source, dest, dirs_exist_ok=True)
    (dest / "pause_words.txt").write_text(f"# every stream: one word\n{word}\n", encoding="utf-8")
    voices = (dest / "voices.txt").read_text(encoding="utf-8").splitlines()
    voices += [v for v in sorted(VOICES["test"]) if v not in voices]
    (dest / "voices.txt").write_text("\n".join(voices) + "\n", encoding="utf-8")
    toml = (dest / "corpus.toml").read_text(encoding="utf-8")
    toml = re.sub(r"(?m)^seed = .*$", f"seed = {seed}", toml)
    toml = re.sub(r"(?m)^streams = .*$", f"streams = {streams}", toml)
    (dest / "corpus.toml").write_text(toml, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--word", default="timeout")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--streams", type=int, default=12)
    ap.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="word-lists-") as folder:
        lists = Path(folder) / "lists"
        word_lists(args.corpus / "lists", lists, args.word, args.seed, args.streams)
        return subprocess.run([sys.executable, str(args.corpus / "corpus.py"), "--lists", str(lists),
                               "--out", str(args.out)], check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
