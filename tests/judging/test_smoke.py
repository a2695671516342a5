import pytest

from tests.judging.factories import world

pytestmark = pytest.mark.db


def test_pages_render(client, session):
    w = world(session)
    client.login(w.organiser.username)
    assert client.get(f"/rounds/{w.round.id}/panel").status_code == 200
    page = client.get(f"/stages/{w.stage.id}/judging")
    assert page.status_code == 200, page.text
    client.get("/logout")
    client.login(w.judges[0].username)
    page = client.get("/judging")
    assert page.status_code == 200
