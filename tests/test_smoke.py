from tests import factories


def test_an_organiser_logs_in_and_sees_the_organisations(client, session):
    org = factories.organisation(session, name="坂田义工联")
    factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    page = client.get("/organisations")
    assert page.status_code == 200
    assert org.name in page.text
