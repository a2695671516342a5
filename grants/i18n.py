"""Translations: zh-CN first, English available.

Message ids are English. Catalogs live in `grants/translations/<locale>/*.po` (one file per
area, so that areas can be translated independently) and are merged at start; no compile
step is needed. The current locale is a context variable set per request.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("zh_CN", "en")
LOCALE_NAMES = {"zh_CN": "简体中文", "en": "English"}
DEFAULT_LOCALE = "zh_CN"
CATALOG_DIR = Path(__file__).resolve().parent / "translations"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> NullTranslations:
    """All of a locale's catalogs merged into one Translations object."""
    merged: NullTranslations | None = None
    folder = CATALOG_DIR / locale
    for po_path in sorted(folder.glob("*.po")) if folder.is_dir() else []:
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        part = Translations(fp=buffer, domain="messages")
        if merged is None:
            merged = part
        else:
            assert isinstance(merged, Translations)
            merged.merge(part)
    return merged or NullTranslations()


def normalise_locale(value: str | None) -> str | None:
    """'zh-CN', 'zh_cn', 'zh' -> 'zh_CN'; 'en-US' -> 'en'; unknown -> None."""
    if not value:
        return None
    value = value.strip().replace("-", "_").lower()
    if value.startswith("zh"):
        return "zh_CN"
    if value.startswith("en"):
        return "en"
    return None


def pick_from_accept_language(header: str | None) -> str | None:
    for part in (header or "").split(","):
        found = normalise_locale(part.split(";")[0])
        if found:
            return found
    return None


def gettext(message: str, **params: Any) -> str:
    """Translate `message` into the current locale and fill %(name)s parameters."""
    text = translations(current_locale.get()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = translations(current_locale.get()).ngettext(singular, plural, n)
    params.setdefault("num", n)
    return text % params


def join_list(items: Any) -> str:
    """Items joined as the current language lists them: 甲、乙、丙 or A, B, C."""
    separator = "、" if current_locale.get().startswith("zh") else ", "
    return separator.join(str(item) for item in items)


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


class Msgid(str):
    """A message id passed as a parameter, translated where the message is (per recipient in
    notices: grants.notifications.services.notify)."""

    __slots__ = ()


@contextmanager
def using_locale(locale: str | None) -> Iterator[None]:
    """Translate in `locale` inside the block (a recipient's language); None, or a locale not
    offered, is the platform's own (DEFAULT_LOCALE setting)."""
    from grants.settings import get_settings

    token = current_locale.set(normalise_locale(locale) or
                               normalise_locale(get_settings().default_locale) or
                               DEFAULT_LOCALE)
    try:
        yield
    finally:
        current_locale.reset(token)
