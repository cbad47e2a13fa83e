"""Measure the time parser on a table of phrases: accuracy, then every mismatch.

    .venv/bin/python scripts/bench_timeparse.py TABLE.tsv [--tz Europe/London] [--json]

Each line of TABLE.tsv is `phrase<TAB>now<TAB>expected`; more columns are ignored, as are blank lines, lines
starting with `#` and a header line whose first field is `phrase`.
- now: ISO 8601 with an offset ("2026-11-24T15:00:00+00:00"). A fixed offset knows no DST, so add the zone
  the RFC 9557 way ("2026-03-28T21:00:00+00:00[Europe/London]") or pass --tz, which puts every `now` into that
  zone (a `now` without an offset is then read as wall time there).
- expected: ISO 8601, compared as an instant when it has an offset and as wall time in now's zone when it
  has none; or REJECT for a phrase that must come back NotUnderstood.
Exit 0 after a run (whatever the accuracy), 2 with a one-line reason on bad input.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.timeparse import NotUnderstood, ResumeTime, parse_resume_time

_REJECT = "REJECT"


class BadTable(Exception):
    """A line that cannot be read; the message names the line."""


@dataclass(frozen=True)
class Case:
    line: int
    phrase: str
    now: datetime
    expected: datetime | None
    """None means REJECT."""
    expected_text: str


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise BadTable(f"unknown time zone {name!r}") from e


def _read_now(text: str, zone: ZoneInfo | None, line: int) -> datetime:
    text = text.strip()
    if text.endswith("]") and "[" in text:
        text, name = text[:-1].split("[", 1)
        zone = _zone(name)
    try:
        now = datetime.fromisoformat(text)
    except ValueError as e:
        raise BadTable(f"line {line}: now {text!r} is not ISO 8601") from e
    if now.tzinfo is None:
        if zone is None:
            raise BadTable(f"line {line}: now {text!r} has no offset; add one or pass --tz")
        return now.replace(tzinfo=zone)
    return now.astimezone(zone) if zone is not None else now


def _read_expected(text: str, now: datetime, line: int) -> datetime | None:
    text = text.strip()
    if text.upper() == _REJECT:
        return None
    try:
        expected = datetime.fromisoformat(text)
    except ValueError as e:
        raise BadTable(f"line {line}: expected {text!r} is neither ISO 8601 nor {_REJECT}") from e
    return expected if expected.tzinfo is not None else expected.replace(tzinfo=now.tzinfo)


def read_table(path: Path, zone: ZoneInfo | None) -> list[Case]:
    cases = []
    with path.open(newline="", encoding="utf-8") as f:
        for number, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), start=1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if number == 1 and row[0].strip().lower() == "phrase":
                continue
            if len(row) < 3:
                raise BadTable(f"line {number}: expected phrase<TAB>now<TAB>expected, got {len(row)} field(s)")
            now = _read_now(row[1], zone, number)
            cases.append(Case(number, row[0], now, _read_expected(row[2], now, number), row[2].strip()))
    return cases


def _matches(case: Case, result: ResumeTime | NotUnderstood) -> bool:
    if case.expected is None:
        return isinstance(result, NotUnderstood)
    return (isinstance(result, ResumeTime)
            and result.resume_at.astimezone(UTC) == case.expected.astimezone(UTC))


def _got(result: ResumeTime | NotUnderstood) -> str:
    if isinstance(result, ResumeTime):
        return result.resume_at.isoformat()
    return f"{_REJECT} ({result.reason})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", type=Path, help="TSV of phrase<TAB>now<TAB>expected")
    parser.add_argument("--tz", help="IANA zone for every now, e.g. Europe/London (for DST rules)")
    parser.add_argument("--json", action="store_true", help="one JSON object per mismatch, then a summary")
    args = parser.parse_args(argv)
    try:
        zone = _zone(args.tz) if args.tz else None
        cases = read_table(args.table, zone)
    except (BadTable, OSError) as e:
        print(f"bench_timeparse: {e}", file=sys.stderr)
        return 2
    if not cases:
        print(f"bench_timeparse: no cases in {args.table}", file=sys.stderr)
        return 2

    mismatches = []
    correct = {"time": 0, "reject": 0}
    totals = {"time": 0, "reject": 0}
    for case in cases:
        kind = "reject" if case.expected is None else "time"
        totals[kind] += 1
        result = parse_resume_time(case.phrase, case.now)
        if _matches(case, result):
            correct[kind] += 1
        else:
            mismatches.append((case, result))

    for case, result in mismatches:
        if args.json:
            print(json.dumps({"event": "mismatch", "line": case.line, "phrase": case.phrase,
                              "now": case.now.isoformat(), "expected": case.expected_text, "got": _got(result)}))
        else:
            print(f"line {case.line}: {case.phrase!r} at {case.now.isoformat()}\n"
                  f"    expected {case.expected_text}\n    got      {_got(result)}")
    accuracy = sum(correct.values()) / len(cases)
    if args.json:
        print(json.dumps({"event": "summary", "cases": len(cases), "correct": sum(correct.values()),
                          "accuracy": round(accuracy, 4), "times": [correct["time"], totals["time"]],
                          "rejects": [correct["reject"], totals["reject"]]}))
    else:
        print(f"accuracy {accuracy:.1%} ({sum(correct.values())}/{len(cases)}): "
              f"times {correct['time']}/{totals['time']}, rejects {correct['reject']}/{totals['reject']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
