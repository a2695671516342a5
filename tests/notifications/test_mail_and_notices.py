"""The outbox sent through a real local SMTP server (aiosmtpd), and in-app notices."""

from __future__ import annotations

import email
import socket
from dataclasses import replace
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from grants.applications import services
from grants.notifications import services as notifications
from grants.notifications.models import Notice, OutboxMessage
from tests import factories
from tests.applications import factories as af


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_the_submission_email_arrives_with_its_chinese_body(client, session, settings, smtp):
    controller, inbox = smtp
    rnd = af.round_(session, name="2026年测试街道公益创投大赛")
    organiser = factories.user(session, "organiser", username="mailboss")
    organiser.email = "boss@example.org"
    organiser.locale = "zh_CN"
    user = af.applicant(session, name="幸福长者协会")
    app = af.application(session, rnd, user)
    session.commit()
    client.login(user.username)
    assert client.post_form(f"/applications/{app.id}/submit").status_code == 303
    mail_settings = replace(settings, mail_host="127.0.0.1", mail_port=controller.port,
                            mail_from="noreply@grants.example")
    sent, failed = notifications.send_pending(session, mail_settings)
    session.commit()
    assert (sent, failed) == (1, 0)
    (recipients, raw), = inbox.messages
    assert recipients == ["boss@example.org"]
    message = email.message_from_bytes(raw, policy=default)
    assert message["Subject"] == "新申报：长者食堂互助计划"
    body = message.get_content()
    assert "幸福长者协会向2026年测试街道公益创投大赛提交了“长者食堂互助计划”（第 1 版）" in body
    assert f"/applications/{app.id}" in body
    stored = session.execute(select(OutboxMessage)).scalar_one()
    assert stored.sent_at is not None and stored.attempts == 1
    assert notifications.send_pending(session, mail_settings) == (0, 0)


def test_an_unreachable_server_is_counted_and_retried(session, settings):
    session.add(OutboxMessage(to="a@example.org", subject="测试", body="正文"))
    session.flush()
    dead = replace(settings, mail_host="127.0.0.1", mail_port=free_port())
    assert notifications.send_pending(session, dead) == (0, 1)
    message = session.execute(select(OutboxMessage)).scalar_one()
    assert message.sent_at is None and message.attempts == 1 and message.last_error


def test_notices_page_unread_count_and_mark_read(client, session):
    rnd = af.round_(session)
    organiser = factories.user(session, "organiser", username="noticeboss")
    user = af.applicant(session)
    app = af.application(session, rnd, user)
    services.submit(session, af.ACTOR, user, app, rnd)
    services.return_for_correction(session, af.ACTOR, organiser, app, rnd, "补充预算说明")
    session.commit()
    client.login(user.username)
    page = client.get("/notices")
    assert page.status_code == 200 and "补充预算说明" in page.text
    assert 'aria-label="1 unread"' in page.text
    notice = session.execute(select(Notice).where(Notice.user_id == user.id)).scalar_one()
    other = af.applicant(session)
    session.commit()
    response = client.post_form(f"/notices/{notice.id}/read")
    assert response.status_code == 303 and response.headers["location"] == f"/applications/{app.id}"
    assert 'unread"' not in client.get("/notices").text
    client.login(other.username)
    assert "补充预算说明" not in client.get("/notices").text
    assert client.post_form(f"/notices/{notice.id}/read").status_code == 404
    client.login(organiser.username)
    assert "New application: " in client.get("/notices").text  # in the reader's language
    assert client.post_form("/notices/read-all").status_code == 303
    session.expire_all()
    assert session.execute(select(Notice).where(Notice.user_id == organiser.id,
                                                Notice.read_at.is_(None))).first() is None


def test_the_unread_count_costs_one_query(client, session, engine):
    from sqlalchemy import event

    user = af.applicant(session)
    for n in range(5):
        session.add(Notice(user_id=user.id, title=f"通知{n}"))
    session.commit()
    client.login(user.username)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/notices")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert 'aria-label="5 unread"' in page.text
    assert sum("count(" in s.lower() and "read_at is null" in s.lower()
               for s in statements) == 1


def test_the_applicants_home_shows_the_unread_count_as_a_number(zh_client, session):
    from grants.notifications import services as notices
    from tests.applications import factories as af

    user = af.applicant(session)
    notices.notify(session, [user], title="测试通知 %(n)s", body="正文", params={"n": 1}, link="/")
    notices.notify(session, [user], title="测试通知 %(n)s", body="正文", params={"n": 2}, link="/")
    session.commit()
    zh_client.login(user.username)
    page = zh_client.get("/").text
    assert "您有 2 条未读通知。" in page
    assert "<function" not in page and "&lt;function" not in page


def test_a_notice_reads_in_the_language_it_is_read_in(client, zh_client, session):
    """Sent to a Chinese-speaking user, kept as message ids: the same notice reads in English
    on an English page, parameters that are themselves messages included; a notice kept
    before message ids were, shows as it was sent."""
    from grants.i18n import N_, Msgid

    user = factories.user(session, "organiser", username="reader")
    notifications.notify(session, [user], title=N_("New application: %(title)s"),
                         body=N_("An organiser reopened your sheet for application #%(app)s: "
                                 "%(reason)s"),
                         params={"title": "长者助餐", "app": 7, "reason": Msgid("Not allowed")})
    session.add(Notice(user_id=user.id, title="旧的通知", body="发送时的文字"))
    session.commit()
    stored = session.execute(select(Notice).where(Notice.user_id == user.id)
                             .order_by(Notice.id)).scalars().first()
    assert stored.title == "新申报：长者助餐"  # as first sent, in the user's language
    client.login(user.username)
    english = client.get("/notices").text
    assert "New application: 长者助餐" in english and "新申报" not in english
    assert "application #7: Not allowed" in english
    assert "旧的通知" in english and "发送时的文字" in english
    zh_client.login(user.username)
    chinese = zh_client.get("/notices").text
    assert "新申报：长者助餐" in chinese and "New application" not in chinese
