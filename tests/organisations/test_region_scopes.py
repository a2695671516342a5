"""A street office changes only the regions below it, and only platform staff read the whole
audit trail (found by a hostile test: a street organiser moved another street's community
into its own scope, and read every office's audit events)."""

from __future__ import annotations

from sqlalchemy import select

from grants.regions.models import Region
from tests import factories


def _parent(session, region_id):
    session.expire_all()
    return session.get(Region, region_id).parent_id


def test_a_street_organiser_changes_only_its_own_communities(client, session, streets):
    a, b = streets
    client.login("org-a")
    # another street's community: as if it did not exist
    for action, form in (("move", {"parent_id": str(a.street.id)}), ("retire", {"retired": "1"}),
                         ("rename", {"name": "改名"})):
        answer = client.post_form(f"/admin/regions/{b.community.id}/{action}", form)
        assert answer.status_code == 404, action
    assert _parent(session, b.community.id) == b.street.id
    # its own street is above what it may change; its own community may not leave its area
    assert client.post_form(f"/admin/regions/{a.street.id}/retire",
                            {"retired": "1"}).status_code == 403
    client.post_form(f"/admin/regions/{a.community.id}/move", {"parent_id": str(b.street.id)})
    assert _parent(session, a.community.id) == a.street.id
    # a new community goes under its own street only; no districts
    assert client.post_form("/admin/regions/new", {"name": "新社区", "level": "community",
                                                   "parent_id": str(b.street.id)}
                            ).status_code == 400
    assert client.post_form("/admin/regions/new", {"name": "新区", "level": "district"}
                            ).status_code == 400
    assert client.post_form("/admin/regions/new", {"name": "新社区", "level": "community",
                                                   "parent_id": str(a.street.id)}
                            ).status_code == 303
    assert session.execute(select(Region).where(Region.name == "新社区")).scalar_one(
        ).parent_id == a.street.id
    assert client.post_form(f"/admin/regions/{a.community.id}/rename",
                            {"name": "南山街道第一社区"}).status_code == 303


def test_the_district_organiser_moves_communities_between_its_streets(client, session, streets):
    a, b = streets
    client.login("org-district")
    assert client.post_form(f"/admin/regions/{a.community.id}/move",
                            {"parent_id": str(b.street.id)}).status_code == 303
    assert _parent(session, a.community.id) == b.street.id


def test_only_platform_organisers_read_the_audit_trail(client, session, streets):
    factories.user(session, "organiser", username="platform")
    session.commit()
    client.login("org-a")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit/verify").status_code == 403
    assert 'href="/admin/audit"' not in client.get("/").text
    client.cookies.clear()
    client.login("platform")
    assert client.get("/admin/audit").status_code == 200


def test_odd_digits_and_huge_ids_in_region_forms_change_nothing(client, session, streets):
    a, _b = streets
    client.login("org-district")
    for raw in ("²", "１", "٨", "99999999999999999999", "-1", "0"):
        answer = client.post_form(f"/admin/regions/{a.community.id}/move", {"parent_id": raw})
        assert answer.status_code == 303, raw
        assert _parent(session, a.community.id) == a.street.id
    assert client.post_form(f"/admin/regions/{a.community.id}/retire",
                            {"retired": "x"}).status_code == 303
    session.expire_all()
    assert not session.get(Region, a.community.id).retired
