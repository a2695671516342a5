"""Attachments: type by content sniffing, size and count limits, storage outside the web root
under generated names, and removal that never touches files a submitted version references."""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from pathlib import Path, PurePath

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit
from grants.applications.models import Application, Attachment
from grants.i18n import gettext as _
from grants.settings import get_settings
from grants.timeutil import now
from grants.validation import FormErrors

MAX_PER_APPLICATION = 10
KINDS = {
    "pdf": ("application/pdf", {"pdf"}, "PDF"),
    "jpeg": ("image/jpeg", {"jpg", "jpeg"}, "JPEG"),
    "png": ("image/png", {"png"}, "PNG"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             {"docx"}, "Word (DOCX)"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             {"xlsx"}, "Excel (XLSX)"),
}
EXTENSIONS = {ext: kind for kind, (_ct, exts, _n) in KINDS.items() for ext in exts}


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes really are (magic bytes), or None when not allowed."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    return None


def safe_filename(name: str) -> str:
    """The file's own name without any path parts or control characters (for display only)."""
    base = PurePath(name.replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    return cleaned.strip()[:200] or "file"


def check_upload(filename: str, data: bytes) -> str:
    """The kind of an acceptable upload; FormErrors saying why otherwise."""
    limit = get_settings().max_upload_bytes
    name = safe_filename(filename)
    if not data:
        raise FormErrors({"file": _("The file %(name)s is empty.", name=name)})
    if len(data) > limit:
        raise FormErrors({"file": _(
            "The file %(name)s is %(size)s MB; the limit is %(limit)s MB.", name=name,
            size=f"{len(data) / 1048576:.1f}", limit=f"{limit / 1048576:g}")})
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    claimed = EXTENSIONS.get(extension)
    actual = sniff(data)
    allowed = "PDF, JPG, PNG, DOCX, XLSX"
    if claimed is None:
        raise FormErrors({"file": _(
            "%(name)s: files of this type are not accepted (allowed: %(allowed)s).",
            name=name, allowed=allowed)})
    if actual is None:
        raise FormErrors({"file": _(
            "%(name)s is named as a %(claimed)s file but its contents are not a %(claimed)s "
            "file or any allowed type (allowed: %(allowed)s).", name=name,
            claimed=KINDS[claimed][2], allowed=allowed)})
    if actual != claimed:
        raise FormErrors({"file": _(
            "%(name)s is named as a %(claimed)s file but its contents are a %(actual)s file. "
            "Rename it or upload the right file.", name=name, claimed=KINDS[claimed][2],
            actual=KINDS[actual][2])})
    return actual


def storage_path(stored_name: str) -> Path:
    if len(stored_name) != 32 or not all(c in "0123456789abcdef" for c in stored_name):
        raise ValueError("not a stored attachment name")
    return get_settings().upload_dir / stored_name[:2] / stored_name


def live(session: Session, application: Application) -> list[Attachment]:
    return list(session.execute(
        select(Attachment).where(Attachment.application_id == application.id,
                                 Attachment.removed_at.is_(None))
        .order_by(Attachment.id)).scalars())


def add(session: Session, actor: audit.Actor, application: Application, filename: str,
        data: bytes) -> Attachment:
    kind = check_upload(filename, data)
    count = session.execute(select(func.count()).select_from(Attachment).where(
        Attachment.application_id == application.id,
        Attachment.removed_at.is_(None))).scalar_one()
    if count >= MAX_PER_APPLICATION:
        raise FormErrors({"file": _("An application can have at most %(n)s attachments.",
                                    n=MAX_PER_APPLICATION)})
    digest = hashlib.sha256(data).hexdigest()
    same = session.execute(select(Attachment.filename).where(
        Attachment.application_id == application.id, Attachment.sha256 == digest,
        Attachment.removed_at.is_(None))).scalars().first()
    if same is not None:
        raise FormErrors({"file": _("This file is already attached as “%(name)s”.", name=same)})
    stored = uuid.uuid4().hex
    path = storage_path(stored)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    attachment = Attachment(application_id=application.id, filename=safe_filename(filename),
                            stored_name=stored, kind=kind, content_type=KINDS[kind][0],
                            size=len(data), sha256=digest,
                            uploaded_by_id=actor.id)
    session.add(attachment)
    audit.record(session, actor, "attachment.add", attachment)
    return attachment


def remove(session: Session, actor: audit.Actor, attachment: Attachment) -> None:
    """Take an attachment off the draft; its file stays when a submitted version refers to it."""
    before = audit.snapshot(attachment)
    attachment.removed_at = now()
    audit.record(session, actor, "attachment.remove", attachment, before=before)
    if not attachment.frozen:
        # Deleted after the transaction's writes succeed; a leftover file is harmless.
        path = storage_path(attachment.stored_name)
        path.unlink(missing_ok=True)
