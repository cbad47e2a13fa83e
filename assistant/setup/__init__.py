"""Set-up: `assistant setup` chooses the pause word and learns it from the couple's own voices.

Receives the command's options (`configure`): the word, then the couple's takes of it and a few ordinary
sentences, said now (`spoken`, on the speaker and microphone through `live_io`) or given as recordings, and
optionally their knock (`knock`). Emits the word's trained head (`learning`, into the data folder) and the
word, threshold and knock pattern saved to config.toml. The threshold comes from the takes' scores
(`calibration`). The takes live in memory only and are dropped when set-up ends: no audio is written anywhere.
Set-up speaks and listens through the live app's parts, so it sits above `app.py`.
"""
