"""`assistant setup`: the couple choose the pause word and set its threshold from their own voices.

Receives the word (typed, or `--word`), then from the microphone each partner saying it a few times and
reading a few ordinary sentences. Emits the threshold `calibration.calibrate` chooses, saved with the word
to config.toml (`config_edit`). The takes live in memory only and are dropped when set-up ends: no audio
is written anywhere.

The word is typed, not spoken: keyword spotting listens for a word it is told, it cannot learn a new one by
ear. The spoken flow (`SpokenSetup`) reaches the devices only through three callables, say / listen / show,
so its steps read as the script they are; `LiveIO` binds them to the speaker and the microphone.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from assistant.app import build_app
from assistant.audio.devices import DeviceError
from assistant.audio.echo import EchoGuard
from assistant.audio.files import read_audio
from assistant.audio.knock import KnockDetector, KnockPattern, pattern_from_takes
from assistant.audio.player import BLOCK_SAMPLES, QUEUE_BLOCKS
from assistant.audio.vad import FRAME_SAMPLES, VadGate
from assistant.calibration import Calibration, TakeScorer, calibrate, heard_summary, learned_threshold
from assistant.config import Config, load_config
from assistant.config_edit import check_writable, save_knock, save_pause_word, user_config_path
from assistant.ear import enrollment
from assistant.ear.build import ProgressBar
from assistant.ear.fusion import FusedSpotter
from assistant.ear.take_quality import take_problem
from assistant.ear.training import default_recipe, find_head, head_path, train_head
from assistant.ear.word_head import HeadSpotter, WordHead
from assistant.events import SpeakingStarted, Spoken
from assistant.hearing.detector import threshold_for
from assistant.hearing.engines import build_recognizer, choose_engine
from assistant.store import data_dir

TAKES_PER_PARTNER = 3
SENTENCES_PER_PARTNER = 2
RETRIES_PER_TAKE = 2
"""A take that is not heard at all is asked for again at most this many times."""
MAX_WORDS = 4
"""A pause word is a word or a short phrase."""
WAIT_FOR_SPEECH_SECONDS = 8.0
"""How long to wait for someone to start speaking after a prompt."""
LONGEST_TAKE_SECONDS = 5.0
LONGEST_SENTENCE_SECONDS = 12.0
QUIET_DBFS = -45.0
"""A voice quieter than this (RMS) at the microphone is hard to hear: say so."""
SAMPLE_RATE = 16000

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
KNOCK_INTRO = ("Now the knock. Agree on a pattern, say two knocks on the table, and knock it each time I ask, "
               "the same way.")
KNOCK_NOW = "Knock it now."
KNOCK_TAKES = 3
KNOCK_SECONDS = 4.0
"""How long each knock take is listened to."""


class SetupError(RuntimeError):
    """Set-up cannot go on (nothing heard from the microphone); the message says what to check."""


def normalise_word(text: str) -> str:
    """Lower case, single spaces; raises ValueError with the fix for an empty or too long phrase."""
    word = " ".join(text.lower().replace(",", " ").split()).strip(" .!?")
    if not word:
        raise ValueError("no pause word given: type a word or short phrase, e.g. timeout")
    if len(word.split()) > MAX_WORDS:
        raise ValueError(f'"{word}" is long for a pause word: use at most {MAX_WORDS} words, e.g. "time to breathe"')
    if not all(c.isalpha() or c in " '-" for c in word):
        raise ValueError(f'"{word}": use letters only (numbers as words, e.g. "code four")')
    return word


def check_word(word: str, choice, pronunciations: Mapping[str, str] | None = None) -> None:
    """Raise VocabularyError (with the listener's warning and a working alternative) if the model does not
    know the word, exactly as `listen` would."""
    build_recognizer(choice, [word], pronunciations=pronunciations)


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


def knock_pattern_from(clips: list[np.ndarray]):
    """The couple's knock pattern (`KnockPattern`) from takes of it (16 kHz int16, each a few seconds), each
    heard with quiet around it as the listener hears it. Raises ValueError with what to try."""
    takes = []
    for clip in clips:
        detector = KnockDetector(KnockPattern(level_db=0.0))  # level: measured here, set from these takes
        pad = np.zeros(SAMPLE_RATE, np.int16)
        detector.process(np.concatenate([pad, np.asarray(clip, np.int16), pad]))
        detector.flush()
        takes.append(detector.knocks)
    return pattern_from_takes(takes)


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


class LiveIO:
    """say / listen on the real speaker and microphone: one continuous output stream, one input stream.

    While the voice speaks, microphone blocks are read and dropped (until ECHO_TAIL_SECONDS after the
    speaker has played the line out), so the prompt's own sound is never taken for a partner's voice. Utterances are cut by
    a VAD gate with a short hangover, so a take costs the couple well under a second of waiting.
    """

    ECHO_TAIL_SECONDS = 0.4
    """After a line has left the player's queue: the device's own latency and the room's echo."""
    HANGOVER_MS = 700
    """Silence that ends an utterance: longer than a pause between words, short enough not to wait long."""
    MIN_SPEECH_SECONDS = 0.25
    """Sound shorter than this is not an answer (measured: a recording's lead-in noise opened the gate for
    60 ms, and the take cut there held no word)."""

    def __init__(self, config, input_device: str | None = None, output_device: str | None = None,
                 out: TextIO = sys.stdout) -> None:
        self.out = out
        app = build_app(config, session=False, input_device=input_device, output_device=output_device)
        self.output, self.mic, self.player = app.output, app.mic, app.start_player()
        self._blocks: Iterator[np.ndarray] = self.mic.frames()
        self.spoken_seconds = 0.0
        """Seconds of speech the couple listened to (prompts), for the benchmark."""
        self.heard_seconds = 0.0
        """Seconds of audio taken as utterances (takes, sentences), for the benchmark."""

    def start(self, lines: list[str]) -> None:
        """Render every line now (so no prompt waits on speech synthesis) and wait for the microphone."""
        for line in lines:
            self.output.voice.render(line)
        if not self.mic.wait_started(timeout=5):
            raise DeviceError("the microphone delivered no audio in 5 s: check it with `assistant devices` and "
                              "set listener.input_device in config.toml")

    def chime(self) -> None:
        """The chime, queued ahead of the next line: the speaker check."""
        self.output.cue("chime")

    def say(self, text: str) -> None:
        """Speak `text`; return once the speaker has sounded it out, timed on the output's own clock.

        Microphone blocks are read and dropped meanwhile: a backlog from a slow step goes at once, and no
        later sound of the prompt is taken for an answer.
        """
        clip_seconds = self.output.voice.render(text).seconds
        # Counted on the speaker's clock: the samples the player holds between the voice output and the
        # speaker, plus the echo tail.
        echo = EchoGuard(self.ECHO_TAIL_SECONDS, self.output.rate, queued_samples=QUEUE_BLOCKS * BLOCK_SAMPLES)
        self.output.say(text)
        limit = round((clip_seconds + 10.0) * SAMPLE_RATE)  # a stalled player must not hang set-up
        heard = 0
        spoken = False
        while heard < limit:
            heard += len(next(self._blocks))
            for fact in self.output.drain():
                if isinstance(fact, SpeakingStarted):
                    print(f"assistant: {fact.text}", file=self.out, flush=True)
                elif isinstance(fact, Spoken) and fact.text == text:
                    spoken = True
                    echo.sounding(self.output.samples_played)
            if spoken and echo.quiet(self.output.samples_played):
                break
        self.spoken_seconds += clip_seconds

    def listen(self, max_wait_seconds: float, longest_seconds: float) -> np.ndarray | None:
        """The next utterance, pre-roll included; a blip (a click, a breath) that opens the gate for less
        than MIN_SPEECH_SECONDS is not one, and listening goes on."""
        gate = VadGate(hangover_ms=self.HANGOVER_MS)
        hangover = self.HANGOVER_MS * SAMPLE_RATE // 1000
        frames: list[np.ndarray] | None = None
        waited = taken = lead = 0
        while True:
            block = next(self._blocks)
            out = gate.process(block)
            if frames is None:
                waited += len(block)
                if not out.opened and waited > max_wait_seconds * SAMPLE_RATE:
                    return None
            new = [op for op in out.ops if not isinstance(op, int)]
            if out.opened:
                frames, taken = [], 0
                lead = sum(len(f) for f in new) - FRAME_SAMPLES  # the pre-roll handed over on opening
            if frames is None:
                continue
            frames.extend(new)
            taken += sum(len(f) for f in new)
            if out.closed and taken - lead - hangover < self.MIN_SPEECH_SECONDS * SAMPLE_RATE:
                frames = None  # too short to be someone speaking
                continue
            if out.closed or taken >= longest_seconds * SAMPLE_RATE:
                self.heard_seconds += taken / SAMPLE_RATE
                return np.concatenate(frames)

    def record(self, seconds: float) -> np.ndarray:
        """The next `seconds` of microphone audio, whatever it holds (a knock does not open a speech gate)."""
        blocks, taken = [], 0
        while taken < seconds * SAMPLE_RATE:
            block = next(self._blocks)
            blocks.append(block)
            taken += len(block)
        return np.concatenate(blocks)

    def close(self) -> None:
        self.player.close()
        self.mic.close()



@dataclass(frozen=True)
class Outcome:
    """What `configure` did: the word and threshold saved to `path`, or why nothing was saved."""

    word: str
    threshold: float
    path: Path
    saved: bool
    calibration: Calibration | None = None
    """None for the typed set-up (the default threshold, no takes)."""
    partners: int = 2
    knock: object | None = None
    """The knock pattern saved with it (`KnockPattern`), or None."""

    def summary(self) -> str:
        if not self.saved:
            advice = self.calibration.advice if self.calibration is not None else ""
            return f"not saved ({self.path} is unchanged): {advice}"
        how = f"from your {self.partners} voices" if self.calibration is not None and self.partners > 1 else \
            "from your voice" if self.calibration is not None else \
            "the default; `assistant setup` without --text sets it from your voices"
        lines = [f'saved: pause word "{self.word}", threshold {self.threshold:.3f} ({how}) -> {self.path}'] \
            if self.word else []
        if self.word and self.calibration is not None:
            lines.append(f"the word is {heard_summary(self.calibration)}")
        if self.knock is not None:
            gaps = ", ".join(f"{g:.2f}" for g in self.knock.gaps_s)
            lines.append(f"saved: knock signal, {len(self.knock.gaps_s) + 1} knocks {gaps} s apart "
                     f"(+-{self.knock.tolerance:.0%}), at least {self.knock.level_db:.0f} dB over the room -> {self.path}")
        return "\n".join(lines)


def ask_word(choice, pronunciations: Mapping[str, str], default: str, lines: TextIO, out: TextIO,
             tries: int = 3, check: bool = True) -> str:
    """The pause word typed at the terminal, checked against the model's vocabulary like `listen` does."""
    print("Type your pause word or short phrase. It is typed, not said: the listener learns its sound from "
          "the spelling, in many voices, and then from yours.", file=out, flush=True)
    problem = "no pause word typed: type one, or pass --word"
    for _ in range(tries):
        print(f"pause word [{default}]: ", end="", file=out, flush=True)
        line = lines.readline()
        if not line:
            break
        try:
            word = normalise_word(line) if line.strip() else default
            if check:  # the learned ear needs no dictionary; keyword search does
                check_word(word, choice, pronunciations)
            return word
        except ValueError as e:  # VocabularyError is one: its message offers a working alternative
            problem = str(e)
            print(f"warning: {problem}", file=out, flush=True)
    raise ValueError(problem)


def configure(config_arg: str | None, *, word: str | None = None, typed: bool = False,
              input_device: str | None = None, output_device: str | None = None,
              take_files: list[str] | None = None, sentence_files: list[str] | None = None, partners: int = 2,
              knock: bool = False, knock_files: list[str] | None = None,
              lines: TextIO = sys.stdin, out: TextIO = sys.stdout, progress_out: TextIO = sys.stderr) -> Outcome:
    """`assistant setup`: choose the word, learn it from the couple's voices (unless `typed`), save.

    The takes come from the microphone (the spoken set-up) or from files (`take_files`, `sentence_files`).
    With the learned detector the word's head is trained (with the takes, when there are any) and cached
    before the word is saved, so `listen` starts at once. Writes to `config_arg`, else the config file in
    use, else the user config file. Raises ConfigError, ConfigWriteError, EngineError, ModelError,
    DeviceError, SetupError or ValueError with the fix.
    """
    target = Path(config_arg) if config_arg else None
    if target is not None:
        check_writable(target)  # before anyone spends time on takes
    config = Config() if target is not None and not target.exists() else load_config(target)
    path = check_writable(target or config.path or user_config_path())
    choice = choose_engine(config)
    learned = config.listener.detector == "learned"
    pronunciations = config.listener.pronunciations
    check_partners(partners)
    takes = [read_audio(f) for f in take_files or []]  # AudioFileError (a ValueError) names a bad file
    sentences = [read_audio(f) for f in sentence_files or []]
    if sentences and not takes:
        raise ValueError("--sentences needs --takes: give the recordings of the word too")
    if takes and word is None:
        raise ValueError("--takes needs --word: say which word the recordings hold")
    if takes and len(takes) % partners:
        raise ValueError(f"--takes: {len(takes)} recordings do not share out among --partners {partners}; give the "
                         f"same number from each of you ({partners}, {2 * partners}, {3 * partners}, ...)")
    knock_pattern = None
    if knock_files:  # checked first: a knock that is not heard costs nobody the word's takes
        knock_pattern = knock_pattern_from([read_audio(f) for f in knock_files])
    elif knock:
        knock_pattern = knock_pattern_from(run_knock_spoken(config, input_device, output_device, out))
    if knock_pattern is not None and word is None and not takes and not typed:
        save_knock(path, knock_pattern.gaps_s, knock_pattern.tolerance, knock_pattern.level_db)
        return Outcome("", 0.0, path, True, partners=partners, knock=knock_pattern)
    if word is not None:
        word = normalise_word(word)
        if not learned:
            check_word(word, choice, pronunciations)
    elif takes:
        raise ValueError("--takes needs --word: say which word the recordings hold")
    else:
        word = ask_word(choice, pronunciations, config.listener.pause_words[0], lines, out, check=not learned)
    def saved(word: str, threshold: float, calibration: Calibration | None) -> Outcome:
        written = save_pause_word(path, word, threshold)
        if knock_pattern is not None:
            save_knock(path, knock_pattern.gaps_s, knock_pattern.tolerance, knock_pattern.level_db)
        return Outcome(word, threshold, written, True, calibration, partners, knock_pattern)

    if typed and not takes:
        threshold = threshold_for(config.listener.sensitivity)
        if learned:
            learn_word(word, [], [], out=progress_out)
        return saved(word, threshold, None)
    print(f'setting up "{word}" with the {"learned word model" if learned else choice.name}; it will be saved '
          f"to {path}", file=out, flush=True)
    if not takes:
        flow = run_spoken(config, word, choice, input_device, output_device, out, learned=learned,
                          partners=partners)
        result, takes, sentences = flow
    elif learned:
        takes = usable_takes(word, takes, take_files or [], out)
    if learned:
        check = None
        if config.listener.second_stage:  # scored as the listener will hear them: with the second stage
            from assistant.hearing.word_check import background_check

            check = background_check(config.hearing.model)
        result = learn_word(word, takes, sentences, out=progress_out,
                            default=threshold_for(config.listener.sensitivity), check=check)
    elif take_files:
        result = calibrate(word, takes, sentences, choice=choice, pronunciations=pronunciations)
    if not result.separates:
        return Outcome(word, result.threshold, path, False, result, partners)
    return saved(word, result.threshold, result)


def usable_takes(word: str, takes: list[np.ndarray], names: list[str], out: TextIO) -> list[np.ndarray]:
    """The takes the ear can learn from; each of the others named, with what is wrong with it, and skipped.
    Raises ValueError when none is left."""
    usable = []
    for k, (take, name) in enumerate(zip(takes, names, strict=True)):
        problem = take_problem(take, word)
        if problem is None:
            usable.append(take)
        else:
            print(f"skipped take {k + 1} ({name}): {problem}", file=out, flush=True)
    if not usable:
        raise ValueError(f'--takes: none of the {len(takes)} recordings holds the word said clearly: record '
                         f'"{word}" again, a second or two each, in your usual voice')
    return usable


def learn_word(word: str, takes: list[np.ndarray], sentences: list[np.ndarray], *,
               data_folder: Path | None = None, out: TextIO = sys.stderr, default: float = 0.5,
               check=None) -> Calibration | None:
    """Train the word's head (with the couple's takes and sentences, kept as embeddings only) and cache it.
    With takes, returns the threshold the trained head's scores of them give (`learned_threshold`: a take it
    still hears faintly never stops the word being saved); a word without takes whose head is already cached
    is not trained again."""
    folder = data_folder or data_dir()
    recipe = default_recipe()
    if not takes:
        if find_head(word, folder, recipe) is None:
            with ProgressBar(word, out) as bar:
                head = train_head(word, recipe=recipe, enrolled=enrollment.load(word, folder), progress=bar)
            head.save(head_path(word, folder, recipe))
        return None
    examples = enrollment.enroll(word, takes, sentences, folder, recipe.take_copies)
    with ProgressBar(word, out) as bar:
        head = train_head(word, recipe=recipe, enrolled=examples, progress=bar)
    head.save(head_path(word, folder, recipe))
    head = WordHead.load(head_path(word, folder, recipe))
    return learned_threshold(word, [head_score(head, t, check) for t in takes],
                             [head_score(head, s, check) for s in sentences], default)


def head_score(head, clip: np.ndarray, check=None) -> float:
    """The listener's best confidence for the word anywhere in a clip (head fused with keyword search, and the
    second stage's `check` when given), heard as the listener hears it, with quiet around it."""
    pad = np.zeros(SAMPLE_RATE // 2, np.int16)
    audio = np.concatenate([pad, np.asarray(clip, np.int16), pad, pad])
    spotter = FusedSpotter(HeadSpotter([head]), check=check)
    hits = []
    for i in range(0, len(audio), 1280):
        hits += spotter.accept(audio[i:i + 1280])
    hits += spotter.flush()
    return max((h.confidence for h in hits), default=0.0)


def run_knock_spoken(config, input_device: str | None, output_device: str | None,
                     out: TextIO = sys.stdout) -> list[np.ndarray]:
    """The knock step on the real microphone and speaker: KNOCK_TAKES clips of the couple's knock (in
    memory only)."""
    io = LiveIO(config, input_device, output_device, out)
    try:
        io.start([KNOCK_INTRO, KNOCK_NOW])
        io.say(KNOCK_INTRO)
        clips = []
        for k in range(KNOCK_TAKES):
            io.say(KNOCK_NOW)
            print(f"listening: knock, take {k + 1} of {KNOCK_TAKES}", file=out, flush=True)
            clips.append(io.record(KNOCK_SECONDS))
        return clips
    finally:
        io.close()


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
    "KNOCK_INTRO",
    "KNOCK_NOW",
    "KNOCK_SECONDS",
    "KNOCK_TAKES",
    "LEARNING",
    "LONGEST_SENTENCE_SECONDS",
    "LONGEST_TAKE_SECONDS",
    "MAX_PARTNERS",
    "MAX_WORDS",
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
    "SAMPLE_RATE",
    "SENTENCES",
    "SENTENCES_PER_PARTNER",
    "TAKES_PER_PARTNER",
    "WAIT_FOR_SPEECH_SECONDS",
    "Listen",
    "LiveIO",
    "Outcome",
    "SetupError",
    "SpokenSetup",
    "ask_word",
    "check_partners",
    "check_word",
    "configure",
    "head_score",
    "knock_pattern_from",
    "learn_word",
    "level_dbfs",
    "normalise_word",
    "run_knock_spoken",
    "run_spoken",
    "sentences_for",
    "usable_takes",
]
