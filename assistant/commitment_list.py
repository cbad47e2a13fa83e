"""Listing commitments and recording one by id: shared by `assistant commitments` and typed `listen --text`.

Receives the store, an action (kept / change / drop) with an id as typed, and `now`. Emits plain lines, JSON-
ready dicts, or `CommitmentInputError` with one line that names the fix (an unknown id points to the list).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from assistant.session.commitment_words import second_person
from assistant.store import Commitment, Store

__all__ = ["ACTIONS", "EMPTY", "CommitmentInputError", "as_json", "match_name", "parse_id", "record", "table"]

ACTIONS = {"kept": "kept", "change": "changed", "drop": "dropped"}
"""Command word -> the outcome stored."""
EMPTY = ('No commitments yet. Make one by saying "make a commitment" to the assistant, or with '
         "`assistant commitments add TEXT`.")


class CommitmentInputError(ValueError):
    """Bad input about a commitment; the message is one line naming the fix."""


def parse_id(text: str, action: str) -> int:
    """The id a command was given, or CommitmentInputError saying where ids come from."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = 0
    if value <= 0:
        raise CommitmentInputError(f"commitments {action} ID: give the number `assistant commitments` lists, "
                                   f"not {text!r}")
    return value


def match_name(name: str, partners: Sequence[str]) -> str:
    """`--by NAME` as config spells it; any name when no partners are configured."""
    if not partners:
        return " ".join(name.split())
    for partner in partners:
        if partner.lower() == name.strip().lower():
            return partner
    raise CommitmentInputError(f"--by {name}: not one of commitments.partners in config ({', '.join(partners)}); "
                               "use one of those names, or leave --by out")


def record(store: Store, action: str, commitment_id: int, now: datetime, text: str | None = None) -> Commitment:
    """Record kept / change / drop for an open commitment; CommitmentInputError for an unknown or let-go id."""
    try:
        done = store.check_commitment(commitment_id, ACTIONS[action], now, text)
    except ValueError as e:
        raise CommitmentInputError(f"commitments {action} {commitment_id}: {e}") from e
    if done is None:
        known = store.commitment(commitment_id)
        why = "was let go already" if known is not None else "is not a commitment"
        raise CommitmentInputError(f"commitments {action} {commitment_id}: {commitment_id} {why}; "
                                   "`assistant commitments` lists the open ones with their ids")
    return done


def as_json(commitment: Commitment) -> dict:
    """One commitment for `--json`: its words as said and as read back, whose, when made and last checked."""
    c = commitment
    return {"event": "commitment", "id": c.id, "text": c.text, "said_back": second_person(c.text), "by": c.by,
            "status": c.status, "made_at": c.created_at.isoformat(),
            "last_checked_at": c.last_checked_at.isoformat() if c.last_checked_at else None,
            "times_kept": c.times_kept, "times_changed": c.times_changed,
            "let_go_at": c.closed_at.isoformat() if c.closed_at else None}


def table(commitments: Sequence[Commitment], zone: tzinfo | None = None) -> str:
    """A header row, then one row per commitment (open ones and those let go lately), or one kind line."""
    if not commitments:
        return EMPTY
    rows = [("ID", "MADE", "LAST CHECKED", "KEPT", "STATUS", "WORDS")]
    for c in commitments:
        checked = f"{c.last_checked_at.astimezone(zone):%a %d %b}" if c.last_checked_at else "not yet asked"
        status = "open" if c.status == "open" else f"let go {c.closed_at.astimezone(zone):%d %b}"
        whose = f" ({c.by})" if c.by else ""
        rows.append((str(c.id), f"{c.created_at.astimezone(zone):%a %d %b}", checked, f"{c.times_kept}x", status,
                     f'"{c.text}"{whose}'))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join("  ".join(f"{cell:<{widths[i]}}" if i < 5 else cell for i, cell in enumerate(row)).rstrip()
                     for row in rows)
