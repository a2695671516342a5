"""PDF documents: a Jinja template (extending templates/pdf/base.html, which holds the @page
rules) rendered to HTML, then to PDF by WeasyPrint with the CJK fonts embedded.

Nothing is fetched from the network: the URL fetcher serves only data: URIs and files under
static/. Each template also serves as the document's HTML preview.
"""

from __future__ import annotations

import base64
import io
import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import segno

from grants.web import env

STATIC = Path(__file__).resolve().parent.parent / "static"


class RemoteRefused(ValueError):
    """A document asked for something outside static/ (never fetched)."""


def _response(url: str, body: bytes, mime_type: str) -> Any:
    try:  # WeasyPrint 68+: a response object; older releases take a dict
        from weasyprint.urls import URLFetcherResponse
    except ImportError:
        return {"string": body, "mime_type": mime_type}
    return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})


def _fetch(url: str, *_args: Any, **_kwargs: Any) -> Any:
    """Serve data: URIs and files under static/ only."""
    if url.startswith("data:"):
        header, _comma, payload = url[5:].partition(",")
        mime_type, *params = header.split(";")
        body = (base64.b64decode(payload) if "base64" in params
                else unquote(payload).encode("utf-8"))
        return _response(url, body, mime_type or "text/plain")
    parsed = urlparse(url)
    if parsed.scheme == "file":
        target = Path(unquote(parsed.path)).resolve()
        if target.is_relative_to(STATIC) and target.is_file():
            guessed = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return _response(url, target.read_bytes(), guessed)
    raise RemoteRefused(f"not fetched: {url[:100]}")


@lru_cache(maxsize=1)
def _fonts() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html(template: str, **context: Any) -> str:
    """The document as HTML (also its preview)."""
    return env.get_template(template).render(**context)


# A document's HTML preview keeps its own stylesheet, written inline for the PDF renderer: the
# preview's policy allows inline styles and nothing else (no script, no other origin).
PREVIEW_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                  "font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
                  "form-action 'none'")


def preview(html_text: str) -> Any:
    """The HTML of a document as a page (`?format=html`), styled as its PDF."""
    from starlette.responses import HTMLResponse

    return HTMLResponse(html_text, headers={"Content-Security-Policy": PREVIEW_POLICY,
                                            "Cache-Control": "private, no-store"})


def write(html_text: str) -> bytes:
    """HTML to PDF bytes."""
    from weasyprint import HTML

    document = HTML(string=html_text, base_url=STATIC.as_uri() + "/", url_fetcher=_fetch)
    out = io.BytesIO()
    document.write_pdf(out, font_config=_fonts())
    return out.getvalue()


def render(template: str, **context: Any) -> bytes:
    return write(html(template, **context))


def qr_data_uri(url: str) -> str:
    """A QR code of the URL as a PNG data URI for <img src> (error correction M); a raster
    of one pixel a module, drawn without smoothing (image-rendering: pixelated), prints sharply
    at any size and renders far faster than SVG."""
    return str(segno.make(url, error="m", micro=False).png_data_uri(scale=1, border=2))


env.globals["qr_data_uri"] = qr_data_uri
