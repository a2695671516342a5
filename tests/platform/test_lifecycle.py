"""The one lifecycle engine and the one permission answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from grants import lifecycle, permissions
from grants.applications import workflow as app_workflow
from grants.audit import Actor, AuditEvent
from grants.i18n import N_
from grants.lifecycle import Lifecycle, State, Transition
from grants.permissions import can
from tests import factories
from tests.applications import factories as af

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Thing:
    status: str
    organisation_id: int | None = None


def _table(**overrides) -> Lifecycle:
    spec = {
        "noun": "thing",
        "states": (State("new", N_("Draft")), State("done", N_("Finished"))),
        "transitions": (Transition("finish", ("new",), "done", ("organiser",)),),
    }
    return Lifecycle(**{**spec, **overrides})


def test_a_table_naming_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="unknown states"):
        _table(transitions=(Transition("finish", ("new",), "gone", ("organiser",)),))


def test_a_table_declaring_an_action_twice_is_refused():
    move = Transition("finish", ("new",), "done", ("organiser",))
    with pytest.raises(ValueError, match="twice"):
        _table(transitions=(move, move))


def test_every_table_uses_known_relations_checks_and_labels():
    permissions.load_workflows()
    assert {"round", "application"} <= set(lifecycle.LIFECYCLES)
    for table in lifecycle.LIFECYCLES.values():
        for t in table.transitions:
            assert t.who and set(t.who) <= set(lifecycle.RELATIONS), (table.noun, t.action)
            assert set(t.checks) <= set(table.checks), (table.noun, t.action)
            assert t.label, (table.noun, t.action)
    for who in permissions.RULES.values():
        assert set(who) <= set(lifecycle.RELATIONS)


def test_unknown_actions_are_refused_loudly(session):
    user = factories.user(session, "organiser")
    with pytest.raises(KeyError):
        can(user, "thing.frobnicate")


def test_anonymous_and_deactivated_users_may_do_nothing(session):
    user = factories.user(session, "organiser")
    assert can(user, "audit.view")
    user.is_active = False
    assert not can(user, "audit.view")
    assert not can(None, "account.use")


@pytest.mark.db
def test_transitions_answer_from_state_relation_and_round(session):
    round_ = af.round_(session)
    owner = af.applicant(session)
    stranger = af.applicant(session)
    organiser = factories.user(session, "organiser")
    app = af.application(session, round_, owner)
    assert can(owner, "application.submit", app)
    assert not can(stranger, "application.submit", app)  # not a member
    assert not can(organiser, "application.submit", app)  # not the applicant
    assert can(organiser, "application.return", app) is False  # a draft is not screened
    round_.status = "judging"
    assert not can(owner, "application.edit", app)  # the round moved on
    names = [t.action for t in lifecycle.available(owner, app, "application")]
    assert names == []


@pytest.mark.db
def test_perform_moves_audits_and_refuses_without_changing_anything(session):
    round_ = af.round_(session)
    owner = af.applicant(session)
    organiser = factories.user(session, "organiser")
    app = af.application(session, round_, owner)
    app.status = "submitted"
    session.flush()
    actor = Actor(id=organiser.id, name=organiser.username, ip="127.0.0.1")
    with pytest.raises(lifecycle.Refused) as refused:
        lifecycle.perform(session, actor, organiser, "application.return", app)
    assert refused.value.errors == {"reason": "请填写理由。"}
    assert app.status == "submitted"
    with pytest.raises(lifecycle.Refused):
        lifecycle.perform(session, actor, owner, "application.return", app, reason="预算不全")
    lifecycle.perform(session, actor, organiser, "application.return", app, reason="预算不全")
    assert app.status == "returned"
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "application.return")
                            ).scalar_one()
    assert '"reason": "预算不全"' in event.after and '"status": "submitted"' in event.before
    with pytest.raises(lifecycle.Refused) as wrong_state:
        lifecycle.perform(session, actor, organiser, "application.return", app, reason="再退")
    assert "退回修改" in wrong_state.value.problems[0]


@pytest.mark.db
def test_a_round_cannot_start_judging_with_unscreened_applications(session):
    round_ = af.round_(session)
    owner = af.applicant(session)
    app = af.application(session, round_, owner)
    app.status = app_workflow.Status.SUBMITTED
    round_.status = "closed"
    session.flush()
    found = lifecycle.problems(session, "round.start_judging", round_)
    assert any("等待资格审查" in p for p in found)
    app.status = app_workflow.Status.ELIGIBLE
    session.flush()
    assert not any("等待资格审查" in p for p in
                   lifecycle.problems(session, "round.start_judging", round_))


# Who may act is said by the permission rules and the lifecycle tables only.
ROLE_CHECK = re.compile(r"\.role\s*(==|!=|in\b|not in\b)")
ALLOWED = ("grants/permissions.py", "grants/lifecycle.py", "grants/accounts/")


def test_no_role_checks_outside_the_permission_tables():
    offenders = []
    for path in [*ROOT.joinpath("grants").rglob("*.py"), *ROOT.joinpath("templates").rglob("*.html")]:
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(ALLOWED) or "/migrations/" in rel or "/demo/" in rel:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_CHECK.search(line) and "User.role" not in line:
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert not offenders, "role checks outside the permission tables:\n" + "\n".join(offenders)
