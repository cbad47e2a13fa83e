"""Commitments in the store: kept after a yes, brought back, kept, changed or let go; text only, never audio.

Receives a commitment's words (after the couple said yes to its read-back) and each check's outcome. Emits
plain `Commitment` records and per-week counts for the history. Every write is one transaction: a change of
wording and its record land together or not at all, so a crash leaves the commitment as it was.
Mixed into `Store` (queries.py), whose `_write` / `_read` it uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from assistant.store.timecodes import stamp, unstamp

__all__ = ["CHECK_OUTCOMES", "MAX_TEXT", "Commitment", "CommitmentQueries", "clean_text"]

CHECK_OUTCOMES = ("kept", "not_yet", "changed", "dropped")
"""How a commitment went when it was brought back ("dropped": the couple let it go)."""
MAX_TEXT = 500
"""Characters a commitment may hold: a sentence or two, said aloud."""

_COLUMNS = ("c.id, c.created_at, c.text, c.by, c.status, c.closed_at, c.last_checked_at, "
            "(SELECT count(*) FROM commitment_checks k WHERE k.commitment_id = c.id AND k.outcome = 'kept'), "
            "(SELECT count(*) FROM commitment_checks k WHERE k.commitment_id = c.id AND k.outcome = 'changed')")


@dataclass(frozen=True, slots=True)
class Commitment:
    """A promise one partner made aloud and the couple chose to keep."""

    id: int
    """Stable id, never reused (`assistant commitments kept ID`)."""
    created_at: datetime
    """When it was kept (UTC): after the yes."""
    text: str
    """The partner's own words, as last worded ("I'll tell you when I'm late")."""
    by: str | None
    """Whose it is (a name from commitments.partners), or None."""
    status: str
    """open | dropped (let go)."""
    closed_at: datetime | None
    """When it was let go (UTC), or None."""
    last_checked_at: datetime | None
    """When it was last brought back and answered (UTC), or None."""
    times_kept: int = 0
    """How often the couple said it was kept."""
    times_changed: int = 0
    """How often its wording was changed."""


def _commitment(row: tuple) -> Commitment:
    id_, created, text, by, status, closed, checked, kept, changed = row
    return Commitment(id=id_, created_at=unstamp(created), text=text, by=by, status=status,
                      closed_at=unstamp(closed), last_checked_at=unstamp(checked), times_kept=kept,
                      times_changed=changed)


def clean_text(text: str) -> str:
    """The words to store, or ValueError saying what to fix."""
    text = " ".join(text.split())
    if not text:
        raise ValueError("a commitment needs some words, e.g. \"I'll tell you when I'm going to be late\"")
    if len(text) > MAX_TEXT:
        raise ValueError(f"a commitment is at most {MAX_TEXT} characters (this one is {len(text)}); "
                         "say it in a sentence or two")
    return text


class CommitmentQueries:
    """The commitment reads and writes of `Store` (it provides `_write` and `_read`)."""

    def add_commitment(self, text: str, by: str | None, now: datetime) -> Commitment:
        """Keep a commitment the couple said yes to; ValueError for empty or overlong text."""
        text = clean_text(text)
        with self._write("keep the commitment") as conn:
            cur = conn.execute("INSERT INTO commitments (created_at, text, by) VALUES (?, ?, ?)",
                               (stamp(now), text, by or None))
            row = conn.execute(f"SELECT {_COLUMNS} FROM commitments c WHERE c.id = ?", (cur.lastrowid,)).fetchone()
        return _commitment(row)

    def commitment(self, commitment_id: int) -> Commitment | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM commitments c WHERE c.id = ?", (commitment_id,),
                          "read the commitment")
        return _commitment(rows[0]) if rows else None

    def open_commitments(self) -> list[Commitment]:
        """Commitments not let go, oldest first: the order they are brought back in."""
        rows = self._read(f"SELECT {_COLUMNS} FROM commitments c WHERE c.status = 'open' ORDER BY c.id", (),
                          "read the commitments")
        return [_commitment(r) for r in rows]

    def listed_commitments(self, now: datetime, recent: timedelta = timedelta(days=30)) -> list[Commitment]:
        """Open ones and those let go within `recent` of `now`, oldest first (`assistant commitments`)."""
        rows = self._read(f"SELECT {_COLUMNS} FROM commitments c WHERE c.status = 'open' OR c.closed_at >= ? "
                          "ORDER BY c.id", (stamp(now - recent),), "read the commitments")
        return [_commitment(r) for r in rows]

    def check_commitment(self, commitment_id: int, outcome: str, now: datetime,
                         text: str | None = None) -> Commitment | None:
        """Record how an open commitment went (CHECK_OUTCOMES; "changed" needs the new `text`), in one
        transaction. None when there is no open commitment with that id (unknown, or let go)."""
        if outcome not in CHECK_OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(CHECK_OUTCOMES)}, not {outcome!r}")
        if outcome == "changed":
            text = clean_text(text or "")
        with self._write("record the commitment") as conn:
            row = conn.execute("SELECT text FROM commitments WHERE id = ? AND status = 'open'",
                               (commitment_id,)).fetchone()
            if row is None:
                return None
            at = stamp(now)
            if outcome == "changed":
                conn.execute("UPDATE commitments SET text = ? WHERE id = ?", (text, commitment_id))
            if outcome == "dropped":
                conn.execute("UPDATE commitments SET status = 'dropped', closed_at = ? WHERE id = ?",
                             (at, commitment_id))
            conn.execute("UPDATE commitments SET last_checked_at = ? WHERE id = ?", (at, commitment_id))
            conn.execute("INSERT INTO commitment_checks (commitment_id, at, outcome, old_text) VALUES (?, ?, ?, ?)",
                         (commitment_id, at, outcome, row[0] if outcome == "changed" else None))
            found = conn.execute(f"SELECT {_COLUMNS} FROM commitments c WHERE c.id = ?", (commitment_id,)).fetchone()
        return _commitment(found)

    def _commitment_counts(self, bump) -> None:
        """Adds commitments made, kept and changed to the history's weeks (`bump(at, field)`)."""
        for (at,) in self._read("SELECT created_at FROM commitments", (), "read the history"):
            bump(at, "commitments_made")
        for at, outcome in self._read("SELECT at, outcome FROM commitment_checks WHERE outcome IN "
                                      "('kept', 'changed')", (), "read the history"):
            bump(at, f"commitments_{outcome}")

