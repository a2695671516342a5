"""The number of SQL statements a page runs does not grow with the data behind it."""

import pytest

from tests import factories
from tests.querycount import count_queries


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
