"""The live roadshow over HTTP: control, the judges' page, the JSON endpoint, the projection."""

from html import unescape

import pytest
from sqlalchemy import select

from grants.audit import SYSTEM
from grants.judging import services
from grants.rounds.models import Criterion, Stage
from grants.rounds.stages import default_stage_config
from tests.judging.factories import score_form, world

pytestmark = pytest.mark.db

ROADSHOW_RUBRIC = (("pitch", "项目展示", 50), ("defence", "答辩表现", 50))


def roadshow_world(session, n_judges=3):
    w = world(session, n_apps=2, n_judges=n_judges, k=n_judges, open_stage=False, assign=False)
    stage = Stage(round_id=w.round.id, kind="roadshow", name="路演答辩", position=50,
                  config={**default_stage_config("roadshow"), "aggregation": "drop_high_low",
                          "min_sheets": 1, "blind": False})
    session.add(stage)
    session.flush()
    for i, (key, name, points) in enumerate(ROADSHOW_RUBRIC):
        session.add(Criterion(stage_id=stage.id, key=key, name=name, max_points=points,
                              position=i))
    # The roadshow judges the applications that passed screening (no earlier scored stage).
    first = session.execute(select(Stage).where(Stage.round_id == w.round.id,
                                                Stage.kind == "scoring")).scalars().one()
    for criterion in session.execute(select(Criterion).where(
            Criterion.stage_id == first.id)).scalars():
        session.delete(criterion)
    session.flush()
    session.delete(first)
    session.flush()
    services.auto_assign(session, SYSTEM, stage, services.AssignPlan(n_judges, 0, 2))
    services.judging_of(session, stage).status = "open"
    session.commit()
    w.stage = stage
    return w, stage


def control(client, stage, action, **fields):
    return client.post_form(f"/stages/{stage.id}/roadshow", {"action": action, **fields})


def test_a_live_roadshow_from_control_to_projection(client, session):
    w, stage = roadshow_world(session)
    app = w.apps[0]
    client.login(w.organiser.username)
    assert control(client, stage, "open_scoring").status_code == 400  # nothing on stage yet
    assert control(client, stage, "set_current", application_id=app.id,
                   minutes=8).status_code == 303
    assert control(client, stage, "start_timer").status_code == 303
    client.get("/logout")
    judge = w.judges[0]
    assignment = w.assignment(session, judge, app)
    client.login(judge.username)
    # The judge's list leads to the live page, not to each project (which would be refused
    # until its turn).
    mine = client.get("/judging").text
    assert f'href="/stages/{stage.id}/live"' in mine
    assert f'href="/assignments/{assignment.id}"' not in mine and app.title in mine
    data = client.get(f"/stages/{stage.id}/live.json").json()
    assert data["current"]["title"] == app.title and data["scoring_open"] is False
    assert 0 < data["remaining"] <= 480
    assert "Score this project" not in client.get(f"/stages/{stage.id}/live").text
    # Before the organiser opens scoring, the judge cannot start.
    assert client.post_form(f"/assignments/{assignment.id}",
                            {"action": "confirm"}).status_code == 403
    client.get("/logout")
    client.login(w.organiser.username)
    control(client, stage, "open_scoring")
    client.get("/logout")
    totals = {}
    for judge, share in zip(w.judges, (0.9, 0.7, 0.5), strict=True):
        client.login(judge.username)
        assert "Score this project" in client.get(f"/stages/{stage.id}/live").text
        assignment = w.assignment(session, judge, app)
        response = client.post_form(f"/assignments/{assignment.id}", {"action": "confirm"})
        sheet_url = response.headers["location"]
        points = {key: n * share for key, _name, n in ROADSHOW_RUBRIC}
        response = client.post_form(sheet_url, score_form(points, action="submit"))
        assert response.headers["location"].endswith(f"/stages/{stage.id}/live")
        totals[judge.id] = sum(points.values())
        client.get("/logout")
    client.login(w.organiser.username)
    page = client.get(f"/stages/{stage.id}/projection").text
    assert "3 of 3 judges have submitted" in page
    assert "live-result" not in page  # the hall sees the result only when the organiser says
    control(client, stage, "show_result")
    control(client, stage, "show_ranking")
    page = client.get(f"/stages/{stage.id}/projection").text
    assert "Highest 90.0 and lowest 50.0 dropped" in page
    assert "Result: 70.0" in page
    assert "live-ranking" in page and app.title in page
    # The next project: the first one's sheets can no longer be changed.
    control(client, stage, "set_current", application_id=w.apps[1].id, minutes=5)
    client.get("/logout")
    client.login(w.judges[1].username)
    data = client.get(f"/stages/{stage.id}/live.json").json()
    assert data["current"]["id"] == w.apps[1].id and data["scoring_open"] is False
    assert "result" not in data


def test_only_panel_members_follow_and_only_organisers_control(client, session):
    w, stage = roadshow_world(session)
    other = world(session)
    client.login(other.judges[0].username)
    assert client.get(f"/stages/{stage.id}/live").status_code == 403
    assert client.get(f"/stages/{stage.id}/live.json").status_code == 403
    client.get("/logout")
    client.login(w.judges[0].username)
    assert client.get(f"/stages/{stage.id}/live").status_code == 200
    assert client.get(f"/stages/{stage.id}/projection").status_code == 403
    assert control(client, stage, "start_timer").status_code == 403
    client.get("/logout")
    client.login(w.organiser.username)
    assert control(client, stage, "nonsense").status_code == 400
    assert control(client, stage, "set_current", application_id=999999).status_code == 400
    assert control(client, stage, "set_current", application_id=w.apps[0].id,
                   minutes="abc").status_code == 400



def test_fifteen_judges_submit_at_the_same_moment(app, client, session):
    """Every judge's sheet is stored once (each also clicks twice), and the projection counts
    fifteen and shows the drop-high-low result computed by hand."""
    import threading

    from grants.judging.models import ScoreSheet
    from tests.conftest import Client

    w, stage = roadshow_world(session, n_judges=15)
    project = w.apps[0]
    client.login(w.organiser.username)
    control(client, stage, "set_current", application_id=project.id, minutes=8)
    control(client, stage, "open_scoring")
    judges = []
    for judge in w.judges:
        own = Client(app, base_url="http://testserver", headers={"accept-language": "en"})
        own.login(judge.username)
        assignment = w.assignment(session, judge, project)
        sheet_url = own.post_form(f"/assignments/{assignment.id}",
                                  {"action": "confirm"}).headers["location"]
        judges.append((own, sheet_url, own.csrf_token()))
    shares = [0.4 + 0.04 * i for i in range(15)]
    start = threading.Barrier(len(judges))
    answers: list[int] = []

    def submit(own, url, token, share):
        form = score_form({key: round(n * share, 1) for key, _name, n in ROADSHOW_RUBRIC},
                          action="submit", csrf_token=token)
        start.wait()
        for _ in range(2):  # a double click
            answers.append(own.post(url, data=form, follow_redirects=False).status_code)

    threads = [threading.Thread(target=submit, args=(*j, s))
               for j, s in zip(judges, shares, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(code < 500 for code in answers), answers
    session.expire_all()
    sheets = session.execute(select(ScoreSheet).where(
        ScoreSheet.stage_id == stage.id, ScoreSheet.application_id == project.id)).scalars().all()
    assert len(sheets) == 15 and {s.status for s in sheets} == {"submitted"}
    totals = sorted(sum(round(n * s, 1) for _k, _name, n in ROADSHOW_RUBRIC) for s in shares)
    expected = sum(totals[1:-1]) / 13
    control(client, stage, "show_result")
    page = client.get(f"/stages/{stage.id}/projection").text
    assert "15 of 15 judges have submitted" in page
    assert f"Result: {expected:.1f}" in page
    for own, _url, _token in judges:
        own.close()


def submit_as(client, session, w, judge, app, share=0.8):
    client.login(judge.username)
    assignment = w.assignment(session, judge, app)
    sheet_url = client.post_form(f"/assignments/{assignment.id}",
                                 {"action": "confirm"}).headers["location"]
    points = {key: n * share for key, _name, n in ROADSHOW_RUBRIC}
    assert client.post_form(sheet_url, score_form(points, action="submit")).status_code == 303
    client.get("/logout")


def test_closing_or_announcing_with_sheets_missing_asks_for_confirmation(client, session):
    """1 of 5 judges has submitted: closing scoring, showing the result or the ranking is
    refused with a plain message and a confirming button, and taken once confirmed."""
    w, stage = roadshow_world(session, n_judges=5)
    app = w.apps[0]
    client.login(w.organiser.username)
    control(client, stage, "set_current", application_id=app.id, minutes=8)
    control(client, stage, "open_scoring")
    client.get("/logout")
    submit_as(client, session, w, w.judges[0], app)
    client.login(w.organiser.username)
    page = unescape(client.get(f"/stages/{stage.id}/roadshow").text)
    assert "1 of the project's 5 judges have submitted." in page
    for action, label in (("close_scoring", "Close scoring anyway"),
                          ("show_result", "Show the result anyway"),
                          ("show_ranking", "Show the ranking anyway")):
        response = control(client, stage, action)
        assert response.status_code == 400, action
        assert "Only 1 of the project's 5 judges have submitted." in unescape(response.text)
        assert f"{label} (1 of 5 judges have submitted)" in response.text
        assert 'name="confirm" value="1"' in response.text
        assert f'name="action" value="{action}"' in response.text
    state = client.get(f"/stages/{stage.id}/live.json").json()
    assert state["scoring_open"] is True and state.get("result") is None
    assert "ranking" not in state
    for action in ("close_scoring", "show_result", "show_ranking"):
        assert control(client, stage, action, confirm="1").status_code == 303, action
    state = client.get(f"/stages/{stage.id}/live.json").json()
    assert state["scoring_open"] is False and state["scoring_state"] == "closed"
    assert state["result"]["totals"] == [80.0] and state["ranking"]
    # Chinese: the confirming button as the organiser reads it
    control(client, stage, "hide_result")
    response = client.post_form(f"/stages/{stage.id}/roadshow", {"action": "show_result"},
                                headers={"accept-language": "zh-CN"})
    assert "仍然显示结果（5 位评委中 1 位已提交）" in response.text


def test_no_confirmation_once_every_judge_has_submitted(client, session):
    w, stage = roadshow_world(session, n_judges=3)
    app = w.apps[0]
    client.login(w.organiser.username)
    control(client, stage, "set_current", application_id=app.id, minutes=8)
    control(client, stage, "open_scoring")
    client.get("/logout")
    for judge in w.judges:
        submit_as(client, session, w, judge, app)
    client.login(w.organiser.username)
    assert "Closing scoring or showing the result now asks" not in client.get(
        f"/stages/{stage.id}/roadshow").text
    for action in ("close_scoring", "show_result", "show_ranking"):
        assert control(client, stage, action).status_code == 303, action


def test_the_badge_tells_not_yet_open_from_ended(client, session):
    w, stage = roadshow_world(session)
    client.login(w.organiser.username)
    control(client, stage, "set_current", application_id=w.apps[0].id, minutes=8)

    def badge(locale="en"):
        page = client.get(f"/stages/{stage.id}/projection",
                          headers={"accept-language": locale}).text
        return page.split('id="live-scoring"', 1)[1].split("</p>", 1)[0]

    assert "Scoring has not opened yet" in badge() and "评分未开放" in badge("zh-CN")
    control(client, stage, "open_scoring")
    assert "Scoring is open" in badge()
    control(client, stage, "close_scoring", confirm="1")
    assert "Scoring has ended" in badge() and "评分已结束" in badge("zh-CN")
    assert client.get(f"/stages/{stage.id}/live.json").json()["scoring_state"] == "closed"
    # the next project: not opened yet again
    control(client, stage, "set_current", application_id=w.apps[1].id, minutes=8)
    assert "Scoring has not opened yet" in badge()


def test_the_projection_is_a_clean_full_screen_page(client, session):
    w, stage = roadshow_world(session)
    client.login(w.organiser.username)
    control(client, stage, "set_current", application_id=w.apps[0].id, minutes=8)
    response = client.get(f"/stages/{stage.id}/projection")
    assert response.status_code == 200
    page = response.text
    for absent in ('class="site-header"', "main-nav", "site-footer", "Log out",
                   w.organiser.display_name, "/logout", "/notices", "style="):
        assert absent not in page, absent
    assert 'class="projection-page"' in page and 'id="live"' in page
    assert w.apps[0].title in page
    assert "/static/js/roadshow.js" in page
    assert "<script>" not in page  # no inline script (the CSP forbids it)
    # the control page still carries the site's menu
    assert 'class="site-header"' in client.get(f"/stages/{stage.id}/roadshow").text
