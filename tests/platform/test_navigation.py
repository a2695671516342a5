"""The areas link to each other: an open round leads applicants to apply and organisers to the
applications."""

from bs4 import BeautifulSoup

from tests import factories
from tests.applications import factories as af


def test_an_open_round_invites_applicants_to_apply(client, session):
    user = af.applicant(session)
    rnd = af.round_(session, name="2026年坂田街道公益创投大赛")
    session.commit()
    client.login(user.username)
    soup = BeautifulSoup(client.get("/rounds/open").text, "html.parser")
    assert soup.select_one(f"#open-round-{rnd.id} a[href='/rounds/{rnd.id}/apply']") is not None


def test_the_round_page_leads_organisers_to_its_applications(client, session):
    rnd = af.round_(session)
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    soup = BeautifulSoup(client.get(f"/rounds/{rnd.id}").text, "html.parser")
    assert soup.select_one(f"a[href='/rounds/{rnd.id}/applications']") is not None


def test_filters_ignore_malformed_numbers(client, session):
    rnd = af.round_(session)
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    for path in (f"/rounds/{rnd.id}/applications?track_id=abc&community_id=1e9",
                 "/rounds?year=20266&status=nope", "/organisations?street_id=-1"):
        assert client.get(path).status_code == 200, path
