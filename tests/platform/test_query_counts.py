"""The number of SQL statements a page runs does not grow with the data behind it."""

import pytest

from tests import factories
from tests.querycount import count_queries


@pytest.fixture(autouse=True)
def _render_every_time(settings):
    """Count what a page runs when it renders, not a kept page (grants/pagecache.py)."""
    from dataclasses import replace

    from grants.settings import reset_settings

    reset_settings(replace(settings, page_cache_seconds=0))


def _grow(session, n):
    street = factories.community(session).parent_id
    from grants.regions.models import Region

    street_region = session.get(Region, street)
    foundation = factories.organisation(session, org_type="foundation",
                                        credit_code=factories.credit_code("3"))
    for _ in range(n):
        place = factories.community(session, street=street_region)
        factories.organisation(session, community_id=place.id)
        factories.fund(session, owner_org_id=foundation.id, host_org_id=foundation.id,
                       contributed_fen=100_000, community_ids=[place.id])
    session.commit()


@pytest.mark.parametrize("path", ["/", "/organisations", "/funds", "/admin/users", "/admin/regions",
                                  "/admin/audit"])
def test_statements_per_page_do_not_grow_with_the_data(client, session, engine, path):
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    _grow(session, 3)
    with count_queries(engine) as small:
        assert client.get(path).status_code == 200
    _grow(session, 30)
    with count_queries(engine) as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), f"{path}: {len(small)} statements, then {len(large)}"


def _grow_applications(session, rnd, n):
    from tests.applications import factories as af

    for _ in range(n):
        user = af.applicant(session)
        af.application(session, rnd, user, title=f"项目{user.id}")
    session.commit()


@pytest.mark.parametrize("path", ["/rounds", "/rounds/open", "/rounds/{id}",
                                  "/rounds/{id}/applications"])
def test_round_and_application_lists_do_not_grow_with_the_data(client, session, engine, path):
    from tests.applications import factories as af

    rnd = af.round_(session, name="2026年测试大赛")
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    url = path.format(id=rnd.id)
    _grow_applications(session, rnd, 2)
    with count_queries(engine) as small:
        assert client.get(url).status_code == 200
    _grow_applications(session, rnd, 15)
    for n in range(3):
        af.round_(session, name=f"另一届大赛{n}")
    session.commit()
    with count_queries(engine) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small), f"{url}: {len(small)} statements, then {len(large)}"


def test_the_applicants_list_does_not_grow_with_their_applications(client, session, engine):
    from tests.applications import factories as af

    user = af.applicant(session)
    rounds = [af.round_(session, name=f"大赛{n}", max_applications_per_org=5) for n in range(4)]
    af.application(session, rounds[0], user)
    session.commit()
    client.login(user.username)
    with count_queries(engine) as small:
        assert client.get("/applications/mine").status_code == 200
    for rnd in rounds[1:]:
        af.application(session, rnd, user)
    session.commit()
    with count_queries(engine) as large:
        assert client.get("/applications/mine").status_code == 200
    assert len(large) == len(small)


def test_an_applicants_open_rounds_do_not_grow_with_the_rounds(client, session, engine):
    """The page says, for each open round, whether the applicant's organisation may apply:
    the organisation's bar and its applications are looked up once for the page."""
    from tests.applications import factories as af

    user = af.applicant(session)
    af.round_(session, name="大赛甲")
    session.commit()
    client.login(user.username)
    with count_queries(engine) as small:
        assert "大赛甲" in client.get("/rounds/open").text
    for n in range(5):
        af.round_(session, name=f"大赛{n}")
    session.commit()
    with count_queries(engine) as large:
        assert "大赛4" in client.get("/rounds/open").text
    assert len(large) == len(small), f"{len(small)} statements, then {len(large)}"
