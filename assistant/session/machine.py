"""The guided session as a state machine: events in, actions out, no I/O.

```
                 pause_word_heard (a spoken one not while speaking: echo guard)
  LISTENING ───────────────────────────────▶ ACKNOWLEDGING ── spoken / tick(timeout) ──▶ BREATHING
      ▲   ▲                                        │ (skip: straight to grounding)            │
      │   │                                        ▼                                 exercise_done
      │   │                                   GROUNDING ◀─────────────────────────────────────┘
      │   │                                        │ exercise_done (or no script configured)
      │   │  spoken / tick(timeout) / skip         ▼
      │   └─────────────────────────────────── CLOSING ◀── resume_agreed / skip / tick ── AGREEING
      │                                                                                      ▲
      └──── command(stop) from every state: stop sound, one kind line ─┐     exercise_done ──┘
                                                                           (from GROUNDING)
  A stop during BREATHING or GROUNDING (not a false alarm) stops the sound at once, then goes to AGREEING
  with a gentle offer to choose a time instead of the invitation; a no (`declined`), a stop or two quiet
  minutes end the offer back in LISTENING. `choose_time` goes from LISTENING to AGREEING (a time agreed
  later, `listen --text`).
```
Receives triggers: `pause_word_heard(spoken=bool)`, `command(name=stop|skip|slower|faster|repeat, false_alarm=bool)`,
`spoken(text=...)`, `exercise_done`, `resume_agreed(resume_at=...)`, `declined`, `answer_heard`,
`choose_time(phrase=...)`, `tick`; every trigger takes `t_ms` (audio clock).
Emits into `self.outbox`: `Say`, `ListenFor`, `StartExercise`, `ControlPacer` (events.py).
The app drains the outbox: Say and ControlPacer go to the running Pacer (`say`, `stop`, `skip`, ...),
StartExercise builds a timeline, and it reports `spoken` when a Say has been heard out and `exercise_done`
when a timeline ends.

AGREEING is the hand-over to the agreement issue: it asks when to come back and waits for `resume_agreed`
(fired by that issue's dialog), a `skip`, or a quiet timeout, then closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from transitions import EventData, Machine

from assistant.events import ControlPacer, ListenFor, Say, StartExercise
from assistant.session import exercises, wording

COMMANDS = ("stop", "skip", "slower", "faster", "repeat")
ACK_TIMEOUT_MS = 8_000
"""If the acknowledgement is never reported as spoken (voice failure), breathing starts anyway."""
AGREE_TIMEOUT_MS = 120_000
"""With no answer about a resume time for two minutes, the session closes gently."""
CLOSING_TIMEOUT_MS = 15_000


class State(Enum):
    LISTENING = "listening"
    ACKNOWLEDGING = "acknowledging"
    BREATHING = "breathing"
    GROUNDING = "grounding"
    AGREEING = "agreeing"
    CLOSING = "closing"


@dataclass(frozen=True)
class SessionPlan:
    """Which exercises a session runs (from config [session])."""

    pattern: str = exercises.DEFAULT_PATTERN
    cycles: int = 0
    minutes: float = 2.0
    grounding: str = exercises.DEFAULT_SCRIPT
    """Empty skips grounding."""


_S = State
_SESSION = [_S.ACKNOWLEDGING, _S.BREATHING, _S.GROUNDING, _S.AGREEING, _S.CLOSING]
_EXERCISING = [_S.BREATHING, _S.GROUNDING]

TABLE = [
    # the pause word
    {"trigger": "pause_word_heard", "source": _S.LISTENING, "dest": _S.ACKNOWLEDGING,
     "unless": "is_own_echo"},
    {"trigger": "pause_word_heard", "source": _S.LISTENING, "dest": None},  # our own voice: echo guard
    {"trigger": "pause_word_heard", "source": _SESSION, "dest": None},  # already pausing
    # commands: stop wins everywhere (during an exercise it stops at once, then offers to choose a time)
    {"trigger": "command", "source": _EXERCISING, "dest": _S.AGREEING,
     "conditions": "is_stop", "unless": "is_false_alarm", "before": "_stop_then_offer"},
    {"trigger": "command", "source": _S.AGREEING, "dest": _S.LISTENING,
     "conditions": ["is_stop", "is_offer"], "before": "_stop_quietly"},
    {"trigger": "command", "source": _SESSION, "dest": _S.LISTENING,
     "conditions": "is_stop", "before": "_stop"},
    {"trigger": "command", "source": _S.LISTENING, "dest": None, "after": "_command_while_listening"},
    {"trigger": "command", "source": _EXERCISING, "dest": None, "after": "_pace"},
    {"trigger": "command", "source": _S.ACKNOWLEDGING, "dest": None, "after": "_prepare_pace"},
    {"trigger": "command", "source": _S.AGREEING, "dest": _S.CLOSING,
     "conditions": "is_skip", "before": "_agree_later"},
    {"trigger": "command", "source": _S.AGREEING, "dest": None, "after": "_agreeing_command"},
    {"trigger": "command", "source": _S.CLOSING, "dest": _S.LISTENING,
     "conditions": "is_skip", "before": "_skip_closing"},
    {"trigger": "command", "source": _S.CLOSING, "dest": None, "after": "_closing_command"},
    # speech finished
    {"trigger": "spoken", "source": _S.ACKNOWLEDGING, "dest": _S.GROUNDING,
     "conditions": ["is_quiet", "skip_breathing"]},
    {"trigger": "spoken", "source": _S.ACKNOWLEDGING, "dest": _S.BREATHING, "conditions": "is_quiet"},
    {"trigger": "spoken", "source": _S.CLOSING, "dest": _S.LISTENING, "conditions": "is_quiet"},
    {"trigger": "spoken", "source": _S.LISTENING, "dest": None,
     "conditions": "is_quiet", "after": "_listen_for_pause_word"},
    {"trigger": "spoken", "source": list(_S), "dest": None},
    # exercises
    {"trigger": "exercise_done", "source": _S.BREATHING, "dest": _S.GROUNDING, "conditions": "has_grounding"},
    {"trigger": "exercise_done", "source": [_S.BREATHING, _S.GROUNDING], "dest": _S.AGREEING},
    {"trigger": "exercise_done", "source": [_S.LISTENING, _S.ACKNOWLEDGING, _S.AGREEING, _S.CLOSING],
     "dest": None},  # late report after a stop, or nothing running
    # hand-over from the agreement dialog
    {"trigger": "resume_agreed", "source": _S.AGREEING, "dest": _S.CLOSING, "before": "_keep_resume_time"},
    {"trigger": "declined", "source": _S.AGREEING, "dest": _S.LISTENING, "conditions": "is_offer",
     "before": ["_stop_quietly", "_offer_declined"]},
    {"trigger": "declined", "source": _S.AGREEING, "dest": _S.CLOSING, "before": "_agree_later"},
    {"trigger": "answer_heard", "source": _S.AGREEING, "dest": None, "before": "_restart_wait"},
    {"trigger": "answer_heard", "source": list(_S), "dest": None},
    {"trigger": "choose_time", "source": _S.LISTENING, "dest": _S.AGREEING},
    {"trigger": "choose_time", "source": _SESSION, "dest": None},
    # audio-clock time
    {"trigger": "tick", "source": _S.ACKNOWLEDGING, "dest": _S.BREATHING,
     "conditions": "ack_timed_out", "before": "_stop_waiting_for_speech"},
    {"trigger": "tick", "source": _S.AGREEING, "dest": _S.LISTENING,
     "conditions": ["agree_timed_out", "is_offer"], "before": "_offer_declined"},
    {"trigger": "tick", "source": _S.AGREEING, "dest": _S.CLOSING,
     "conditions": "agree_timed_out", "before": "_agree_later"},
    {"trigger": "tick", "source": _S.CLOSING, "dest": _S.LISTENING,
     "conditions": "closing_timed_out", "before": "_stop_waiting_for_speech"},
    {"trigger": "tick", "source": list(_S), "dest": None},
]


@dataclass
class Session:
    """One couple's pause, from the pause word back to listening. Feed triggers; read and clear `outbox`."""

    plan: SessionPlan = field(default_factory=SessionPlan)
    outbox: list = field(default_factory=list)
    """Actions for the app, in order: Say, ListenFor, StartExercise, ControlPacer."""
    t_ms: int = 0
    """Latest audio-clock time seen in a trigger."""
    resume_at: str | None = None
    """What the agreement dialog settled on, if anything."""
    invite: str = ""
    """The line that opened AGREEING (the invitation or the offer after a stop); "" when a time came with it."""
    offer: Callable[[], str] = lambda: ""
    """The times to offer when AGREEING opens, as words ("in twenty minutes, in an hour, or tomorrow morning"):
    the app builds them from the clock and config (`session.choices`); "" asks an open question."""

    def __post_init__(self) -> None:
        self._speaking: list[str] = []
        self._entered_ms = 0
        self._tempo_steps = 0
        self._skip_breathing = False
        self._offer = False
        self.machine = Machine(model=self, states=State, transitions=TABLE, initial=State.LISTENING,
                               queued=True, send_event=True, auto_transitions=False,
                               prepare_event="_note", after_state_change="_entered")

    # -- bookkeeping ----------------------------------------------------------------------------------------
    def _note(self, event: EventData) -> None:
        self.t_ms = event.kwargs.get("t_ms", self.t_ms)
        if event.event.name == "command" and event.kwargs.get("name") not in COMMANDS:
            name = event.kwargs.get("name")
            raise ValueError(f"unknown command {name!r}; use one of {', '.join(COMMANDS)}")
        if event.event.name == "spoken" and event.kwargs.get("text") in self._speaking:
            self._speaking.remove(event.kwargs["text"])

    def _entered(self, event: EventData) -> None:
        if event.transition is not None and event.transition.dest is not None:  # not an internal transition
            self._entered_ms = self.t_ms

    def _say(self, text: str) -> None:
        self._speaking.append(text)
        self.outbox.append(Say(text, t_ms=self.t_ms))

    def _control(self, command: str) -> None:
        self.outbox.append(ControlPacer(command, t_ms=self.t_ms))

    # -- conditions -----------------------------------------------------------------------------------------
    def is_own_echo(self, event: EventData) -> bool:
        """A pause word heard while the assistant speaks may be its own voice through the speaker; a pause
        asked for without words (`spoken=False`: a key, `assistant pause`, a knock) never is."""
        return bool(self._speaking) and event.kwargs.get("spoken", True)

    def is_quiet(self, event: EventData) -> bool:
        return not self._speaking

    def is_stop(self, event: EventData) -> bool:
        return event.kwargs.get("name") == "stop"

    def is_false_alarm(self, event: EventData) -> bool:
        return bool(event.kwargs.get("false_alarm"))

    def is_offer(self, event: EventData) -> bool:
        """AGREEING was entered by a stop: an offer, which a no or a quiet ends without a closing."""
        return self._offer

    def is_skip(self, event: EventData) -> bool:
        return event.kwargs.get("name") == "skip"

    def skip_breathing(self, event: EventData) -> bool:
        return self._skip_breathing

    def has_grounding(self, event: EventData) -> bool:
        return bool(self.plan.grounding)

    def ack_timed_out(self, event: EventData) -> bool:
        return self.t_ms - self._entered_ms >= ACK_TIMEOUT_MS

    def agree_timed_out(self, event: EventData) -> bool:
        return self.t_ms - self._entered_ms >= AGREE_TIMEOUT_MS

    def closing_timed_out(self, event: EventData) -> bool:
        return self.t_ms - self._entered_ms >= CLOSING_TIMEOUT_MS

    # -- entering states ------------------------------------------------------------------------------------
    def on_enter_LISTENING(self, event: EventData) -> None:
        self._tempo_steps, self._skip_breathing, self._offer = 0, False, False
        if not self._speaking:
            self._listen_for_pause_word(event)

    def on_enter_ACKNOWLEDGING(self, event: EventData) -> None:
        self.outbox.append(ListenFor(wording.command_vocabulary(), t_ms=self.t_ms))
        self._say(wording.PAUSE_ACK)

    def on_enter_BREATHING(self, event: EventData) -> None:
        minutes = 0.0 if self.plan.cycles else self.plan.minutes
        self.outbox.append(StartExercise("breathing", self.plan.pattern, self.plan.cycles, minutes,
                                         self._tempo_steps, t_ms=self.t_ms))

    def on_enter_GROUNDING(self, event: EventData) -> None:
        self.outbox.append(StartExercise("grounding", self.plan.grounding, t_ms=self.t_ms))

    def on_enter_AGREEING(self, event: EventData) -> None:
        if self._offer:
            self.invite = wording.stop_offer(self.offer())
        else:
            self.invite = "" if event.kwargs.get("phrase") else wording.agree_invite(self.offer())
        if self.invite:
            self._say(self.invite)

    def on_enter_CLOSING(self, event: EventData) -> None:
        self._say(wording.CLOSING)

    # -- transition actions ---------------------------------------------------------------------------------
    def _listen_for_pause_word(self, event: EventData) -> None:
        self.outbox.append(ListenFor((), t_ms=self.t_ms))

    def _stop_waiting_for_speech(self, event: EventData) -> None:
        """A `spoken` report never came (voice failure): don't stay deaf to the pause word because of it."""
        self._speaking.clear()

    def _stop(self, event: EventData) -> None:
        self._speaking.clear()
        self._control("stop")
        self._say(wording.COMMAND_ACKS["stop"])

    def _stop_then_offer(self, event: EventData) -> None:
        self._speaking.clear()
        self._control("stop")
        self._offer = True

    def _stop_quietly(self, event: EventData) -> None:
        """A stop while the offer is made: cut it, nothing more to say."""
        self._speaking.clear()
        self._control("stop")

    def _offer_declined(self, event: EventData) -> None:
        self._say(wording.OFFER_DECLINED)

    def _restart_wait(self, event: EventData) -> None:
        """Something was said to the dialog: the two quiet minutes count from now."""
        self._entered_ms = self.t_ms

    def _command_while_listening(self, event: EventData) -> None:
        """Only a stop matters here: it cuts the line still being said. Nothing else is running."""
        if self.is_stop(event) and self._speaking:
            self._speaking.clear()
            self._control("stop")
            self._listen_for_pause_word(event)

    def _pace(self, event: EventData) -> None:
        name = event.kwargs["name"]
        self._say(wording.COMMAND_ACKS[name])
        self._control(name)

    def _prepare_pace(self, event: EventData) -> None:
        """Before the exercise starts: remember skip and tempo for it; repeat says the acknowledgement."""
        name = event.kwargs["name"]
        if name == "repeat":
            self._say(wording.PAUSE_ACK)
            return
        if name == "skip":
            self._skip_breathing = True
        else:
            step = 1 if name == "slower" else -1
            self._tempo_steps = max(-exercises.MAX_TEMPO_STEPS, min(exercises.MAX_TEMPO_STEPS,
                                                                    self._tempo_steps + step))
        self._say(wording.COMMAND_ACKS[name])

    def _agreeing_command(self, event: EventData) -> None:
        if event.kwargs["name"] == "repeat":
            self._say(self.invite or wording.agree_invite(self.offer()))
        else:
            self._say(wording.NO_RUSH)

    def _agree_later(self, event: EventData) -> None:
        self._say(wording.AGREE_LATER)

    def _keep_resume_time(self, event: EventData) -> None:
        self.resume_at = event.kwargs.get("resume_at")

    def _skip_closing(self, event: EventData) -> None:
        self._speaking.clear()
        self._control("stop")
        self._say(wording.CLOSING_SKIPPED)

    def _closing_command(self, event: EventData) -> None:
        self._say(wording.CLOSING if event.kwargs["name"] == "repeat" else wording.NO_RUSH)


__all__ = ["ACK_TIMEOUT_MS", "AGREE_TIMEOUT_MS", "CLOSING_TIMEOUT_MS", "COMMANDS", "TABLE",
           "Session", "SessionPlan", "State"]
