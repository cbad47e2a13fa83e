"""The data folder's store, opened for a command: a problem opening it is one line, exit 2."""

from __future__ import annotations

from assistant import store
from assistant.commands import UserError


def open_store() -> store.Store:
    try:
        return store.open_store()
    except store.StoreError as e:
        raise UserError(str(e)) from e
