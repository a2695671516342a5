"""Money is integer fen (分). Parsing and formatting happen here, at the edge.

>>> format_yuan(1200000)
'¥12,000.00'
>>> format_wan(1200000)
'1.2万元'
>>> chinese_capital(1200000)
'壹万贰仟元整'
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

MAX_FEN = 10**15  # a trillion yuan: far beyond any fund; guards against typos and overflow


class MoneyError(ValueError):
    """An amount could not be read; the message says why in plain words."""


_AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$", re.ASCII)
# 12,000.50: commas every 3 digits
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$", re.ASCII)
_TYPED_DIGITS = frozenset("0123456789０１２３４５６７８９")


def _(message: str, **params: object) -> str:
    from grants.i18n import gettext

    return gettext(message, **params)


def parse_yuan(text: str | int | None, *, allow_negative: bool = False) -> int:
    """Read an amount in yuan as typed by a person ('12,000.50', '１２０００', '¥3.5') into fen.

    Full-width digits are read as digits; commas must group thousands; 万 is refused with a
    hint (amounts are typed in yuan). Messages are translated."""
    if text is None:
        raise MoneyError(_("Enter an amount."))
    if isinstance(text, bool):
        raise MoneyError(_("An amount must be a number."))
    if isinstance(text, int):
        text = str(text)
    if any(ch.isdigit() and ch not in _TYPED_DIGITS for ch in str(text)):
        # ² or ٣ are not digits a person types into an amount (NFKC or Decimal read them)
        raise MoneyError(_("%(text)s is not an amount in yuan: use digits, with at most two "
                           "decimal places.", text=str(text)[:40]))
    cleaned = unicodedata.normalize("NFKC", str(text)).strip()
    cleaned = cleaned.replace("¥", "").replace("￥", "").replace(" ", "").removesuffix("元")
    if not cleaned:
        raise MoneyError(_("Enter an amount."))
    if "万" in cleaned:
        raise MoneyError(_("Enter the amount in yuan, not in 万 (for example 20000 for 2万)."))
    if "," in cleaned:
        if not _GROUPED.match(cleaned):
            raise MoneyError(_("%(text)s: commas may only separate thousands, as in 12,000.50.",
                               text=str(text)[:40]))
        cleaned = cleaned.replace(",", "")
    if not _AMOUNT.match(cleaned):
        raise MoneyError(_("%(text)s is not an amount in yuan: use digits, with at most two "
                           "decimal places.", text=str(text)[:40]))
    try:
        fen = int(Decimal(cleaned) * 100)
    except InvalidOperation:
        raise MoneyError(_("%(text)s is not an amount in yuan: use digits, with at most two "
                           "decimal places.", text=str(text)[:40])) from None
    if fen < 0 and not allow_negative:
        raise MoneyError(_("An amount cannot be negative."))
    if abs(fen) >= MAX_FEN:
        raise MoneyError(_("The amount is too large."))
    return fen


def fen_to_yuan_str(fen: int) -> str:
    """Plain decimal yuan for form fields: 1200050 -> '12000.50'."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan_decimal(fen: int) -> Decimal:
    """Fen as an exact number of yuan (for spreadsheets: a number, never a float)."""
    return Decimal(int(fen)).scaleb(-2)


def format_yuan(fen: int | None) -> str:
    """¥12,000.00 style."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def format_yuan_whole(fen: int | None) -> str:
    """¥12,000 (no fen when there are none; ¥12,000.50 otherwise): English pages' short form."""
    if fen is None:
        return ""
    if int(fen) % 100:
        return format_yuan(fen)
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(int(fen)) // 100:,}"


def format_wan(fen: int | None, digits: int = 2) -> str:
    """Amounts as people quote them: 1.2万元, 42万元, 3,500元, 1.5亿元 (trailing zeros dropped)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    if fen >= 10**10:  # 1亿元 = 10^8 yuan = 10^10 fen
        unit, divisor = "亿元", 10**10
    elif fen >= 10**6:  # 1万元 = 10^4 yuan
        unit, divisor = "万元", 10**6
    else:
        whole, cents = divmod(fen, 100)
        return f"{sign}{whole:,}元" if cents == 0 else f"{sign}{whole:,}.{cents:02d}元"
    value = (Decimal(fen) / Decimal(divisor)).quantize(Decimal(1).scaleb(-digits))
    text = format(value.normalize(), "f")
    return f"{sign}{text}{unit}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_BIG_UNITS = ["", "万", "亿", "万亿"]


def _four_digits(group: int) -> str:
    """Capitals for 0..9999 without leading zero handling across groups."""
    out: list[str] = []
    zero_pending = False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[position])
    return "".join(out)


def _integer_capital(number: int) -> str:
    if number == 0:
        return "零"
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    parts: list[str] = []
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(parts)
            continue
        if parts and (need_zero or group < 1000):
            parts.append("零")
        parts.append(_four_digits(group) + _BIG_UNITS[index])
        need_zero = False
    return "".join(parts)


def chinese_capital(fen: int) -> str:
    """Amount in Chinese financial capitals (大写): 1200000 -> 壹万贰仟元整, 1 -> 零元零角壹分."""
    fen = int(fen)
    if fen < 0:
        return "负" + chinese_capital(-fen)
    yuan, rest = divmod(fen, 100)
    jiao, fen_digit = divmod(rest, 10)
    if jiao == 0 and fen_digit == 0:
        return _integer_capital(yuan) + "元整"
    text = _integer_capital(yuan) + "元" if yuan else ""
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen_digit:
        text += _DIGITS[fen_digit] + "分"
    else:
        text += "整"
    return text


def format_short(fen: int | None) -> str:
    """An amount as the reader's language quotes it: 42万元 in Chinese, ¥420,000 in English."""
    from grants import i18n

    return format_wan(fen) if i18n.current_locale.get() == "zh_CN" else format_yuan_whole(fen)

