"""Sound and sight out: the assistant's voice, the streaming mixer, the voice output, the terminal view and
the timeline file.

Receives the actions and timelines the pure core in assistant/session/ plans (`Say`, `PlayCue`, a pacer
plan). Emits sound for the speaker (through `audio/`'s player), lines on the terminal, and the facts the
session waits for (`SpeakingStarted`, `Spoken`). The voice (`voice`: espeak-ng, pyttsx3 or printed text)
renders a line to a clip; `voice_output` mixes clips and cues into one stream.
"""
