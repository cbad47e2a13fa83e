"""The spoken set-up as a script: a microphone check, each partner saying the word a few times and reading
a few ordinary sentences, and (for keyword search) a retake round for takes that were not heard.

Receives the word and three callables, say / listen / show, so its steps read as the script they are;
`live_io.LiveIO` binds them to the speaker and the microphone. Emits the takes and sentences (in memory only,
dropped when set-up ends: no audio is written anywhere) and, with keyword search, their `Calibration`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import TextIO

import numpy as np

from assistant.ear.take_quality import take_problem
from assistant.setup.calibration import Calibration, TakeScorer, calibrate
from assistant.setup.live_io import LiveIO

TAKES_PER_PARTNER = 3
SENTENCES_PER_PARTNER = 2
RETRIES_PER_TAKE = 2
"""A take that is not heard at all is asked for again at most this many times."""
WAIT_FOR_SPEECH_SECONDS = 8.0
"""How long to wait for someone to start speaking after a prompt."""
LONGEST_TAKE_SECONDS = 5.0
LONGEST_SENTENCE_SECONDS = 12.0
QUIET_DBFS = -45.0
"""A voice quieter than this (RMS) at the microphone is hard to hear: say so."""

SENTENCES = (
    "Can we talk about the weekend after dinner?",
    "I put the keys on the table by the front door.",
    "The weather looks lovely, shall we walk to the park later?",
    "Did you remember to call your sister back about Sunday?",
    "I think the kettle is broken again, it makes a funny noise.",
    "Let's write a list before we go to the shops.",
)
"""Ordinary talk each partner reads aloud: what the pause word must not be heard in."""

INTRO = "Hello. Let's set up Pause for each of your voices. It takes about a minute for each of you."
MIC_CHECK = "First, a microphone check. One of you, please say: hello, we are setting up."
MIC_AGAIN = "I heard nothing. Please say it again, a little louder."
FIRST_TAKE = "Partner {n}, please say the pause word shown on the screen."
NEXT_TAKE = ("Again.", "Once more.", "And once more.")
NOT_HEARD = "I didn't catch that. Please say it once more."
READ = "Now please read the sentence on the screen, in your usual voice."
NEXT_SENTENCE = "And this one."
RETAKE = "Partner {n}, please say the pause word once more."
DONE = "All set. I will listen for your pause word in each of your voices."
NOT_SET = "I could not set the word from these takes. The screen says what to try."
LEARNING = "Thank you. I am now learning your word from your voices. It takes a few minutes; the screen shows how far it is."
PARTNER_NAMES = ("one", "two", "three", "four", "five", "six")
MAX_PARTNERS = len(PARTNER_NAMES)


class SetupError(RuntimeError):
    """Set-up cannot go on (nothing heard from the microphone); the message says what to check."""


def sentences_for(word: str, partner: int, count: int = SENTENCES_PER_PARTNER) -> list[str]:
    """Ordinary sentences for a partner (0, 1, 2, ...), none holding a word of the pause word; with more
    partners than sentences they are shared round."""
    own = set(word.split())
    usable = [s for s in SENTENCES if not own & set(s.lower().replace(",", " ").replace("?", " ").split())]
    return [usable[(partner * count + j) % len(usable)] for j in range(count)] if usable else []


def check_partners(partners: int) -> int:
    """1..MAX_PARTNERS, else ValueError naming the fix."""
    if not 1 <= partners <= MAX_PARTNERS:
        raise ValueError(f"--partners {partners}: give 1 to {MAX_PARTNERS} (how many of you will use Pause)")
    return partners


def level_dbfs(clip: np.ndarray) -> float:
    """RMS level of int16 audio in dB relative to full scale."""
    rms = float(np.sqrt(np.mean(np.asarray(clip, dtype=np.float64) ** 2))) if len(clip) else 0.0
    return 20 * np.log10(max(rms, 1e-3) / 32768)


Listen = Callable[[float, float], "np.ndarray | None"]
"""listen(max_wait_seconds, longest_seconds): the next utterance (16 kHz int16), or None if nobody spoke."""


class SpokenSetup:
    """The spoken set-up as a script: microphone check, each partner's takes and sentences, calibration,
    a retake round for takes that were not heard.

    | callable       | does                                                         |
    |----------------|--------------------------------------------------------------|
    | `say(text)`    | speaks and returns once it has been heard out                |
    | `listen(w, l)` | the next utterance, waiting up to w s for it, at most l s    |
    | `show(line)`   | prints a line for the couple (and for tests to follow)       |
    """

    def __init__(self, word: str, *, say: Callable[[str], None], listen: Listen, show: Callable[[str], None],
                 choice=None, pronunciations: Mapping[str, str] | None = None, partners: int = 2,
                 takes_per_partner: int = TAKES_PER_PARTNER, sentences_per_partner: int = SENTENCES_PER_PARTNER,
                 learned: bool = False):
        self.word = word
        self.partners = check_partners(partners)
        self.say, self.listen, self.show = say, listen, show
        self._takes_per_partner = takes_per_partner
        self._sentences_per_partner = sentences_per_partner
        self.learned = learned
        """The learned ear trains on every take with speech in it (`take_quality`): keyword search's score
        decides nothing, so a voice it hears badly is never asked again and again."""
        self._scorer = None if learned else TakeScorer(word, choice=choice, pronunciations=pronunciations)
        self.takes: list[np.ndarray] = []
        """The final takes of the word (in memory only), for the learned ear's training."""
        self.sentences: list[np.ndarray] = []
        """The ordinary sentences read (in memory only)."""

    def lines(self) -> list[str]:
        """Every line the flow may say, so the voice can render them before anyone waits."""
        names = PARTNER_NAMES[:self.partners]
        firsts = [FIRST_TAKE.format(n=n) for n in names] + [RETAKE.format(n=n) for n in names]
        return [INTRO, MIC_CHECK, MIC_AGAIN, *firsts, *NEXT_TAKE, NOT_HEARD, READ, NEXT_SENTENCE, DONE, NOT_SET]

    def run(self) -> Calibration | None:
        """The takes and sentences; with keyword search, its calibration (None for the learned ear, whose
        threshold comes from the model trained on them)."""
        self.say(INTRO)
        self._check_microphone()
        takes: list[np.ndarray] = []
        owners: list[int] = []
        ordinary: list[np.ndarray] = []
        for partner in range(self.partners):
            for k in range(self._takes_per_partner):
                prompt = FIRST_TAKE.format(n=PARTNER_NAMES[partner]) if k == 0 else NEXT_TAKE[(k - 1) % 3]
                take = self._usable_take(partner, k, prompt) if self.learned else self._take(partner, k, prompt)
                if take is not None:
                    takes.append(take)
                    owners.append(partner)
            for j, sentence in enumerate(sentences_for(self.word, partner, self._sentences_per_partner)):
                clip = self._sentence(partner, j, sentence, READ if j == 0 else NEXT_SENTENCE)
                if clip is not None:
                    ordinary.append(clip)
        if self.learned:
            if not takes:
                raise SetupError(f'no take of "{self.word}" held the word said clearly: check the microphone with '
                                 "`assistant devices` (listener.input_device), then run `assistant setup` again")
            self.takes, self.sentences = takes, ordinary
            return None
        self.show("checking the takes against the sentences...")
        result = self._calibrate(takes, ordinary)
        if not result.separates and result.unheard_takes and not result.close_sentences:
            for i in result.unheard_takes:  # one more round for the takes the threshold would miss
                partner = owners[i]
                takes[i] = self._take(partner, i % self._takes_per_partner,
                                      RETAKE.format(n=PARTNER_NAMES[partner]))
            result = self._calibrate(takes, ordinary)
        self.takes, self.sentences = takes, ordinary
        return result

    def finish(self, result: Calibration) -> None:
        """Say how set-up ended."""
        self.say(DONE if result.separates else NOT_SET)

    def _calibrate(self, takes: list[np.ndarray], ordinary: list[np.ndarray]) -> Calibration:
        result = calibrate(self.word, takes, ordinary, scorer=self._scorer)  # it has heard them all
        scores = " ".join(f"{s:.2f}" for s in result.take_scores)
        self.show(f"scores: takes {scores}; sentences up to {max(result.ordinary_scores, default=0.0):.2f}")
        return result

    def _check_microphone(self) -> None:
        self.say(MIC_CHECK)
        for attempt in range(2):
            self.show("listening: microphone check (say: hello, we are setting up)")
            clip = self.listen(WAIT_FOR_SPEECH_SECONDS, LONGEST_SENTENCE_SECONDS)
            if clip is not None:
                level = level_dbfs(clip)
                self.show(f"heard: microphone check, level {level:.0f} dBFS")
                if level < QUIET_DBFS:
                    self.show("note: the microphone is very quiet: sit nearer it, or raise its input volume")
                if self._scorer is not None:
                    self._scorer.hear([clip])  # the recognizer starts adapting to the room and the voices
                return
            if attempt == 0:
                self.say(MIC_AGAIN)
        raise SetupError("heard nothing from the microphone: check that it is on and not muted, and pick it "
                         "with `assistant devices` (listener.input_device); if you did not hear me either, check "
                         "the speaker (voice.output_device)")

    def _usable_take(self, partner: int, k: int, prompt: str) -> np.ndarray | None:
        """One take of the word for the learned ear: asked again only when it holds no speech, is clipped or
        runs on far past the word (`take_problem`); None (skipped) when no try was usable."""
        name = PARTNER_NAMES[partner]
        self.say(prompt)
        for attempt in range(RETRIES_PER_TAKE + 1):
            self.show(f"listening: partner {name}, take {k + 1} of {self._takes_per_partner} (say: {self.word})")
            clip = self.listen(WAIT_FOR_SPEECH_SECONDS, LONGEST_TAKE_SECONDS)
            problem = take_problem(clip, self.word) if clip is not None else "nothing was heard"
            if problem is None:
                self.show(f"heard: partner {name}, take {k + 1}")
                return clip
            self.show(f"not usable: partner {name}, take {k + 1}: {problem}")
            if attempt < RETRIES_PER_TAKE:
                self.say(NOT_HEARD)
        self.show(f"skipped: partner {name}, take {k + 1}")
        return None

    def _take(self, partner: int, k: int, prompt: str) -> np.ndarray:
        """One take of the word; asked again when nothing, or nothing like the word, was heard."""
        name = PARTNER_NAMES[partner]
        best: np.ndarray | None = None
        self.say(prompt)
        for attempt in range(RETRIES_PER_TAKE + 1):
            self.show(f"listening: partner {name}, take {k + 1} of {self._takes_per_partner} (say: {self.word})")
            clip = self.listen(WAIT_FOR_SPEECH_SECONDS, LONGEST_TAKE_SECONDS)
            score = self._scorer.score(clip) if clip is not None else 0.0
            if clip is not None:
                self.show(f"heard: partner {name}, take {k + 1} (score {score:.2f})")
                best = clip
            if score > 0.0:
                return clip  # type: ignore[return-value]
            if attempt < RETRIES_PER_TAKE:
                self.say(NOT_HEARD)
        if best is None:
            raise SetupError(f"heard nothing from partner {name}: check the microphone with `assistant devices` "
                             "(listener.input_device), then run `assistant setup` again")
        return best  # calibration will say it was not heard

    def _sentence(self, partner: int, j: int, sentence: str, prompt: str) -> np.ndarray | None:
        name = PARTNER_NAMES[partner]
        self.show(f"read aloud: {sentence}")
        self.say(prompt)
        for attempt in range(2):
            self.show(f"listening: partner {name}, sentence {j + 1} of {self._sentences_per_partner}")
            clip = self.listen(WAIT_FOR_SPEECH_SECONDS, LONGEST_SENTENCE_SECONDS)
            if clip is not None:
                if self._scorer is not None:
                    self._scorer.hear([clip])
                self.show(f"heard: partner {name}, sentence {j + 1}")
                return clip
            if attempt == 0:
                self.say(NOT_HEARD)
        return None


def run_spoken(config, word: str, choice, input_device: str | None, output_device: str | None,
               out: TextIO = sys.stdout, learned: bool = False, partners: int = 2) -> tuple[Calibration | None, list, list]:
    """The spoken flow on the real microphone and speaker: (calibration, takes, sentences). The takes
    stay in memory; the caller drops them."""
    flow = SpokenSetup(word, say=lambda text: None, listen=lambda w, n: None,
                       show=lambda line: print(line, file=out, flush=True), choice=choice,
                       pronunciations=config.listener.pronunciations, partners=partners, learned=learned)
    io = LiveIO(config, input_device, output_device, out)
    try:
        flow.say, flow.listen = io.say, io.listen
        io.start(flow.lines())
        io.chime()
        result = flow.run()
        if learned:
            io.say(LEARNING)
        else:
            flow.finish(result)
        return result, flow.takes, flow.sentences
    finally:
        io.close()


__all__ = [
    "DONE",
    "FIRST_TAKE",
    "INTRO",
    "LEARNING",
    "LONGEST_SENTENCE_SECONDS",
    "LONGEST_TAKE_SECONDS",
    "MAX_PARTNERS",
    "MIC_AGAIN",
    "MIC_CHECK",
    "NEXT_SENTENCE",
    "NEXT_TAKE",
    "NOT_HEARD",
    "NOT_SET",
    "PARTNER_NAMES",
    "QUIET_DBFS",
    "READ",
    "RETAKE",
    "RETRIES_PER_TAKE",
    "SENTENCES",
    "SENTENCES_PER_PARTNER",
    "TAKES_PER_PARTNER",
    "WAIT_FOR_SPEECH_SECONDS",
    "Listen",
    "SetupError",
    "SpokenSetup",
    "check_partners",
    "level_dbfs",
    "run_spoken",
    "sentences_for",
]
