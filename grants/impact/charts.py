"""Impact charts as SVG, drawn on the server by pygal, so that the page (without scripts) and
the PDF show the very same pictures. Labels are in the reader's language (Chinese first) and the
text is set in Noto Sans CJK, which WeasyPrint embeds and browsers fall back from."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pygal
from markupsafe import Markup
from pygal.style import Style

from grants.i18n import gettext as _
from grants.impact.indicators import UNCLASSIFIED, Portfolio
from grants.vocab import SERVICE_AREAS, TARGET_GROUPS

STYLE = Style(
    font_family="'Noto Sans CJK SC', 'Noto Sans CJK', 'Source Han Sans SC', 'PingFang SC', "
                "'Microsoft YaHei', sans-serif",
    background="#ffffff", plot_background="#ffffff", foreground="#222222",
    foreground_strong="#111111", foreground_subtle="#888888",
    colors=("#2f6f9f", "#e08a2e", "#4c9a5b", "#b5495b", "#7a5ea8", "#8c6d3f", "#3f8f8f",
            "#999999"),
    title_font_size=15, label_font_size=11, major_label_font_size=11, legend_font_size=12,
    value_font_size=10, tooltip_font_size=11, no_data_font_size=14,
)
MAX_BARS = 12


INTERACTIVE_IDS = re.compile(r' id="activate-serie-\d+"')


@dataclass(frozen=True)
class Chart:
    """One chart: `svg` to inline (the PDF), `data_uri` for an <img> (the pages, whose
    Content-Security-Policy refuses inline styles; an image keeps its own), `title` its text."""

    svg: Markup
    title: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(str(self.svg).encode()).decode()


def _svg(chart: Any) -> Chart:
    # pygal escapes every label it writes (the document is built with an XML tree). The ids it
    # gives legend entries for its scripts repeat across charts; without scripts they go.
    svg = INTERACTIVE_IDS.sub("", chart.render(is_unicode=True))
    return Chart(svg=Markup(svg), title=str(chart.title))  # noqa: S704 - pygal's escaped XML


def _options(**extra: Any) -> dict[str, Any]:
    return {"style": STYLE, "js": [], "disable_xml_declaration": True, "width": 720,
            "height": 340, "legend_at_bottom": True, "print_values": False,
            "margin": 12, "truncate_label": 24, "truncate_legend": 30,
            "value_formatter": _whole_number, **extra}


def _whole_number(value: Any) -> str:
    """Axis labels and values as whole numbers with separators (no 135.00000000000006)."""
    try:
        return format(round(float(value)), ",")
    except (TypeError, ValueError):
        return str(value)


@lru_cache(maxsize=512)
def _render(kind: str, title: str, labels: tuple[str, ...],
            series: tuple[tuple[str, tuple[int, ...]], ...], no_data: str,
            legend: bool = True) -> Chart:
    """A chart drawn from its figures alone, so that the same figures are drawn once (the SVG
    depends on nothing else; new figures make a new key)."""
    options = _options(show_legend=legend, **({"inner_radius": 0.45} if kind == "pie" else {}))
    chart = {"bar": pygal.Bar, "hbar": pygal.HorizontalBar, "pie": pygal.Pie}[kind](**options)
    chart.title = title
    chart.no_data_text = no_data
    if kind != "pie":
        chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values) if kind != "pie" else values[0])
    return _svg(chart)


def _draw(kind: str, title: str, labels: list[str], series: list[tuple[str, list[int]]],
          legend: bool = True) -> Chart:
    return _render(kind, title, tuple(labels),
                   tuple((name, tuple(int(v) for v in values)) for name, values in series),
                   _("No evaluated reports yet"), legend)


def trend(portfolio: Portfolio) -> Chart:
    """People served (人次) per year, planned against achieved."""
    years = list(portfolio.by_year)
    return _draw("bar", _("People served by year (person-times)"), [str(y) for y in years], [
        (_("Planned"), [portfolio.by_year[y].planned["people"] for y in years]),
        (_("Achieved (evaluated reports)"),
         [portfolio.by_year[y].achieved["people"] for y in years])])


def funding_trend(portfolio: Portfolio) -> Chart:
    """Money awarded and paid per year."""
    years = list(portfolio.by_year)
    return _draw("bar", _("Funding by year (yuan)"), [str(y) for y in years], [
        (_("Awarded"), [portfolio.by_year[y].awarded_fen // 100 for y in years]),
        (_("Paid"), [portfolio.by_year[y].paid_fen // 100 for y in years])])


def groups(portfolio: Portfolio) -> Chart:
    """Unique beneficiaries by target group."""
    items = list(portfolio.by_group.items())[:MAX_BARS][::-1]
    return _draw("hbar", _("Beneficiaries by target group"),
                 [_(TARGET_GROUPS.get(code, code)) for code, _n in items],
                 [(_("Beneficiaries"), [count for _c, count in items])], legend=False)


def categories(portfolio: Portfolio) -> Chart:
    """The money awarded by service area."""
    series = []
    for code, totals in sorted(portfolio.by_category.items(),
                               key=lambda kv: -kv[1].awarded_fen)[:MAX_BARS]:
        name = _(SERVICE_AREAS[code]) if code in SERVICE_AREAS else (
            _("Unclassified") if code == UNCLASSIFIED else code)
        series.append((f"{name}（{totals.projects}）", [totals.awarded_fen // 100]))
    return _draw("pie", _("Money awarded by service area"), [], series)


def communities(portfolio: Portfolio) -> Chart:
    """People served by community (the largest first)."""
    items = list(portfolio.by_community.items())[:MAX_BARS][::-1]
    return _draw("hbar", _("People served by community (person-times)"),
                 [portfolio.community_names.get(c, _("Unknown")) if c is not None
                  else _("Unknown") for c, _t in items],
                 [(_("People served"), [totals.achieved["people"] for _c, totals in items])],
                 legend=False)


def all_charts(portfolio: Portfolio) -> dict[str, Chart]:
    return {"trend": trend(portfolio), "funding": funding_trend(portfolio),
            "groups": groups(portfolio), "categories": categories(portfolio),
            "communities": communities(portfolio)}
