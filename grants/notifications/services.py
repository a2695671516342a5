"""Notices and email: written in the event's transaction, emails sent later by `send_pending`.

Messages are English msgids translated into each recipient's locale when they are written.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from grants import i18n
from grants.accounts.models import User
from grants.i18n import using_locale
from grants.notifications.models import Notice, OutboxMessage
from grants.regions import scope
from grants.settings import Settings, get_settings
from grants.timeutil import now

MAX_ATTEMPTS = 5



def notify(session: Session, users: Iterable[User], *, title: str, body: str,
           params: dict[str, Any] | None = None, link: str = "", email: bool = True) -> int:
    """An in-app notice (and an email when the user has an address) for each user.

    `title` and `body` are msgids with %(name)s parameters, translated per recipient."""
    params = params or {}
    base = get_settings().base_url.rstrip("/")
    count = 0
    for user in {u.id: u for u in users if u.is_active}.values():
        with using_locale(user.locale):
            shown = {k: i18n.gettext(v) if isinstance(v, i18n.Msgid) else v
                     for k, v in params.items()}
            shown_title = i18n.gettext(title, **shown)
            shown_body = i18n.gettext(body, **shown)
            footer = (i18n.gettext("Open it on the platform: %(url)s", url=base + link)
                      if link else "")
        session.add(Notice(user_id=user.id, title=shown_title[:200], body=shown_body, link=link,
                           message=_message(title, body, params)))
        if email and user.email:
            session.add(OutboxMessage(to=user.email, subject=shown_title[:200],
                                      body=shown_body + ("\n\n" + footer if footer else "")))
        count += 1
    return count


def _message(title: str, body: str, params: dict[str, Any]) -> dict[str, Any]:
    """What a notice says, as message ids and parameters (a parameter that is itself a message
    id is kept as {"msgid": ...}), so that it can be shown in any language later."""
    kept: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, i18n.Msgid):
            kept[key] = {"msgid": str(value)}
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            kept[key] = value
        else:
            kept[key] = str(value)
    return {"title": str(title), "body": str(body), "params": kept}


@dataclass(frozen=True)
class ShownNotice:
    notice: Notice
    title: str
    body: str


def shown(notice: Notice) -> ShownNotice:
    """A notice in the current language; one sent before notices kept their message ids, or
    whose message no longer reads, is shown as it was sent."""
    message = notice.message or {}
    if not message.get("title"):
        return ShownNotice(notice, notice.title, notice.body)
    params = {key: i18n.gettext(value["msgid"]) if isinstance(value, dict) else value
              for key, value in (message.get("params") or {}).items()}
    try:
        return ShownNotice(notice, i18n.gettext(message["title"], **params),
                           i18n.gettext(message["body"], **params) if message.get("body")
                           else "")
    except (KeyError, TypeError, ValueError):
        return ShownNotice(notice, notice.title, notice.body)


def organisers(session: Session) -> list[User]:
    return list(session.execute(select(User).where(User.role == "organiser",
                                                   User.is_active.is_(True))).scalars())


def members(session: Session, organisation_id: int) -> list[User]:
    return list(session.execute(select(User).where(User.organisation_id == organisation_id,
                                                   User.is_active.is_(True))).scalars())


# ---- in-app notices ----------------------------------------------------------------------

def unread_count(session: Session, user: User | None) -> int:
    if user is None or user.id is None:
        return 0
    return int(session.execute(select(func.count()).select_from(Notice).where(
        Notice.user_id == user.id, Notice.read_at.is_(None))).scalar_one())


def notices_for(user: User) -> Any:
    return (select(Notice).where(Notice.user_id == user.id)
            .order_by(Notice.created_at.desc(), Notice.id.desc()))


def mark_read(session: Session, user: User, notice_id: int | None = None) -> int:
    statement = update(Notice).where(Notice.user_id == user.id,
                                     Notice.read_at.is_(None))
    if notice_id is not None:
        statement = statement.where(Notice.id == notice_id)
    return session.execute(statement.values(read_at=now())).rowcount or 0


# ---- email -------------------------------------------------------------------------------

def build_email(message: OutboxMessage, settings: Settings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = formataddr((i18n.gettext("Venture Grants Platform"), settings.mail_from))
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    email.set_content(message.body, charset="utf-8")
    return email


def send_pending(session: Session, settings: Settings, limit: int = 200) -> tuple[int, int]:
    """Send unsent outbox messages through the configured SMTP server: (sent, failed).

    The caller commits (the CLI's unit of work). A failure is counted on the message and
    retried by the next run, up to MAX_ATTEMPTS."""
    pending = list(session.execute(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None),
                                    OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id).limit(limit)).scalars())
    if not pending:
        return 0, 0
    if not settings.mail_host:
        return 0, 0
    sent = failed = 0
    try:
        smtp = smtplib.SMTP(settings.mail_host, settings.mail_port, timeout=30)
    except OSError as exc:
        for message in pending:
            message.attempts += 1
            message.last_error = f"connect: {exc}"[:500]
        return 0, len(pending)
    for message in pending:
        message.attempts += 1
    try:
        if settings.mail_starttls:
            smtp.starttls()
        if settings.mail_user:
            smtp.login(settings.mail_user, str(settings.mail_password))
        for message in pending:
            try:
                smtp.send_message(build_email(message, settings))
            except (smtplib.SMTPException, OSError, ValueError) as exc:
                message.last_error = str(exc)[:500]
                failed += 1
            else:
                message.sent_at = now()
                message.last_error = ""
                sent += 1
    except (smtplib.SMTPException, OSError) as exc:
        for message in pending:
            if message.sent_at is None:
                message.last_error = str(exc)[:500]
        failed = len(pending) - sent
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    session.flush()
    return sent, failed


def organisers_covering(session: Session, region_id: int | None) -> list[User]:
    """Active organisers whose scope covers the region (platform-wide ones always do)."""
    wanted = set(scope.ancestors(session, region_id)) if region_id is not None else set()
    return [u for u in organisers(session)
            if u.scope_region_id is None or u.scope_region_id in wanted]
