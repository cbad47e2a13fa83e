"""Every line the session speaks, in one place, so tone of voice can be reviewed and changed without code.

Guidelines the lines follow: warm and brief; no blame and no judging of either partner; choice offered, never
ordered ("if you like"); the first word of the acknowledgement is short so it can start at once.
"""

from __future__ import annotations

from collections.abc import Iterable

PAUSE_ACK = "Okay. We're pausing now."
"""Said right after the pause word is heard; its first word is one short syllable, so sound comes at once."""

BREATHING_INTRO = (
    "If you like, we can breathe together. "
    "The tone rises as you breathe in, and falls as you breathe out."
)
BREATHING_DONE = "Well done. Notice how your body feels right now."

PHASE_WORDS = {
    "inhale": "Breathe in",
    "sigh_inhale": "A little more",
    "hold": "Hold",
    "exhale": "And out",
    "hold_out": "Rest",
}
"""Spoken at a phase's start during the first cycles only; after that the tones carry the rhythm alone."""

ENCOURAGEMENT = (
    "Nice and slow.",
    "There's no rush.",
    "Let your shoulders soften.",
    "Just this breath.",
    "You're doing fine.",
)
"""Short lines spread through a longer breathing session, one at a time, at the start of an exhale."""

COMMAND_ACKS = {
    "stop": "Okay, we'll stop here. I'm here whenever you need a pause.",
    "skip": "Okay, let's move on.",
    "slower": "Sure, a little slower.",
    "faster": "Okay, a little quicker.",
    "repeat": "Of course.",
}
"""The acknowledgement for each in-session command, said at once when the command is heard."""
NO_RUSH = "There's no rush here."
"""The acknowledgement for slower or faster where nothing is being paced."""
CLOSING_SKIPPED = "Okay."

AGREE_INVITE = "When you both feel ready, let's pick a time to come back to this talk. When would suit you?"
"""Hand-over to agreeing when to resume (the dialog itself belongs to the agreement issue)."""
AGREE_LATER = "That's fine. When you're ready, you can choose a time on the computer: type assistant agree, and the time."
"""Said when no time is chosen in the session; `assistant agree "friday morning"` does it later."""
STOP_OFFER = ("Okay, we'll stop here. If you like, we can choose a time to come back to this talk. "
              "When would suit you? Or just say no.")
"""Said after a stop during an exercise (not a false alarm): once, and a no or silence ends it."""
OFFER = "{choices}? Or say another time."
"""The offered times (`session.choices`) in place of "When would suit you?": choosing is easier than composing
a time when flooded, and a closed set is heard far more reliably."""
STOP_OFFER_CHOICES = "Or just say no."


def agree_invite(choices: str = "") -> str:
    """The invitation to pick a time, offering `choices` ("in twenty minutes, in an hour, ...") when given."""
    if not choices:
        return AGREE_INVITE
    return AGREE_INVITE.replace("When would suit you?", OFFER.format(choices=choices[0].upper() + choices[1:]))


def stop_offer(choices: str = "") -> str:
    """The one offer after a stop, with `choices` when given (a no or silence ends it)."""
    if not choices:
        return STOP_OFFER
    return STOP_OFFER.replace("When would suit you? Or just say no.",
                              OFFER.format(choices=choices[0].upper() + choices[1:]) + " " + STOP_OFFER_CHOICES)
OFFER_DECLINED = "Okay. I'm here whenever you need a pause."
CLOSING = "Thank you both for taking this pause. Be gentle with yourselves."

COMMAND_PHRASES = {
    "stop": ("stop", "that's enough", "enough", "false alarm"),
    "skip": ("skip", "next"),
    "slower": ("slower", "slow down"),
    "faster": ("faster", "speed up"),
    "repeat": ("repeat", "say that again", "again"),
}
"""What a partner may say for each command (canonical name -> phrases); the listener's command vocabulary."""
FALSE_ALARM_PHRASES = ("false alarm",)
"""Said during a session: stop, and the pause word was not meant (the ear learns from it)."""
FALSE_ALARM_SECONDS = 6.0
"""A plain stop this soon after the pause word was heard also counts as a false alarm."""

GROUNDING = {
    # name -> (intro, ((step line, seconds to do it), ...), closing)
    "senses": (
        "Let's come back to the room for a moment, using your senses.",
        (
            ("Look around, and find five things you can see.", 15.0),
            ("Now four things you can touch. Notice how each one feels.", 15.0),
            ("Listen for three sounds, near or far.", 12.0),
            ("Find two things you can smell, or think of two smells you like.", 10.0),
            ("And one thing you can taste. A slow sip of water works well.", 10.0),
        ),
        "Good. You're here, in this room, right now.",
    ),
    "movement": (
        "Let's give the body a little movement.",
        (
            ("Roll your shoulders slowly, back and down, a few times.", 12.0),
            ("Press your feet into the floor, and feel it holding you up.", 10.0),
            ("Reach your arms up high, then let them float back down.", 10.0),
            ("Shake out your hands for a few seconds.", 8.0),
        ),
        "Notice whether the body feels a little looser now.",
    ),
    "temperature": (
        "Warmth or coolness can help the body settle.",
        (
            ("If you can, hold something cool, like a glass of cold water, or splash some on your face.",
             20.0),
            ("Or wrap both hands around something warm, like a mug.", 15.0),
            ("Notice the temperature on your skin, and how it slowly changes.", 12.0),
        ),
        "Simply noticing is enough.",
    ),
    "weighted": (
        "Something with weight can feel steadying.",
        (
            ("If one is close by, rest a heavy blanket or a cushion across your lap.", 15.0),
            ("Feel its weight pressing down, steady and still.", 12.0),
            ("Or press your palms together firmly for a few breaths, then slowly let go.", 12.0),
        ),
        "Stay with that steady feeling for a moment.",
    ),
}
"""Grounding scripts: each step is a line plus the seconds of quiet given to do it."""


def command_vocabulary() -> tuple[str, ...]:
    """All command phrases, for ListenFor while a session runs or the assistant speaks."""
    return tuple(phrase for phrases in COMMAND_PHRASES.values() for phrase in phrases)


def all_lines() -> tuple[str, ...]:
    """Every fixed line, so a voice can render them ahead of time (the acknowledgement must start fast)."""
    lines = [PAUSE_ACK, BREATHING_INTRO, BREATHING_DONE, NO_RUSH, CLOSING_SKIPPED, AGREE_INVITE, AGREE_LATER,
             STOP_OFFER, OFFER_DECLINED, CLOSING, *PHASE_WORDS.values(), *ENCOURAGEMENT, *COMMAND_ACKS.values()]
    for intro, steps, closing in GROUNDING.values():
        lines += [intro, *(line for line, _ in steps), closing]
    return tuple(dict.fromkeys(lines))


def plain_line(text: str) -> str:
    """A typed or heard line as plain lower-case words (apostrophes kept), for matching phrases."""
    return " ".join("".join(c if c.isalnum() or c == "'" else " " for c in text.lower()).split())


def typed_pause_word(line: str, pause_words: Iterable[str]) -> str | None:
    """The pause word a typed line contains (as whole words), or None."""
    padded = f" {plain_line(line)} "
    for word in pause_words:
        if f" {plain_line(word)} " in padded:
            return word
    return None


__all__ = [
    "AGREE_INVITE", "AGREE_LATER", "BREATHING_DONE", "BREATHING_INTRO", "CLOSING", "CLOSING_SKIPPED",
    "COMMAND_ACKS", "COMMAND_PHRASES", "ENCOURAGEMENT", "FALSE_ALARM_PHRASES", "FALSE_ALARM_SECONDS", "GROUNDING",
    "NO_RUSH", "OFFER", "OFFER_DECLINED", "PAUSE_ACK", "PHASE_WORDS", "STOP_OFFER", "STOP_OFFER_CHOICES",
    "agree_invite", "all_lines", "command_vocabulary", "plain_line", "stop_offer", "typed_pause_word",
]
