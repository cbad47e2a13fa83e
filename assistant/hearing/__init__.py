"""Hearing what is said: the answers while agreeing a resume time, the commands, and keyword search.

Receives one utterance at a time (the voice-activity gate's audio), or a stream of blocks for keyword
search. Emits `Heard`: the words taken, whether they are sure enough to act on, and which evidence decided
(`answers`, from Whisper tiny.en in `whisper`); `KeywordHeard` from a small vocabulary (`detector` over the
`recognizer` protocol, built by `engines` on PocketSphinx or Vosk); and the second stage's judgement of a
pause-word candidate (`word_check`, with the words that sound like it from `near_misses`). Nothing here
decides what the session does with what was heard (that is `session/`), and nothing here knows the
pause-word model (that is `ear/`, which builds on this package).
"""
