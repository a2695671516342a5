"""Demo money: the confirmed demo awards get signed agreements; one has its first tranche
paid, one a payment waiting for the finance login's approval, and one a failed mid-term
evaluation that stopped its later tranches and asks for a refund. The fund statement shows
them all.

Called by the demo loader after the awards demo; goes through the money services.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from grants import audit
from grants.accounts.models import User
from grants.disbursements import services as money
from grants.disbursements.models import Agreement
from grants.timeutil import today


def load(session: Session, actor: audit.Actor = audit.SYSTEM) -> dict[str, int]:
    users = {u.username: u for u in session.execute(select(User).where(
        User.username.in_(("finance", "finance2", "organiser")))).scalars()}
    agreements = list(session.execute(select(Agreement).order_by(Agreement.id)).scalars())
    if len(agreements) < 3 or len(users) < 3:
        return {}
    finance, finance2, organiser = users["finance"], users["finance2"], users["organiser"]
    as_finance = audit.Actor(finance.id, finance.username)
    as_finance2 = audit.Actor(finance2.id, finance2.username)
    as_organiser = audit.Actor(organiser.id, organiser.username)
    signed_on = today() - timedelta(days=10)
    for agreement in agreements:
        money.sign(session, as_organiser, organiser, agreement, signed_on=signed_on,
                   signatories="南山街道办事处 李主任；" + money._organisation_name(
                       session, agreement.organisation_id)[:60] + " 负责人")
    paid, waiting, failed = agreements[0], agreements[1], agreements[2]
    for agreement, reference in ((paid, "CMB2026110001"), (failed, "CMB2026110002")):
        first = money.tranches_of(session, agreement)[0]
        payment = money.record_payment(session, as_finance, finance, first,
                                       amount_fen=first.amount_fen,
                                       paid_on=signed_on + timedelta(days=2),
                                       bank_reference=reference, note="首期拨付")
        money.approve(session, as_finance2, finance2, payment)
    first = money.tranches_of(session, waiting)[0]
    money.record_payment(session, as_finance2, finance2, first, amount_fen=first.amount_fen,
                         paid_on=today(), bank_reference="CMB2026110003", note="首期拨付")
    paid_first = money.tranches_of(session, failed)[0].amount_fen
    from grants.reports import services as reports

    # The failed evaluation grades a mid-term report that was submitted, as it would be.
    weak = reports.start(session, as_organiser, None, failed, "midterm")
    reports.save(session, as_organiser, None, weak, {
        "activities_held": "3", "people_served": "85", "volunteers": "2",
        "volunteer_hours": "16",
        "narrative": "受场地调整影响，半年来仅开展活动3场，服务85人次；部分活动未留存签到台账。",
        "stories": ""})
    reports.submit(session, as_organiser, None, weak)
    reports.evaluate(session, as_organiser, organiser, weak, grade="fail", score=42,
                     comments="中期评估不合格：活动场次不足计划的一半，台账缺失。",
                     refund_fen=paid_first // 5)

    report = reports.start(session, as_organiser, None, paid, "midterm")
    reports.save(session, as_organiser, None, report, {
        "activities_held": "14", "people_served": "1260", "volunteers": "18",
        "volunteer_hours": "342",
        "narrative": "半年来在南园、荔林两个社区开展骑手驿站开放日和安全讲座14场，"
                     "服务骑手及居民1260人次，建立骑手志愿服务队1支。",
        "stories": "骑手小王在驿站学会了急救技能，参与救助了一位突发疾病的老人。"})
    reports.submit(session, as_organiser, None, report)
    evaluator = session.execute(select(User).where(User.username == "evaluator")).scalars().first()
    if evaluator is not None:  # a third-party evaluation agency evaluates this round
        reports.add_evaluator(session, as_organiser, paid.round_id, evaluator.username,
                              "深圳市社会组织评估中心（示例）")
    return {"agreements": len(agreements), "reports": 2}
