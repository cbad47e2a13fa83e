"""Yes and no: the phrases that count as each, shared by the agreement dialog (session/dialog.py) and the
recogniser of spoken answers (hearing/answers.py), so neither stage has to import the other. Pure, no I/O."""

from __future__ import annotations

YES_PHRASES = ("yes", "yeah", "yep", "that's right", "correct", "sounds good", "okay", "sure", "right", "alright",
               "all right", "that works", "perfect", "exactly")
""""sure", "right", "alright" and the rest are everyday yeses: without them a couple answering "sure" to the
read-back was asked again, typed or spoken (the grammar had no word for it and heard "tomorrow" or "so")."""
NO_PHRASES = ("no", "nope", "not right", "that's wrong", "wrong", "not now", "no thanks", "no thank you",
              "incorrect", "that's not right", "not quite", "not really", "nah", "negative")
""""incorrect" and the rest are everyday noes: without "incorrect" the recogniser heard "correct" in it, and
the learned model a yes (espeak en-us, en-gb and en-us+f2 all read back as a yes)."""
NEGATIONS = frozenset({"no", "not", "nope", "wrong", "isn't", "don't", "nothing", "never", "incorrect", "nah",
                       "negative"})
"""Words that rule a yes out wherever they are heard in an answer."""


def yes_or_no(text: str) -> str | None:
    """"yes", "no" or None for a typed or recognised answer."""
    words = " ".join(text.lower().replace("’", "'").split()).strip(" .!?,")
    if words in YES_PHRASES or words.split(" ")[0] in ("yes", "yeah", "yep"):
        return "yes"
    if words in NO_PHRASES or words.split(" ")[0] in ("no", "nope"):
        return "no"
    return None


__all__ = ["NEGATIONS", "NO_PHRASES", "YES_PHRASES", "yes_or_no"]
