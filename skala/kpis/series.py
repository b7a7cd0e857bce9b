"""Series: one value per figure and period. A value lands on its period's first day, so a re-pull of
the same period replaces the value rather than adding another."""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from skala.kpis.models import KeyFigure, Period, Value


class FigureValueError(ValueError):
    """A value that cannot be stored: wrong unit, out of range, or not a number."""


def period_start(day: datetime.date, period: str) -> datetime.date:
    """The first day of the period the day falls in."""
    if period == Period.WEEK:
        return day - datetime.timedelta(days=day.weekday())
    if period == Period.MONTH:
        return day.replace(day=1)
    if period == Period.YEAR:
        return day.replace(month=1, day=1)
    return day


# Value.value is a DecimalField(max_digits=18, decimal_places=4): 14 digits before the point.
LARGEST = Decimal("1e14")


def parse_number(text) -> Decimal:
    """A number as written in the Nordics or in English: 1 234,5 or 1,234.5 or 1234.5; finite and
    small enough to store (under 10^14), rounded to four decimals."""
    if isinstance(text, bool):
        raise FigureValueError(_("%(value)r is not a number.") % {"value": text})
    if isinstance(text, int | float | Decimal):
        cleaned = str(text)
    else:
        cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "")
        if "," in cleaned and "." in cleaned:
            cleaned = (
                cleaned.replace(",", "")
                if cleaned.rfind(".") > cleaned.rfind(",")
                else cleaned.replace(".", "").replace(",", ".")
            )
        else:
            cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise FigureValueError(_("%(value)r is not a number.") % {"value": text}) from None
    if not number.is_finite():
        raise FigureValueError(_("%(value)r is not a number.") % {"value": text})
    if abs(number) >= LARGEST:
        raise FigureValueError(
            _("%(value)s is too large: a key figure holds values under 100,000,000,000,000.")
            % {"value": text}
        )
    number = number.quantize(Decimal("0.0001"))
    if abs(number) >= LARGEST:  # 99999999999999.99999 rounds up to 10^14
        raise FigureValueError(
            _("%(value)s is too large: a key figure holds values under 100,000,000,000,000.")
            % {"value": text}
        )
    return number


def parse_period(text) -> datetime.date:
    """A date or a period as systems write it: 2024-03-01 (or a time on it), 2024-03, 2024, 01.03.2024."""
    if isinstance(text, datetime.datetime):
        return text.date()
    if isinstance(text, datetime.date):
        return text
    value = str(text).strip()
    if len(value) > 10 and value[10:11] in ("T", " "):
        try:
            return datetime.datetime.fromisoformat(value).date()
        except ValueError:
            pass
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m", "%Y", "%Y%m%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise FigureValueError(_("%(value)r is not a date or a period.") % {"value": text})


def check(figure: KeyFigure, value: Decimal, unit: str | None) -> None:
    if unit is not None and unit.strip() and unit.strip().lower() != figure.unit.lower():
        raise FigureValueError(
            _("The value is in %(unit)s; %(figure)s is measured in %(expected)s.")
            % {"unit": unit, "figure": figure.name(), "expected": figure.unit}
        )
    if figure.minimum is not None and value < figure.minimum:
        raise FigureValueError(
            _("%(value)s is below the lowest allowed value, %(minimum)s.")
            % {"value": written(value), "minimum": written(figure.minimum)}
        )
    if figure.maximum is not None and value > figure.maximum:
        raise FigureValueError(
            _("%(value)s is above the highest allowed value, %(maximum)s.")
            % {"value": written(value), "maximum": written(figure.maximum)}
        )


def written(number: Decimal | int) -> str:
    """A number as the language writes it, without the column's trailing zeros: 10, 1,5."""
    return number_format(Decimal(format(Decimal(number).normalize(), "f")))


@dataclass
class StoreReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def store(figure: KeyFigure, points, source: str, unit: str | None = None) -> StoreReport:
    """Store (period, value) points: every point is checked first, then written; nothing is deleted."""
    checked = {}
    for period, raw in points:
        try:
            number = parse_number(raw)
            check(figure, number, unit)
            checked[period_start(parse_period(period), figure.period)] = number
        except FigureValueError as error:
            # Which point, as its source wrote it: the API's list and a connector's rows have no lines.
            raise FigureValueError(f"{period}: {error}") from None
    report = StoreReport()
    existing = {value.period_start: value for value in figure.values.filter(period_start__in=list(checked))}
    for start, number in checked.items():
        current = existing.get(start)
        if current is None:
            Value.objects.create(figure=figure, period_start=start, value=number, source=source)
            report.created += 1
        elif current.value != number:
            current.value, current.source = number, source
            current.save(update_fields=["value", "source", "updated_at"])
            report.updated += 1
        else:
            report.unchanged += 1
    return report
