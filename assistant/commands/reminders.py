"""`assistant reminders`: the agreed resume times still to come (and readings cut short), the rituals switched on
in config and when each comes next; cancel an agreed time."""

from __future__ import annotations

import argparse
import calendar
import json
from datetime import datetime, timedelta

from assistant.commands import EXIT_OK, UserError, config_of
from assistant.commands.stored import open_store
from assistant.scheduler import Scheduler
from assistant.store import StoreError


def cmd_reminders(args: argparse.Namespace) -> int:
    """List reminders still to come (and readings a crash cut short, which come again), or cancel one by id."""
    config = config_of(args)  # its ritual_grace_minutes says how long a reading cut short is still read again
    with open_store() as store:
        if args.action == "cancel":
            if args.id is None:
                raise UserError("which one? assistant reminders cancel ID (ids are listed by `assistant reminders`)")
            try:
                cancelled = store.cancel(args.id)
            except StoreError as e:  # a read-only data folder: the reminder stays, and the line says how to fix
                raise UserError(str(e)) from e
            if not cancelled:
                raise UserError(f"no pending reminder with id {args.id}; `assistant reminders` lists them")
            print(json.dumps({"event": "cancelled", "id": args.id}) if args.json else f"cancelled reminder {args.id}")
            return EXIT_OK
        scheduler = Scheduler.from_config(store, config.reminders)
        now = datetime.now().astimezone()
        cut_short = scheduler.cut_short(now)
        pending = store.pending_agreements()
        rituals = scheduler.ritual_listing(now)
    grace = timedelta(minutes=config.reminders.ritual_grace_minutes)
    if args.json:
        for a in cut_short:
            print(json.dumps({"event": "reminder", "id": a.id, "resume_at": a.due_at.isoformat(),
                              "agreed_at": a.created_at.isoformat(), "heard": a.heard, "status": "cut_short",
                              "read_again_until": _read_again_until(a, grace).isoformat()}))
        for a in pending:
            print(json.dumps({"event": "reminder", "id": a.id, "resume_at": a.due_at.isoformat(),
                              "agreed_at": a.created_at.isoformat(), "heard": a.heard, "status": a.status}))
        for at, ritual, status in rituals:
            until = {"read_again_until": (at + grace).isoformat()} if status == "cut_short" else {}
            print(json.dumps({"event": "ritual", "name": ritual.name, "spoken": ritual.spoken, "at": at.isoformat(),
                              "status": status, "every": _every(ritual)} | until))
    elif not pending and not cut_short and not rituals:
        print("no reminders pending")
    else:
        print(reminders_table([*cut_short, *pending], grace, rituals))
    return EXIT_OK


def _every(ritual) -> str:
    """ "day" or the weekday's name: how often a ritual comes."""
    return "day" if ritual.weekday is None else calendar.day_name[ritual.weekday]


def _read_again_until(agreement, grace):
    """The last moment a listener that starts still reads again a reading cut short, in the agreement's zone."""
    return (agreement.fired_at + grace).astimezone(agreement.resume_at.tzinfo)


def _reminder_status(agreement, grace) -> str:
    if agreement.status == "fired":  # its reading began and never finished: a crash cut it short
        until = _read_again_until(agreement, grace)
        return f"cut short: read again when the assistant starts (by {until:%a %d %b %H:%M})"
    if agreement.status == "pending":
        return "to come"
    return f"snoozed (agreed for {agreement.resume_at:%a %d %b %H:%M})"


def _ritual_status(at, status: str, grace) -> str:
    if status == "cut_short":  # as for an agreement: read again if a listener starts within the grace
        return f"cut short: read again when the assistant starts (by {at + grace:%a %d %b %H:%M})"
    return {"to_come": "to come", "snoozed": "snoozed"}[status]


def reminders_table(reminders, grace, rituals=()) -> str:
    """A header row, then one row per agreement: the time it will be read (or was, for a reading cut short, read
    again within `grace`), its status, and what was said when (the phrase alone, "in 20 minutes", read like a
    countdown that had not moved); then one row per ritual time, "-" for an id (a ritual is switched off in
    config, not cancelled), with where it is set."""
    rows = [("ID", "REMINDER AT", "STATUS", "AGREED")]
    for a in reminders:
        agreed_at = a.created_at.astimezone(a.resume_at.tzinfo)
        rows.append((str(a.id), f"{a.due_at:%a %d %b %H:%M}", _reminder_status(a, grace),
                     f'"{a.heard}" on {agreed_at:%a %d %b %H:%M}'))
    for at, ritual, status in rituals:
        rows.append(("-", f"{at:%a %d %b %H:%M}", _ritual_status(at, status, grace),
                     f"the {ritual.spoken}, every {_every(ritual)} (config: reminders.{ritual.name})"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{row[0]:>{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}".rstrip()
                     for row in rows)
