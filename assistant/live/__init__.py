"""The live session: the assistant on live audio (or typed lines), between the detectors, the pure core and
the output.

Receives microphone blocks (16 kHz int16) or typed lines (`session.LiveSession`). Emits what the voice output
plays and one printed line per thing heard or said; what the core decides (pauses, agreed times, guided
sessions, readings) is kept in the store by `records`. Two dialogs run at desks of their own: agreeing a
resume time (`agreeing`) and commitments (`commitments`). `app.build_app` assembles it; `app.drive` feeds it.
"""
