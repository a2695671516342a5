"""Photos and attachments of a report.

Photos are images only (JPEG or PNG, checked by their contents, at most 12 per report). The
server decodes each one (refusing decompression bombs and truncated files; JPEGs are decoded
at a reduced size, at most two at a time), turns it upright, and stores a re-encoded copy at
most 2,000 pixels on its longer side — without the camera's metadata, which can carry the
place a photo was taken — and a 320-pixel thumbnail. Attachments (sign-in sheets, ledgers,
receipts) are PDF, Word, Excel or images, at most 8 per report, stored under generated names
outside the web root; images among them are re-encoded like photos, without a thumbnail.
"""

from __future__ import annotations

import hashlib
import io
import threading
import uuid
import warnings
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from grants import audit, lifecycle
from grants.applications import attachments
from grants.i18n import gettext as _
from grants.reports.models import Report, ReportFile
from grants.timeutil import now
from grants.validation import FormErrors, text_problem

MAX_PHOTOS = 12
MAX_ATTACHMENTS = 8
PHOTO_SIDE = 2000
THUMB_SIDE = 320
MAX_PIXELS = 50_000_000  # a 50-megapixel JPEG; more is refused before it is decoded
MAX_PNG_PIXELS = 16_000_000  # PNGs decode at full size (no reduced decoding): 48 MB in RGB
MAX_CAPTION = 200
# At most two photos are decoded at once: a decode holds tens of megabytes for a moment.
_DECODING = threading.BoundedSemaphore(2)


def live(session: Session, report: Report, kind: str | None = None) -> list[ReportFile]:
    query = select(ReportFile).where(ReportFile.report_id == report.id,
                                     ReportFile.removed_at.is_(None))
    if kind is not None:
        query = query.where(ReportFile.kind == kind)
    return list(session.execute(query.order_by(ReportFile.id)).scalars())


def _write(data: bytes) -> str:
    stored = uuid.uuid4().hex
    path = attachments.storage_path(stored)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return stored


def _image(data: bytes, name: str) -> tuple[bytes, bytes, int, int, str]:
    """(display copy, thumbnail, width, height, kind) of an uploaded photo."""
    with _DECODING:
        return _decode(data, name)


def _decode(data: bytes, name: str) -> tuple[bytes, bytes, int, int, str]:
    from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

    # WeasyPrint switches Pillow to accepting truncated images for the whole process when it
    # is imported; an upload must be complete, so the switch is put back for every decode.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ("JPEG", "PNG"):
                    raise FormErrors({"photo": _(
                        "%(name)s is not a JPEG or PNG photo.", name=name)})
                width, height = probe.size
                most = MAX_PIXELS if probe.format == "JPEG" else MAX_PNG_PIXELS
                if width * height > most:
                    raise FormErrors({"photo": _(
                        "%(name)s is %(w)s × %(h)s pixels; photos may have at most %(max)s "
                        "million pixels.", name=name, w=width, h=height,
                        max=most // 1_000_000)})
                if probe.format == "JPEG":  # decode at 1/2, 1/4 or 1/8 of the size directly
                    probe.draft("RGB", (PHOTO_SIDE, PHOTO_SIDE))
                probe.load()
                image = ImageOps.exif_transpose(probe)
                kind = "png" if probe.format == "PNG" else "jpeg"
    except FormErrors:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise FormErrors({"photo": _(
            "%(name)s has more than %(max)s million pixels; make the photo smaller.",
            name=name, max=MAX_PIXELS // 1_000_000)}) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise FormErrors({"photo": _("%(name)s could not be read as a photo.", name=name)}) \
            from error
    if kind == "jpeg" or image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGB")
        kind = "jpeg"

    def encode(picture: Any, side: int) -> bytes:
        copy = picture.copy()
        copy.thumbnail((side, side))
        out = io.BytesIO()
        if kind == "png":
            copy.save(out, "PNG", optimize=True)
        else:
            copy.save(out, "JPEG", quality=85, optimize=True)
        return out.getvalue()

    display = encode(image, PHOTO_SIDE)
    thumb = encode(image, THUMB_SIDE)
    shown = image.copy()
    shown.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
    return display, thumb, shown.width, shown.height, kind


def add(session: Session, actor: audit.Actor, user: Any, report: Report, *, kind: str,
        filename: str, data: bytes, caption: str = "") -> ReportFile:
    """Add a photo or an attachment to a report being written (draft or returned)."""
    if kind not in ("photo", "attachment"):
        raise FormErrors({"kind": _("Not a valid choice.")})
    field = kind
    name = attachments.safe_filename(filename)
    caption = caption.strip()
    problem = text_problem(caption, MAX_CAPTION)
    if problem:
        raise FormErrors({field: problem})
    try:
        file_kind = attachments.check_upload(filename, data)
    except FormErrors as error:
        raise FormErrors({field: error.errors.get("file", "")}) from error
    limit = MAX_PHOTOS if kind == "photo" else MAX_ATTACHMENTS
    count = session.execute(select(func.count()).select_from(ReportFile).where(
        ReportFile.report_id == report.id, ReportFile.kind == kind,
        ReportFile.removed_at.is_(None))).scalar_one()
    if count >= limit:
        raise FormErrors({field: _("A report can have at most %(n)s photos.", n=limit)
                          if kind == "photo" else
                          _("A report can have at most %(n)s attachments.", n=limit)})
    digest = hashlib.sha256(data).hexdigest()
    same = session.execute(select(ReportFile.filename).where(
        ReportFile.report_id == report.id, ReportFile.sha256 == digest,
        ReportFile.removed_at.is_(None))).scalars().first()
    if same is not None:
        raise FormErrors({field: _("This file is already attached as “%(name)s”.", name=same)})
    lifecycle.perform(session, actor, user, "report.edit", report)
    width = height = None
    thumb_name = ""
    if kind == "photo" and file_kind not in ("jpeg", "png"):
        raise FormErrors({field: _("%(name)s is not a JPEG or PNG photo.", name=name)})
    if file_kind in ("jpeg", "png"):  # re-encoded without the camera's metadata
        try:
            display, thumb, width, height, file_kind = _image(data, name)
        except FormErrors as error:
            raise FormErrors({field: error.errors["photo"]}) from error
        stored = _write(display)
        thumb_name = _write(thumb) if kind == "photo" else ""
        size = len(display)
    else:
        stored = _write(data)
        size = len(data)
    item = ReportFile(report_id=report.id, kind=kind, filename=name, stored_name=stored,
                      thumb_name=thumb_name, file_kind=file_kind, size=size, width=width,
                      height=height, caption=caption, sha256=digest,
                      uploaded_by_id=getattr(user, "id", None))
    session.add(item)
    session.flush()
    audit.record(session, actor, "report_file.add", item)
    return item


def remove(session: Session, actor: audit.Actor, user: Any, report: Report,
           item: ReportFile) -> None:
    lifecycle.perform(session, actor, user, "report.edit", report)
    before = audit.snapshot(item)
    item.removed_at = now()
    audit.record(session, actor, "report_file.remove", item, before=before)
