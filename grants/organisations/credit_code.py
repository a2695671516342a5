"""The unified social credit code (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

import unicodedata

from grants.i18n import N_

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUES = {c: i for i, c in enumerate(CHARSET)}


def check_char(first17: str) -> str:
    """The 18th character for the first 17 (weighted sum modulo 31)."""
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    """Upper-case, half-width, without spaces or dashes people type in."""
    code = unicodedata.normalize("NFKC", code or "").upper()
    return "".join(ch for ch in code if ch not in " -\t")


def problem(code: str) -> str | None:
    """Why `code` is not a valid credit code (an English msgid), or None when it is valid."""
    if len(code) != 18:
        return N_("A unified social credit code has 18 characters.")
    bad = sorted({c for c in code if c not in VALUES})
    if bad:
        return N_("A unified social credit code uses digits and capital letters except I, O, Z, S, V.")
    if not code[8:17].isalnum():
        return N_("A unified social credit code has 18 characters.")
    if check_char(code[:17]) != code[17]:
        return N_("The check character (the last one) does not match: please check the code.")
    return None
