"""One lifecycle engine for every stateful object.

A domain declares its lifecycle as data in its own `workflow.py`: the states with their labels,
and the transitions — the action, the states it starts from, the state it leads to, who may act
(named relations such as "member of the applying organisation" or "organiser whose scope covers
this round"), the named checks that block it with plain-language problems, the button label and
an explanation. The engine reads those tables; it imports no domain.

- `can(user, "noun.action", obj)` (in grants.permissions) answers transition actions from
  these tables and every other action from the permission rules; both use the same relations.
- `problems(session, "noun.action", obj)` lists what blocks the move now.
- `perform(session, actor, user, "noun.action", obj)` checks all of that, moves the object and
  writes the audit trail.
- `available(user, obj, noun)` lists the moves this user may attempt now (for buttons).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from grants import audit
from grants.i18n import gettext as _
from grants.timeutil import now
from grants.validation import FormErrors

# (session, obj, context) -> problems in plain words; empty when the check passes.
Check = Callable[[Session, Any, Any], list[str]]
# (user, obj) -> whether the relation holds.
Relation = Callable[[Any, Any], bool]

RELATIONS: dict[str, Relation] = {}
# Why a relation does not hold, where a plain "you may not" would puzzle (maker-checker: the
# person who recorded something may not approve it): a msgid, or "" to say nothing particular.
REFUSALS: dict[str, Callable[[Any, Any], str]] = {}
LIFECYCLES: dict[str, Lifecycle] = {}


def relation(name: str, refusal: Callable[[Any, Any], str] | None = None
             ) -> Callable[[Relation], Relation]:
    """Register a named relation between a user and an object; `refusal(user, obj)` may say
    why it does not hold."""

    def register(function: Relation) -> Relation:
        if name in RELATIONS:
            raise RuntimeError(f"relation {name!r} registered twice")
        RELATIONS[name] = function
        if refusal is not None:
            REFUSALS[name] = refusal
        return function

    return register


def refusal(user: Any, who: Iterable[str], obj: Any) -> str:
    """Why none of the named relations holds, in words."""
    for name in who:
        said = REFUSALS[name](user, obj) if name in REFUSALS else ""
        if said:
            return _(said)
    return _("You may not do this.")


def holds(user: Any, who: Iterable[str], obj: Any) -> bool:
    """Whether any of the named relations holds between `user` and `obj`."""
    return any(RELATIONS[name](user, obj) for name in who)


@dataclass(frozen=True)
class State:
    code: str
    label: str  # msgid
    final: bool = False


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: the action is allowed in these states and keeps the state
    who: tuple[str, ...]  # relation names; any one suffices
    checks: tuple[str, ...] = ()
    label: str = ""  # the button (msgid)
    explain: str = ""  # what the move means (msgid)
    when: Callable[[Any], bool] | None = None  # a further condition on the object, no database
    needs_reason: bool = False
    unless: str = ""  # why the move is refused when `when` does not hold (msgid)


@dataclass(frozen=True)
class CheckSpec:
    label: str  # msgid
    function: Check


@dataclass
class Lifecycle:
    noun: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    status_attr: str = "status"
    # Builds what the checks share (e.g. a round's configuration), once per question.
    prepare: Callable[[Session, Any], Any] | None = None
    checks: dict[str, CheckSpec] = field(default_factory=dict)

    def __post_init__(self) -> None:
        codes = {s.code for s in self.states}
        actions = [t.action for t in self.transitions]
        if len(set(actions)) != len(actions):
            raise ValueError(f"{self.noun}: an action is declared twice")
        for t in self.transitions:
            unknown = {*t.sources, *([t.target] if t.target else [])} - codes
            if unknown:
                raise ValueError(f"{self.noun}.{t.action}: unknown states {sorted(unknown)}")
        self._by_action = {t.action: t for t in self.transitions}
        self._labels = {s.code: s.label for s in self.states}

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.states)

    def check(self, name: str, label: str) -> Callable[[Check], Check]:
        """Register a named check that transitions of this lifecycle may list."""

        def register(function: Check) -> Check:
            if name in self.checks:
                raise RuntimeError(f"{self.noun} check {name!r} registered twice")
            self.checks[name] = CheckSpec(label, function)
            return function

        return register

    def transition(self, action: str) -> Transition | None:
        return self._by_action.get(action)

    def leading_to(self, source: str, target: str) -> Transition | None:
        return next((t for t in self.transitions
                     if source in t.sources and t.target == target), None)

    def status(self, obj: Any) -> str:
        return str(getattr(obj, self.status_attr))

    def label(self, code: str) -> str:
        """The translated label of a state code (the code itself when unknown)."""
        return _(self._labels.get(code, code))

    def labels(self) -> dict[str, str]:
        return dict(self._labels)

    def applies(self, transition: Transition, obj: Any) -> bool:
        """Whether the object's state (and the transition's own condition) allows the move."""
        return (self.status(obj) in transition.sources
                and (transition.when is None or bool(transition.when(obj))))

    def reachable(self, start: str) -> set[str]:
        seen, frontier = {start}, [start]
        while frontier:
            current = frontier.pop()
            for t in self.transitions:
                if current in t.sources and t.target and t.target not in seen:
                    seen.add(t.target)
                    frontier.append(t.target)
        return seen


class Refused(FormErrors):
    """The move was not made; `problems` says why in plain words."""

    def __init__(self, problems: list[str], field_name: str = "status"):
        super().__init__({field_name: " ".join(problems)})
        self.problems = problems


def register(lifecycle: Lifecycle) -> Lifecycle:
    if lifecycle.noun in LIFECYCLES:
        raise RuntimeError(f"lifecycle {lifecycle.noun!r} registered twice")
    LIFECYCLES[lifecycle.noun] = lifecycle
    return lifecycle


def split(action: str) -> tuple[Lifecycle | None, Transition | None]:
    """The lifecycle and transition an action such as "application.submit" names, if any."""
    noun, _dot, verb = action.partition(".")
    lifecycle = LIFECYCLES.get(noun)
    return lifecycle, lifecycle.transition(verb) if lifecycle else None


def permits(user: Any, lifecycle: Lifecycle, transition: Transition, obj: Any) -> bool:
    """Whether `user` may attempt `transition` on `obj` now (checks aside)."""
    return (obj is not None and lifecycle.applies(transition, obj)
            and holds(user, transition.who, obj))


def available(user: Any, obj: Any, noun: str) -> list[Transition]:
    """The moves this user may attempt on `obj` now, in table order (for buttons)."""
    lifecycle = LIFECYCLES[noun]
    if user is None or not getattr(user, "is_active", False):
        return []
    return [t for t in lifecycle.transitions
            if t.target is not None and permits(user, lifecycle, t, obj)]


def checklist(session: Session, action: str, obj: Any,
              context: Any = None) -> list[tuple[str, list[str]]]:
    """Each named check of the move: its translated label and its problems."""
    lifecycle, transition = split(action)
    if lifecycle is None or transition is None:
        raise KeyError(action)
    if context is None and lifecycle.prepare is not None and transition.checks:
        context = lifecycle.prepare(session, obj)
    return [(_(lifecycle.checks[name].label),
             lifecycle.checks[name].function(session, obj, context))
            for name in transition.checks]


def problems(session: Session, action: str, obj: Any, context: Any = None) -> list[str]:
    """Everything that blocks the move now, in plain words (empty: nothing blocks it)."""
    lifecycle, transition = split(action)
    if lifecycle is None or transition is None:
        raise KeyError(action)
    if not lifecycle.applies(transition, obj):
        return [state_refusal(lifecycle, transition, obj)]
    return [p for _label, found in checklist(session, action, obj, context) for p in found]


def state_refusal(lifecycle: Lifecycle, transition: Transition, obj: Any) -> str:
    """Why the move does not apply: the object's state, or the transition's own condition
    (`when`) in its words."""
    if lifecycle.status(obj) in transition.sources and transition.unless:
        return _(transition.unless)
    return _("This cannot be done while the status is “%(status)s”.",
             status=lifecycle.label(lifecycle.status(obj)))


def perform(session: Session, actor: audit.Actor, user: Any, action: str, obj: Any, *,
            reason: str = "", context: Any = None, extra: dict[str, Any] | None = None
            ) -> Transition:
    """Make the move if `user` may and nothing blocks it: set the state and audit it.

    `user` None is the system (demo loader, command line): relations are not asked, the rest
    is. Raises Refused, saying why, and changes nothing."""
    lifecycle, transition = split(action)
    if lifecycle is None or transition is None:
        raise KeyError(action)
    if not lifecycle.applies(transition, obj):
        raise Refused([state_refusal(lifecycle, transition, obj)])
    if user is not None and not holds(user, transition.who, obj):
        raise Refused([refusal(user, transition.who, obj)])
    reason = reason.strip()
    if transition.needs_reason and not reason:
        raise Refused([_("Give a reason.")], field_name="reason")
    found = problems(session, action, obj, context)
    if found:
        raise Refused(found)
    before = audit.snapshot(obj)
    if transition.target is not None:
        setattr(obj, lifecycle.status_attr, transition.target)
    if hasattr(obj, "updated_at"):
        obj.updated_at = now()
    after = {**audit.snapshot(obj), **(extra or {}), **({"reason": reason} if reason else {})}
    audit.record(session, actor, action, obj, before=before, after=after)
    return transition
