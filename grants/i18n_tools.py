"""Message extraction and catalog checks (`make messages`, and the test that fails on gaps).

    python -m grants.i18n_tools missing          # msgids without a zh_CN translation
    python -m grants.i18n_tools stub AREA        # append empty entries for them to AREA.po
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from grants.i18n import CATALOG_DIR
from grants.settings import ROOT

KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
SOURCES = (("grants", "**/*.py", "python"), ("templates", "**/*.html", "jinja2"))
SKIP = ("grants/demo/data.py", "grants/migrations/")


def extract() -> dict[str, list[str]]:
    """Every message id in the code and templates -> where it occurs."""
    found: dict[str, list[str]] = {}
    for folder, pattern, method in SOURCES:
        for path in sorted((ROOT / folder).glob(pattern)):
            rel = str(path.relative_to(ROOT))
            if any(rel.startswith(s) for s in SKIP):
                continue
            options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
            spec = "jinja2.ext:babel_extract" if method == "jinja2" else "python"
            for lineno, message, _comments, _context in extract_from_file(
                    spec, str(path), keywords=KEYWORDS, options=options):
                for msgid in _msgids(message):
                    found.setdefault(msgid, []).append(f"{rel}:{lineno}")
    return found


def _msgids(message: str | tuple[str, ...]) -> Iterator[str]:
    if isinstance(message, tuple):
        yield from (m for m in message if m)
    elif message:
        yield message


def translated(locale: str = "zh_CN") -> dict[str, str]:
    out: dict[str, str] = {}
    for po_path in sorted((CATALOG_DIR / locale).glob("*.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            # Chinese has one plural form: it translates the singular and the plural msgid.
            strings = strings + (strings[-1],) * (len(ids) - len(strings))
            for msgid, text in zip(ids, strings, strict=False):
                if text:
                    out[msgid] = text
    return out


def missing(locale: str = "zh_CN") -> dict[str, list[str]]:
    have = translated(locale)
    return {m: where for m, where in extract().items() if m not in have}


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def stub(area: str, locale: str = "zh_CN") -> int:
    """Append untranslated entries for every missing msgid to <locale>/<area>.po."""
    gaps = missing(locale)
    path = CATALOG_DIR / locale / f"{area}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n',
                        encoding="utf-8")
    with path.open("a", encoding="utf-8") as handle:
        for msgid, where in gaps.items():
            handle.write(f"#: {where[0]}\nmsgid \"{_po_escape(msgid)}\"\nmsgstr \"\"\n\n")
    return len(gaps)


def main(argv: list[str]) -> int:
    if argv[:1] == ["missing"]:
        gaps = missing()
        for msgid, where in sorted(gaps.items(), key=lambda kv: kv[1][0]):
            print(f"{where[0]}: {msgid!r}")
        print(f"{len(gaps)} message(s) without a zh_CN translation")
        return 1 if gaps else 0
    if argv[:1] == ["stub"] and len(argv) == 2:
        print(f"added {stub(argv[1])} entries to {argv[1]}.po; fill in their msgstr")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
