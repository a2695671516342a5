"""Progress, closing a stage and its results: the same numbers as scoring/ called directly."""

import io

import numpy as np
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from grants import lifecycle
from grants.audit import SYSTEM
from grants.judging import results, services
from grants.judging.models import ScoreSheet
from grants.notifications.models import Notice
from grants.rounds.models import Round
from scoring import aggregate, confidence, rank
from tests.judging.factories import world
from tests.rounds import factories as rf

pytestmark = pytest.mark.db

# totals by application (rows) and judge (columns); each criterion gets the same share
TOTALS = [[90, 80, 85], [70, 75, 60], [70, 60, 75]]


def points_for(total):
    return {key: points * total / 100 for key, _n, points in rf.RUBRIC}


def score_all(session, w, totals=TOTALS, skip=()):
    for i, app in enumerate(w.apps):
        for j, judge in enumerate(w.judges):
            if (i, j) in skip:
                continue
            assignment = w.assignment(session, judge, app)
            lifecycle.perform(session, SYSTEM, judge, "assignment.confirm", assignment)
            sheet = services.sheet_of(session, assignment, create=True)
            data = services.SheetInput(points=points_for(totals[i][j]))
            services.save_sheet(session, SYSTEM, judge, sheet, data, submit=True)
    session.commit()


def test_hand_worked_results_equal_scoring_called_directly(client, session):
    w = world(session, n_apps=3, n_judges=3, k=3, blind=False)
    score_all(session, w)
    client.login(w.organiser.username)
    assert client.post_form(f"/stages/{w.stage.id}/judging/close").status_code == 303
    session.expire_all()
    judging = services.judging_of(session, w.stage)
    assert judging.status == "closed"
    got = {a["id"]: a for a in judging.results["applications"]}
    x = np.array(TOTALS, dtype=float)
    expected = aggregate.mean(x)
    assert [got[a.id]["score"] for a in w.apps] == pytest.approx(list(expected))
    assert [got[a.id]["score"] for a in w.apps] == pytest.approx([85, 205 / 3, 205 / 3])
    ranking = rank.rank(expected, seed=0)
    assert [got[a.id]["position"] for a in w.apps] == list(ranking.position)
    assert [got[a.id]["display_rank"] for a in w.apps] == [1, 2, 2]
    assert judging.results["ties"][0]["separated_by"] == ["lot"]  # tie-break evidence
    fp = confidence.funding_probability(x, confidence.TopN(1), n_resamples=1000, seed=0)
    assert [got[a.id]["probability"] for a in w.apps] == pytest.approx(list(fp.probability))
    stats = confidence.judge_report(x)
    assert [j["severity"] for j in judging.results["judges"]] == pytest.approx(
        list(stats.severity))
    assert judging.advanced == [w.apps[0].id]  # top 1
    page = client.get(f"/stages/{w.stage.id}/judging").text
    assert "Krippendorff" in page and "Probability of passing" in page
    assert "Tied on" in page
    tied = page[page.index('id="ties"'):]
    tied = tied[:tied.index("</ul>")]
    # the tie is worded: the tied projects by number and title, "drawing lots" not the code
    assert f"#{w.apps[1].id} {w.apps[1].title}" in tied and "drawing lots" in tied
    assert "separated by lot" not in tied


def test_closing_is_blocked_below_the_minimum_until_a_replacement_scores(client, session):
    w = world(session, n_apps=3, n_judges=4, k=3)
    # min_sheets is 3; every application has 3 judges; leave one sheet unsubmitted.
    first = w.apps[0]
    judges = [j for j in w.judges if w.assignment(session, j, first) is not None]
    missing = judges[0]
    for app in w.apps:
        for judge in w.judges:
            assignment = w.assignment(session, judge, app)
            if assignment is None or (app is first and judge is missing):
                continue
            lifecycle.perform(session, SYSTEM, judge, "assignment.confirm", assignment)
            sheet = services.sheet_of(session, assignment, create=True)
            services.save_sheet(session, SYSTEM, judge, sheet,
                                services.SheetInput(points=points_for(80)), submit=True)
    session.commit()
    client.login(w.organiser.username)
    page = client.get(f"/stages/{w.stage.id}/judging").text
    assert f"Application #{first.id} has 2 submitted sheets; it needs 3." in page
    response = client.post_form(f"/stages/{w.stage.id}/judging/close")
    assert response.status_code == 400
    assert services.judging_of(session, w.stage).status == "open"
    # The round cannot leave judging either.
    round_ = session.get(Round, w.round.id)
    assert any(w.stage.name in p for p in lifecycle.problems(session, "round.decide", round_))
    # The organiser replaces the missing judge: remove with a reason, assign the spare judge.
    assignment = w.assignment(session, missing, first)
    assert client.post_form(f"/assignments/{assignment.id}/remove",
                            {"reason": "联系不上"}).status_code == 303
    spare = next(j for j in w.judges if j not in judges)
    assert client.post_form(f"/stages/{w.stage.id}/judging/add", {
        "application_id": first.id, "user_id": spare.id, "reason": "替补"}).status_code == 303
    assert session.execute(select(Notice).where(Notice.user_id == spare.id)).first()
    replacement = w.assignment(session, spare, first)
    lifecycle.perform(session, SYSTEM, spare, "assignment.confirm", replacement)
    sheet = services.sheet_of(session, replacement, create=True)
    services.save_sheet(session, SYSTEM, spare, sheet, services.SheetInput(
        points=points_for(70)), submit=True)
    session.commit()
    assert client.post_form(f"/stages/{w.stage.id}/judging/close").status_code == 303
    session.expire_all()
    from grants.rounds.workflow import LIFECYCLE

    finished = LIFECYCLE.checks["judging_finished"].function
    assert finished(session, session.get(Round, w.round.id), None) == []


def test_reminders_go_to_judges_who_are_behind(client, session):
    w = world(session, n_apps=2, n_judges=2, k=2)
    score_all(session, w, totals=[[80, 70], [60, 50]], skip={(0, 1), (1, 1)})
    client.login(w.organiser.username)
    assert client.post_form(f"/stages/{w.stage.id}/judging/remind").status_code == 303
    reminded = session.execute(select(Notice).where(Notice.link == "/judging")
                               ).scalars().all()
    assert [n.user_id for n in reminded] == [w.judges[1].id]
    judges, _per_app = services.progress(session, w.stage)
    assert {j.user.id: (j.assigned, j.submitted) for j in judges} == {
        w.judges[0].id: (2, 2), w.judges[1].id: (2, 0)}


def test_advancement_override_needs_a_reason_and_is_recorded(client, session):
    w = world(session, n_apps=3, n_judges=3, k=3)
    score_all(session, w)
    client.login(w.organiser.username)
    client.post_form(f"/stages/{w.stage.id}/judging/close")
    second = w.apps[1].id
    assert client.post_form(f"/stages/{w.stage.id}/judging/advance", {
        "application_id": second, "advanced": "1", "reason": ""}).status_code == 400
    assert client.post_form(f"/stages/{w.stage.id}/judging/advance", {
        "application_id": second, "advanced": "1", "reason": "评审会议决定"}).status_code == 303
    session.expire_all()
    judging = services.judging_of(session, w.stage)
    assert judging.advanced == sorted([w.apps[0].id, second])
    assert judging.overrides[0]["reason"] == "评审会议决定"


def test_blind_export_leaves_out_the_organisation(client, session):
    w = world(session, n_apps=3, n_judges=3, k=3, org_names=("导出机构甲", "导出机构乙", "导出机构丙"))
    score_all(session, w)
    client.login(w.organiser.username)
    client.post_form(f"/stages/{w.stage.id}/judging/close")
    response = client.get(f"/stages/{w.stage.id}/judging/scores.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = [str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True)
             for c in row]
    assert not any("导出机构" in c for c in cells)
    assert len(list(book.worksheets[0].iter_rows())) == 1 + 9  # header + 3 × 3 sheets


def test_results_module_matches_direct_matrix(session):
    w = world(session, n_apps=3, n_judges=3, k=3)
    score_all(session, w)
    app_ids, _judge_ids, totals, points = results.matrix(session, w.stage)
    assert app_ids == [a.id for a in w.apps]
    assert totals.tolist() == TOTALS
    assert points.shape == (3, 3, len(rf.RUBRIC))
    assert session.execute(select(ScoreSheet).where(ScoreSheet.status == "submitted")
                           ).scalars().all()


def test_a_composed_stage_hand_worked(client, session):
    """3 experts and 2 public judges, public weight 40 %, 筹资加分 by the co-funding share
    (capped at 15), 特别加分 granted with a reason (capped at 10): the results page shows the
    breakdown and the final scores computed by hand."""
    from grants.judging.models import PanelMember
    from grants.rounds.models import Stage

    w = world(session, n_apps=3, n_judges=5, k=5, blind=False)
    public = w.judges[3:]
    for member in session.execute(select(PanelMember).where(
            PanelMember.round_id == w.round.id)).scalars():
        member.public = member.user_id in {j.id for j in public}
    stage = session.get(Stage, w.stage.id)
    stage.config = {**stage.config, "advancement": {"rule": "top_n", "value": 1},
                    "composition": {"public_weight": 40,
                                    "funding_table": [[10, 5], [20, 10], [30, 20]],
                                    "funding_cap": 15, "special_cap": 10}}
    # co-funding shares: 25 %, 0 %, 40 % of each budget
    for app, (request_fen, cofunding_fen) in zip(
            w.apps, ((75_000_00, 25_000_00), (50_000_00, 0), (30_000_00, 20_000_00)),
            strict=True):
        app.request_fen, app.cofunding_fen = request_fen, cofunding_fen
    session.commit()
    totals = [[80, 90, 70, 60, 70],   # experts 80, public 65
              [90, 90, 90, 90, 90],   # experts 90, public 90
              [70, 60, 80, 50, 60]]   # experts 70, public 55
    score_all(session, w, totals=totals)
    client.login(w.organiser.username)
    refused = client.post_form(f"/stages/{w.stage.id}/judging/bonus",
                               {"application_id": str(w.apps[0].id), "points": "11",
                                "reason": "社区急需"})
    assert refused.status_code == 400  # over the cap
    granted = client.post_form(f"/stages/{w.stage.id}/judging/bonus",
                               {"application_id": str(w.apps[0].id), "points": "8",
                                "reason": "服务“一老一小”主题，按大赛特别加分规则加分"})
    assert granted.status_code == 303
    assert client.post_form(f"/stages/{w.stage.id}/judging/close").status_code == 303
    session.expire_all()
    got = {a["id"]: a for a in services.judging_of(session, w.stage).results["applications"]}
    # 0.6 × 80 + 0.4 × 65 + 10 (25 % → 10) + 8 = 92
    # 0.6 × 90 + 0.4 × 90 + 0 + 0 = 90
    # 0.6 × 70 + 0.4 × 55 + 15 (40 % → 20, capped at 15) + 0 = 79
    assert [got[a.id]["score"] for a in w.apps] == pytest.approx([92.0, 90.0, 79.0])
    assert got[w.apps[0].id]["parts"] == pytest.approx({
        "expert": 80.0, "public": 65.0, "funding": 10.0, "special": 8.0,
        "cofunding_share": 25.0, "vote": 0.0})
    assert got[w.apps[0].id]["passes"] and not got[w.apps[1].id]["passes"]
    page = client.get(f"/stages/{w.stage.id}/judging").text
    assert 'id="composition-note"' in page and "92.00" in page and "65.00" in page
    from grants.audit import AuditEvent

    assert session.execute(select(AuditEvent.id).where(
        AuditEvent.action == "bonus.grant")).first() is not None


def test_the_public_vote_as_a_weighted_part_of_a_composed_score(session):
    """With the round's vote counting for 20 %: final = 0.8 × judges + 0.2 × votes (out of
    100, against the most votes) + bonuses."""
    from datetime import date

    from grants.judging.models import PanelMember
    from grants.rounds.models import Stage
    from grants.timeutil import now
    from grants.votes.models import Vote, VoteSetup

    w = world(session, n_apps=3, n_judges=5, k=5, blind=False)
    for member in session.execute(select(PanelMember).where(
            PanelMember.round_id == w.round.id)).scalars():
        member.public = member.user_id in {j.id for j in w.judges[3:]}
    stage = session.get(Stage, w.stage.id)
    stage.config = {**stage.config, "advancement": {"rule": "top_n", "value": 1},
                    "composition": {"public_weight": 40, "funding_table": [],
                                    "funding_cap": 0, "special_cap": 0}}
    session.add(VoteSetup(round_id=w.round.id, status="closed", use="score", weight_pct=20,
                          application_ids=[a.id for a in w.apps]))
    for app, n in zip(w.apps, (3, 6, 0), strict=True):
        for k in range(n):
            session.add(Vote(round_id=w.round.id, application_id=app.id,
                             voter_hash=f"voter{k}", ip_hash="ip", device_hash="d",
                             day=date(2026, 11, 1), at=now()))
    session.commit()
    score_all(session, w, totals=[[80, 90, 70, 60, 70], [90, 90, 90, 90, 90],
                                  [70, 60, 80, 50, 60]])
    out = results.close_stage(session, SYSTEM, None, session.get(Stage, w.stage.id))
    got = {a["id"]: a for a in out["applications"]}
    # judges 74, 90, 64; votes 50, 100, 0 (of 100)
    assert [got[a.id]["score"] for a in w.apps] == pytest.approx([69.2, 92.0, 51.2])
    assert out["vote_weight"] == 20 and got[w.apps[1].id]["parts"]["vote"] == 100.0


def test_provisional_results_leave_an_application_below_the_minimum_unranked(client, session):
    """The stage is open; application 1 has 1 sheet of the 3 required (a perfect score): it is
    neither ranked first nor given a probability of passing, and does not take the line."""
    w = world(session, n_apps=3, n_judges=3, k=3, blind=False)
    score_all(session, w, totals=[[100, 100, 100], [80, 75, 70], [60, 65, 55]],
              skip={(0, 1), (0, 2)})
    data = results.compute(session, w.stage)
    rows = {a["id"]: a for a in data["applications"]}
    first, second = rows[w.apps[0].id], rows[w.apps[1].id]
    assert first["n_sheets"] == 1 and first["short"] is True
    assert first["probability"] is None and first["passes"] is False
    assert second["short"] is False and second["passes"] is True
    assert data["min_sheets"] == 3
    # The others' chances are those of a contest without it (it does not take the line in
    # the resamples either).
    import numpy as np

    from scoring import confidence

    alone = confidence.funding_probability(
        np.array([[80.0, 75.0, 70.0], [60.0, 65.0, 55.0]]), confidence.TopN(data["n_pass"]),
        n_resamples=1000, seed=data["seed"], aggregate=data["bootstrap_method"])
    assert [second["probability"], rows[w.apps[2].id]["probability"]] == pytest.approx(
        [float(p) for p in alone.probability], abs=0.001)
    assert second["probability"] > 0.5
    client.login(w.organiser.username)
    page = client.get(f"/stages/{w.stage.id}/judging").text
    row = page.split(f'id="result-{w.apps[0].id}"', 1)[1].split("</tr>", 1)[0]
    assert "Not enough sheets yet; not computed" in row and "100%" not in row
    assert "Too few sheets (1 of at least 3): not ranked yet" in row
    # the ranked applications come first, the one below the minimum last
    assert page.index(f'id="result-{w.apps[1].id}"') < page.index(f'id="result-{w.apps[0].id}"')
    zh = client.get(f"/stages/{w.stage.id}/judging", headers={"accept-language": "zh-CN"}).text
    assert "评分不足，暂不计算" in zh.split(f'id="result-{w.apps[0].id}"', 1)[1].split("</tr>")[0]


def test_agreement_has_two_decimals_and_calibration_notes_are_words(client, session):
    """Five judges; the fifth scores 30 points below the others (flagged "harsh") and the
    page says so in words, in English and Chinese, with α and ICC to 2 decimals."""
    import re

    w = world(session, n_apps=3, n_judges=5, k=5, blind=False)
    totals = [[80, 81, 79, 80.5, 50], [70, 71, 69, 70, 40], [60, 61, 59, 60.5, 30]]
    score_all(session, w, totals=totals)
    data = results.compute(session, w.stage)
    harsh = [j for j in data["judges"] if "harsh" in j["flags"]]
    assert [j["id"] for j in harsh] == [w.judges[4].id]
    client.login(w.organiser.username)
    page = client.get(f"/stages/{w.stage.id}/judging").text
    agreement = page.split('id="agreement"', 1)[1].split("</p>", 1)[0]
    assert re.search(r"Krippendorff α = -?\d+\.\d\d, ICC\(1,1\) = (-?\d+\.\d\d|—)\)", agreement)
    calibration = page.split('id="calibration"', 1)[1].split("</table>", 1)[0]
    assert "harsher than the other judges" in calibration
    assert not re.search(r"\bharsh\b", calibration)  # the code itself is not shown
    zh = client.get(f"/stages/{w.stage.id}/judging", headers={"accept-language": "zh-CN"}).text
    calibration = zh.split('id="calibration"', 1)[1].split("</table>", 1)[0]
    assert "打分比其他评委严格" in calibration and "harsh" not in calibration


def test_stored_results_are_worded_in_the_readers_language(client, session):
    """A stage closed by someone reading Chinese shows its line and agreement in English to
    an English reader (the snapshot keeps codes and numbers; the page words them)."""
    from grants import i18n
    from grants.rounds.models import Stage

    w = world(session, n_apps=3, n_judges=3, k=3, blind=False)
    score_all(session, w)
    token = i18n.current_locale.set("zh_CN")
    try:
        stored = results.close_stage(session, SYSTEM, None, session.get(Stage, w.stage.id))
        session.commit()
    finally:
        i18n.current_locale.reset(token)
    assert "前" in stored["rule"] or "分" in stored["rule"]  # worded in Chinese when closed
    client.login(w.organiser.username)
    page = client.get(f"/stages/{w.stage.id}/judging").text
    line = page.split("Line:", 1)[1].split("</p>", 1)[0]
    assert "前" not in line and ("top" in line or "score at least" in line)
    agreement = page.split('id="agreement">', 1)[1].split("<span", 1)[0]
    assert agreement.strip() and not any("\u4e00" <= ch <= "\u9fff" for ch in agreement)


def test_ranks_count_ranked_applications_only_and_mark_ties(session):
    """An application not ranked yet (too few sheets, the top score) leaves no gap in the
    ranks; equal scores share a rank, marked tied, the tie-break chain deciding the order."""
    w = world(session, n_apps=4, n_judges=3, k=3, blind=False)
    score_all(session, w, totals=[[100, 100, 100], [80, 80, 80], [70, 70, 70], [70, 70, 70]],
              skip={(0, 1), (0, 2)})
    rows = {a["id"]: a for a in results.compute(session, w.stage)["applications"]}
    ranks = [(rows[a.id]["display_rank"], rows[a.id]["tied"]) for a in w.apps[1:]]
    assert ranks == [(1, False), (2, True), (2, True)]
    assert rows[w.apps[0].id]["short"]
    assert sorted(rows[a.id]["position"] for a in w.apps[2:]) != [rows[w.apps[2].id][
        "position"]] * 2  # the chain still puts one before the other


def test_the_results_say_why_no_probability_is_computed(client, session):
    w = world(session, n_apps=3, n_judges=3, k=3, blind=False)
    w.stage.config = {**w.stage.config, "advancement": {"rule": "top_n", "value": 5}}
    session.commit()
    score_all(session, w)
    data = results.compute(session, w.stage)
    assert data["no_probability"] == "all_pass"
    assert all(a["probability"] is None for a in data["applications"])
    client.login(w.organiser.username)
    page = client.get(f"/stages/{w.stage.id}/judging").text
    assert 'id="no-probability"' in page and "passes for certain" in page
    assert results._why_no_probability(0, 3) == "no_line"
    assert results._why_no_probability(2, 3) == ""
