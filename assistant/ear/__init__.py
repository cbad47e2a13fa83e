"""The ear: the pause-word model, and everything that trains it and keeps it learning.

Receives 16 kHz int16 audio (live blocks, a file's, the couple's takes at set-up). Emits `WordHit`s for the
pause word: Google's speech-embedding front-end (`embedding`) turns every 80 ms into 96 numbers, a small head
per word (`word_head`) reads the last 1.28 s of them, fused with keyword search and the second stage
(`fusion`). The head is trained on this machine from the typed word (`training`, from `tts_voices`,
`augment` and the shipped negative bank), from the couple's takes (`enrollment`, `take_quality`), and again
at home from what the listener heard (`adaptation`, `learned_store`); `build` assembles the detector that
`listen` and `detect` share. It hears through `hearing/`'s recognizer protocol and keyword engines; it never
reaches the app, the live loop, the commands or set-up.
"""
