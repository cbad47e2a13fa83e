"""Hearing what is said after the pause word: the answers while agreeing a resume time and the commands.

Receives one utterance at a time (the voice-activity gate's audio). Emits `Heard`: the words taken, whether
they are sure enough to act on, and which evidence decided (`answers`). The recogniser is Whisper tiny.en
(`whisper`); nothing here decides what the session does with an answer (that is `session/`).
"""
