"""What a wall tile shows: the latest value, its trend against the target, a sparkline drawn on the
server as SVG (with a text alternative), a comparison with a year earlier, and whether it is stale."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from skala.kpis.models import Direction, KeyFigure, Period, Tile, Value

# A figure whose newest value is older than this many periods is marked stale on the wall.
STALE_PERIODS = 2
PERIOD_DAYS = {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 31, Period.YEAR: 366}
# A tile shows at most this many of the newest values (a sparkline of two years of months).
RECENT_VALUES = 24


def sparkline(values: list[Decimal], width: int = 240, height: int = 60) -> str:
    """An SVG polyline of the values; the caller gives the text alternative."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    spread = (high - low) or Decimal(1)
    step = width / (len(values) - 1)
    points = " ".join(
        f"{index * step:.1f},{height - float((value - low) / spread) * (height - 4) - 2:.1f}"
        for index, value in enumerate(values)
    )
    return (
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="100%" height="{height}" '
        f'aria-hidden="true" focusable="false"><polyline fill="none" stroke="currentColor" stroke-width="3" '
        f'points="{points}"/></svg>'
    )


def format_number(value: Decimal | None) -> str:
    """A figure as the wall's language writes it: 12 385 and 1,5 in Norwegian, 12,385 and 1.5 in English."""
    if value is None:
        return "–"
    whole = value == value.to_integral_value() or abs(value) >= 100
    rounded = round(value) if whole else round(value, 1)
    return number_format(rounded, decimal_pos=0 if whole else 1, use_l10n=True, force_grouping=True)


@dataclass
class TileView:
    tile: Tile
    figure: KeyFigure
    name: str
    latest: str
    latest_period: datetime.date | None
    unit: str
    trend: str
    on_track: bool | None
    comparison: str
    chart: str
    description: str
    table: list[tuple[datetime.date, str]]
    stale: bool
    failing: str
    last_success: datetime.datetime | None


def year_earlier(day: datetime.date, period: str = Period.MONTH) -> datetime.date:
    """The period a year before: 52 weeks for a week (weeks start on the same weekday), otherwise the
    same date a year earlier, 29 February comparing with the 28th."""
    if period == Period.WEEK:
        return day - datetime.timedelta(weeks=52)
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def attach_year_earlier(figures: list[KeyFigure]) -> None:
    """For figures whose prefetched newest values reach back less than a year (weekly and daily ones),
    read the value a year before their newest in one query for all of them, so a wall of such figures
    asks no query a tile."""
    wanted: dict[int, datetime.date] = {}
    for figure in figures:
        recent = getattr(figure, "recent_values", None)  # newest first
        if recent and len(recent) == RECENT_VALUES:
            earlier = year_earlier(recent[0].period_start, figure.period)
            if recent[-1].period_start > earlier:
                wanted[figure.pk] = earlier
    found: dict[int, Value] = {}
    if wanted:
        query = reduce(or_, (Q(figure_id=pk, period_start=day) for pk, day in wanted.items()))
        found = {value.figure_id: value for value in Value.objects.filter(query)}
    for figure in figures:
        if figure.pk in wanted:
            figure.year_earlier_value = found.get(figure.pk)


def tile_view(tile: Tile, language: str, today: datetime.date | None = None) -> TileView:
    today = today or timezone.localdate()
    figure = tile.figure
    # The wall prefetches every tile's newest values and connectors in one query each (wall_context).
    recent = getattr(figure, "recent_values", None)
    if recent is None:
        recent = list(figure.values.order_by("-period_start")[:RECENT_VALUES])
    values = recent[::-1]
    latest = values[-1] if values else None
    numbers = [value.value for value in values]
    on_track = None
    trend = ""
    if latest is not None and figure.target_value is not None:
        better = (
            latest.value >= figure.target_value
            if figure.direction == Direction.HIGHER
            else latest.value <= figure.target_value
        )
        on_track = better
        trend = (_("On target (%(target)s)") if better else _("Behind target (%(target)s)")) % {
            "target": format_number(figure.target_value)
        }
    comparison = ""
    if latest is not None:
        earlier = year_earlier(latest.period_start, figure.period)
        year_before = next((value for value in values if value.period_start == earlier), None)
        if year_before is None and len(values) == RECENT_VALUES and values[0].period_start > earlier:
            if hasattr(figure, "year_earlier_value"):  # read for the whole wall (attach_year_earlier)
                year_before = figure.year_earlier_value
            else:
                year_before = figure.values.filter(period_start=earlier).first()
        if year_before is not None and year_before.value:
            change = (latest.value - year_before.value) / year_before.value * 100
            comparison = _("%(change)s %% from a year earlier") % {"change": f"{change:+.0f}"}
    stale = latest is None or (today - latest.period_start).days > STALE_PERIODS * PERIOD_DAYS[figure.period]
    connectors = list(figure.connectors.all())
    failing = next((connector.last_error for connector in connectors if connector.failing), "")
    successes = [connector.last_success_at for connector in connectors if connector.last_success_at]
    name = figure.name(language)
    description = _("%(name)s: %(value)s %(unit)s for the period from %(period)s.") % {
        "name": name,
        "value": format_number(latest.value if latest else None),
        "unit": figure.unit,
        "period": latest.period_start.isoformat() if latest else "–",
    }
    return TileView(
        tile=tile,
        figure=figure,
        name=escape(name),
        latest=format_number(latest.value if latest else None),
        latest_period=latest.period_start if latest else None,
        unit=figure.unit,
        trend=trend,
        on_track=on_track,
        comparison=comparison,
        chart=sparkline(numbers),
        description=description,
        table=[(value.period_start, format_number(value.value)) for value in values[-12:]],
        stale=stale,
        failing=failing,
        last_success=max(successes) if successes else None,
    )


def pages(tiles: list[TileView], per_page: int) -> list[list[TileView]]:
    per_page = max(per_page, 1)
    return [tiles[start : start + per_page] for start in range(0, len(tiles), per_page)] or [[]]
