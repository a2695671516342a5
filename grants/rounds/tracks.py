"""A round's tracks (赛道): adding, changing and removing them.

Every function takes the session first, records an audit event for each change and never
commits. Input that breaks a rule raises `FormErrors` and changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit
from grants.i18n import gettext as _
from grants.rounds.models import Round, Track
from grants.rounds.services import require_draft, touch
from grants.validation import FormErrors
from grants.vocab import SERVICE_AREAS


def _validate_track(session: Session, round_: Round, data: dict[str, Any],
                    track: Track | None, errors: dict[str, str] | None = None) -> None:
    errors = dict(errors or {})
    if not data.get("name") and "name" not in errors:
        errors["name"] = _("This field is required.")
    elif data.get("name"):
        clash = select(Track.id).where(Track.round_id == round_.id, Track.name == data["name"])
        if track is not None:
            clash = clash.where(Track.id != track.id)
        if session.execute(clash).first():
            errors["name"] = _("This round already has a track with this name.")
    if data.get("service_area") not in (None, *SERVICE_AREAS):
        errors["service_area"] = _("Not a valid choice.")
    if errors:
        raise FormErrors(errors)


def add_track(session: Session, actor: audit.Actor, round_: Round, data: dict[str, Any],
              errors: dict[str, str] | None = None) -> Track:
    require_draft(round_)
    _validate_track(session, round_, data, None, errors)
    position = session.execute(select(func.coalesce(func.max(Track.position), 0))
                               .where(Track.round_id == round_.id)).scalar_one() + 1
    track = Track(round_id=round_.id, name=data["name"], service_area=data.get("service_area"),
                  description=data.get("description", ""), position=position)
    session.add(track)
    touch(round_)
    audit.record(session, actor, "track.create", track)
    return track


def update_track(session: Session, actor: audit.Actor, round_: Round, track: Track,
                 data: dict[str, Any], errors: dict[str, str] | None = None) -> Track:
    require_draft(round_)
    _validate_track(session, round_, data, track, errors)
    before = audit.snapshot(track)
    track.name = data["name"]
    track.service_area = data.get("service_area")
    track.description = data.get("description", "")
    touch(round_)
    audit.record(session, actor, "track.update", track, before=before)
    return track


def remove_track(session: Session, actor: audit.Actor, round_: Round, track: Track) -> None:
    require_draft(round_)
    before = audit.snapshot(track)
    session.delete(track)
    touch(round_)
    audit.record(session, actor, "track.delete", object_type="track", object_id=track.id,
                 before=before)
