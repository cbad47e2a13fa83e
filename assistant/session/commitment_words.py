"""What the assistant says about commitments, and a commitment said in the first person read back in the second.

Receives a commitment in the partner's own words ("I'll tell you when I'm late"). Emits the read-back
("You'll tell them when you're late.") and the fixed lines of making and bringing back commitments. Pure.
The lines name the effort and never score: a commitment not kept yet is a reason to ask, not a fault.
"""

from __future__ import annotations

import re

__all__ = ["CHECK_PHRASES", "LINES", "check_answer", "read_back", "second_person"]

_FIRST_TO_SECOND = {
    "i": "you", "i'm": "you're", "i'll": "you'll", "i've": "you've", "i'd": "you'd", "me": "you", "my": "your",
    "mine": "yours", "myself": "yourself", "im": "you're", "ill": "you'll", "ive": "you've",
}
"""The speaker becomes "you": it is read back to them. ("ill" and "ive": typed without the apostrophe.)"""
_SECOND_TO_THIRD = {
    "your": "their", "yours": "theirs", "yourself": "themselves", "you're": "they're", "you'll": "they'll",
    "you've": "they've", "you'd": "they'd",
}
"""The partner the promise was made to becomes "them": both hear it, and "you" now means the speaker."""
_AFTER_I = {"am": "are", "was": "were"}
"""Verbs that change with the subject ("I am" -> "you are")."""
_CLAUSE_OPENERS = frozenset({
    "and", "but", "or", "so", "when", "whenever", "if", "because", "before", "after", "until", "till", "while",
    "that", "as", "once", "since", "unless", "where", "though", "although"})
"""A "you" after one of these (or at the start) is the subject of a clause: "they", not "them"."""
_TOKEN = re.compile(r"[A-Za-z']+|[^A-Za-z']+")


def _you(previous: str | None, following: str | None) -> str:
    """The partner's "you" as "they" (a subject: at the start, after a clause opener or a comma, and with a word
    after it) or "them" (an object: "tell you", "with you")."""
    opens = previous is None or previous in _CLAUSE_OPENERS or previous in {",", ";", ":", ".", "!", "?"}
    return "they" if opens and following is not None else "them"


def second_person(text: str) -> str:
    """The commitment as the assistant says it back: "I'll call you at lunch" -> "You'll call them at lunch."

    "I", "my", "me", "myself" (and contractions) become "you", "your", "you", "yourself"; the partner's "you",
    "your" become "they"/"them", "their"; "we" and "us" stay. The first letter is capitalised and the sentence
    ends with a full stop.
    """
    tokens = _TOKEN.findall(" ".join(text.replace("’", "'").split()).strip(" .!?,;:"))
    words = [i for i, t in enumerate(tokens) if t[0].isalpha() or t[0] == "'"]
    marks = {i: t.strip() for i, t in enumerate(tokens) if i not in words and t.strip()}
    out = list(tokens)
    for n, i in enumerate(words):
        low = tokens[i].lower()
        prev_i = words[n - 1] if n else None
        previous = None if prev_i is None else next(
            (marks[j] for j in range(i - 1, prev_i, -1) if j in marks), tokens[prev_i].lower())
        following = tokens[words[n + 1]].lower() if n + 1 < len(words) else None
        if low in _FIRST_TO_SECOND:
            out[i] = _FIRST_TO_SECOND[low]
        elif low in _SECOND_TO_THIRD:
            out[i] = _SECOND_TO_THIRD[low]
        elif low == "you":
            out[i] = _you(previous, following)
        elif low in _AFTER_I and previous == "i":
            out[i] = _AFTER_I[low]
    said = "".join(out).strip()
    if not said:
        return ""
    return said[0].upper() + said[1:] + "."


LINES = {
    "ask": "What would you like to commit to? Say it in your own words.",
    "confirm": "{said} Shall I keep that?",
    "unsure": "Sorry, I didn't catch all of that. Please say it once more.",
    "yes_or_no": "Please say yes or no.",
    "whose": "Whose is it? {names}? Or say skip.",
    "kept_new": "I'll keep it, and ask how it's going at your next check-in.",
    "not_kept": "Alright, I haven't kept it. Say it again in other words, or say never mind.",
    "never_mind": "Okay. Nothing is kept.",
    "invite": "If this brings a commitment to mind, say: make a commitment.",
    "check_intro": "Now the commitments you made. I'll read them one at a time. For each, say kept, not yet, "
                   "let's change it, or let it go.",
    "check_item": "{said} How has it gone?",
    "check_again": "You can say kept, not yet, let's change it, or let it go.",
    "thanks_kept": "Thank you for keeping that.",
    "not_yet": "That's alright. Shall I keep it for next time?",
    "still_kept": "I'll keep it.",
    "let_go": "Alright, I've let that one go. Commitments can change as you do.",
    "change_ask": "What would you like it to be? Say it in your own words.",
    "changed": "Changed. Thank you for making it fit.",
    "unchanged": "Alright, it stays as it was.",
    "check_done": "That's all of them. Thank you for looking at them together.",
    "check_stopped": "Alright, the rest can wait for next time.",
}
"""Every fixed line of making and bringing back commitments ({said}: a read-back; {names}: the partners)."""

CHECK_PHRASES: dict[str, tuple[str, ...]] = {
    "done": ("we're done", "we are done", "that's enough", "stop"),
    "drop": ("let it go", "let's let it go", "let that go", "drop it", "let go"),
    "change": ("let's change it", "change it", "let us change it", "change", "change that"),
    "not_yet": ("not yet", "not really", "not quite", "partly", "working on it", "no"),
    "kept": ("kept", "kept it", "i kept it", "we kept it", "yes", "did it", "i did", "done it"),
}
"""How a partner answers "How has it gone?" (canonical -> phrases), checked in this order."""


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("’", "'")).split())


def check_answer(text: str) -> str | None:
    """"kept", "not_yet", "change", "drop", "done" for an answer said or typed in its words, or None.

    A phrase counts anywhere in the answer ("I think we kept it"); a "not" or "haven't" with "kept" is a "not
    yet", never a kept."""
    padded = f" {_plain(text)} "
    negated = any(f" {w} " in padded for w in ("not", "haven't", "didn't", "hasn't", "no"))
    for name, phrases in CHECK_PHRASES.items():
        if any(f" {p} " in padded for p in phrases):
            if name == "kept" and negated:
                return "not_yet"
            return name
    return None


def read_back(text: str) -> str:
    """The question after a commitment is said: its second-person form, then whether to keep it."""
    return LINES["confirm"].format(said=second_person(text))
