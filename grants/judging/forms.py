"""Reading the judging forms: the panel, a stage's assignment and results, a judge's
declaration and score sheet (points_<key>, comment_<key>, overall_comment), the invitation and
the live roadshow's control page."""

from __future__ import annotations

from typing import Any

from grants import validation
from grants.forms import Choice, Cleaner, Flag, Form, Id, Ids, Integer, Raw, Text, Upload
from grants.i18n import gettext as _
from grants.judging.roadshow import ACTIONS as ROADSHOW_ACTIONS
from grants.judging.services import SheetInput
from grants.rounds.models import Criterion

# Reasons the services require (lifecycle moves, overrides, manual assignments): the services
# say when one is missing; the form bounds its length and refuses control characters.
REASON_LENGTH = 2000
DECLARE_ACTIONS = ("confirm", "declare_conflict", "abstain")


# ---- the panel ---------------------------------------------------------------------------

class PanelMemberForm(Form):
    """A judge's tracks and affiliations (checkboxes and selects the page offered; the services
    keep only the round's tracks), and whether the judge is a public judge."""

    tracks = Ids()
    organisation_ids = Ids()
    community_ids = Ids()
    fund_ids = Ids()
    public = Flag()


class PanelAddForm(PanelMemberForm):
    user = Id(name="user_id")


class InviteForm(Form):
    # The service checks the address (and its 254 characters) and that a name is given.
    email = Text(max_length=1000)
    display_name = Text(max_length=80)
    tracks = Ids()


class ImportForm(Form):
    file = Upload()


# ---- a stage -----------------------------------------------------------------------------

class AssignForm(Form):
    """The automatic assignment's plan: judges per application, least and most per judge."""

    k = Integer(minimum=1)
    min_load = Integer()
    max_load = Integer()

    def check(self) -> None:
        for key in ("k", "min_load", "max_load"):
            if self.values[key] is None:
                self.fail(key, _("Enter a whole number."))


class ReasonForm(Form):
    reason = Text(max_length=REASON_LENGTH)


class AssignmentAddForm(ReasonForm):
    application = Id(name="application_id")
    user = Id(name="user_id")


class OverrideForm(ReasonForm):
    """Putting an application on or off the advancement list."""

    application = Id(name="application_id")
    advanced = Flag()


class BonusForm(Form):
    """特别加分: the service checks the points against the stage's cap and the reason."""

    application = Id(name="application_id")
    points = Integer(minimum=None, maximum=None)
    reason = Text(max_length=500)


# ---- a judge -----------------------------------------------------------------------------

class DeclareForm(ReasonForm):
    """No conflict, a conflict or abstaining; the last two need a reason (the service says)."""

    action = Choice(DECLARE_ACTIONS)


class InviteAcceptForm(Form):
    password = Raw(secret=True)
    password_again = Raw(secret=True)


def read_sheet(form: Any, criteria: list[Criterion]) -> SheetInput:
    """The score sheet's fields, named after the stage's criteria: whole or half points (a
    Chinese keyboard's "，" read as the decimal point) and comments."""
    clean = Cleaner(form)
    data = SheetInput(overall=clean.text("overall_comment", max_length=4000))
    for c in criteria:
        key = f"points_{c.key}"
        data.comments[c.key] = clean.text(f"comment_{c.key}", max_length=2000)
        raw = clean.raw(key).strip().replace("，", ".")
        data.points[c.key] = None
        if raw == "":
            continue
        try:
            # A comma is no thousands separator in points: "7,5" is not read as 75.
            if "," in raw:
                raise ValueError(raw)
            value = validation.parse_number(raw)
        except ValueError:
            clean.errors[key] = _("Enter a number.")
            continue
        if round(value * 2) != value * 2:
            clean.errors[key] = _("Whole or half points only.")
            continue
        data.points[c.key] = value
    data.errors.update(clean.errors)
    return data


def sheet_values(form: Any, criteria: list[Criterion]) -> dict[str, str]:
    """The score sheet as typed, to show again beside its errors."""
    clean = Cleaner(form)
    names = ["overall_comment", *(f"{kind}_{c.key}" for c in criteria
                                  for kind in ("points", "comment"))]
    return {name: clean.raw(name) for name in names}


def submits(form: Any) -> bool:
    """Whether the judge pressed "submit" rather than saving a draft."""
    return Cleaner(form).raw("action") == "submit"


# ---- the live roadshow -------------------------------------------------------------------

class RoadshowForm(Form):
    """A button of the roadshow control page (the service refuses an action it does not know,
    in its own words)."""

    action = Choice(ROADSHOW_ACTIONS)
    confirm = Flag()  # go on although some of the project's judges have not submitted


class OnStageForm(Form):
    """Putting a project on stage: which one, and its minutes (8 when not given)."""

    application = Id(name="application_id")
    minutes = Integer(minimum=1, maximum=60)
