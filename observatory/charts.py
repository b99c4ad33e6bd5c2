"""Server-rendered SVG charts: horizontal bars, optionally with a reference mark (the département's average).

Each chart is an image with a title and a description for assistive technologies (role="img"); the page always
shows the same figures in a table next to it. Geometry is computed here, the template only writes it out.
"""

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH = 720
LABEL_WIDTH = 250
VALUE_WIDTH = 70
ROW_HEIGHT = 30
BAR_HEIGHT = 18
TOP = 10
LEGEND_HEIGHT = 28
MAX_LABEL = 34


# French number format (as Django's "fr" locale writes it): narrow no-break space between thousands, decimal
# comma. Written out here because pages format hundreds of numbers and number_format() costs a locale lookup each.
THOUSANDS = "\u202f"


def fmt(value, decimals=1):
    if value is None:
        return "—"
    value = float(value)
    text = f"{round(value):,d}" if decimals == 0 or value.is_integer() else f"{value:,.{decimals}f}"
    return text.replace(",", THOUSANDS).replace(".", ",")


@dataclass
class Bar:
    label: str
    short_label: str
    value: float
    value_text: str
    y: int
    text_y: int
    width: float
    value_x: float
    reference_x: float | None = None
    highlight: bool = False


@dataclass
class BarChart:
    id: str
    title: str
    description: str
    bars: list = field(default_factory=list)
    height: int = 0
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    reference_label: str = ""
    legend_y: int = 0

    @property
    def view_box(self):
        return f"0 0 {self.width} {self.height}"

    def svg(self):
        """The chart as inline SVG markup; numbers are written here, every text is escaped."""
        parts = [
            f'<svg class="chart__svg" viewBox="0 0 {self.width} {self.height}" width="{self.width}" '
            f'height="{self.height}" role="img" aria-labelledby="{escape(self.id)}-title {escape(self.id)}-desc" '
            'focusable="false" preserveAspectRatio="xMinYMin meet">',
            f'<title id="{escape(self.id)}-title">{escape(self.title)}</title>',
            f'<desc id="{escape(self.id)}-desc">{escape(self.description)}</desc>',
        ]
        for bar in self.bars:
            parts.append(
                f'<g><text x="{self.label_width - 8}" y="{bar.text_y}" text-anchor="end" class="chart__label">'
                f"{escape(bar.short_label)}</text>"
                f'<rect x="{self.label_width}" y="{bar.y}" width="{bar.width:.1f}" height="{BAR_HEIGHT}" '
                f'class="chart__bar{" chart__bar--highlight" if bar.highlight else ""}"></rect>'
                f'<text x="{bar.value_x:.1f}" y="{bar.text_y}" class="chart__value">{escape(bar.value_text)}</text>'
            )
            if bar.reference_x is not None:
                parts.append(
                    f'<line x1="{bar.reference_x:.1f}" x2="{bar.reference_x:.1f}" y1="{bar.y - 3}" '
                    f'y2="{bar.y + BAR_HEIGHT + 3}" class="chart__reference"></line>'
                )
            parts.append("</g>")
        if self.reference_label:
            y = self.legend_y
            parts.append(
                f'<g class="chart__legend"><line x1="{self.label_width}" x2="{self.label_width}" y1="{y}" '
                f'y2="{y + 16}" class="chart__reference"></line><text x="{self.label_width + 8}" y="{y + 13}" '
                f'class="chart__legend-text">{escape(_("Trait vertical : %(ref)s") % {"ref": self.reference_label})}'
                "</text></g>"
            )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # numbers, and escaped texts


def bar_chart(chart_id, title, rows, *, decimals=1, unit="", reference=None, reference_label=""):
    """rows: [(label, value)] or [(label, value, highlight)]; reference: {label: value} drawn as a mark."""
    values = [row[1] or 0 for row in rows]
    references = [v for v in (reference or {}).values() if v is not None]
    top_value = max([*values, *references, 0]) or 1
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 10
    chart = BarChart(id=chart_id, title=title, description="", reference_label=reference_label)
    for i, row in enumerate(rows):
        label, value = row[0], row[1] or 0
        y = TOP + i * ROW_HEIGHT
        width = round(area * value / top_value, 1)
        ref = (reference or {}).get(label)
        chart.bars.append(
            Bar(
                label=label,
                short_label=label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…",
                value=value,
                value_text=f"{fmt(value, decimals)}{unit}",
                y=y,
                text_y=y + BAR_HEIGHT - 4,
                width=max(width, 1 if value else 0),
                value_x=LABEL_WIDTH + max(width, 0) + 6,
                reference_x=None if ref is None else round(LABEL_WIDTH + area * ref / top_value, 1),
                highlight=len(row) > 2 and bool(row[2]),
            )
        )
    body = TOP + len(rows) * ROW_HEIGHT
    chart.legend_y = body + 8
    chart.height = body + (LEGEND_HEIGHT if reference_label else 6)
    chart.description = describe(rows, decimals, unit, reference_label)
    return chart


def describe(rows, decimals, unit, reference_label):
    if not rows:
        return _("Aucune donnée.")
    ordered = sorted(rows, key=lambda r: r[1] or 0)
    low, high = ordered[0], ordered[-1]
    text = _(
        "Diagramme en barres horizontales, %(count)s barres. Valeur la plus haute : %(high)s (%(hv)s) ; la plus basse : %(low)s (%(lv)s)."
    ) % {
        "count": len(rows),
        "high": high[0],
        "hv": f"{fmt(high[1], decimals)}{unit}",
        "low": low[0],
        "lv": f"{fmt(low[1], decimals)}{unit}",
    }
    if reference_label:
        text += " " + _("Un trait vertical marque %(ref)s.") % {"ref": reference_label}
    return text + " " + _("Le tableau qui suit donne toutes les valeurs.")
