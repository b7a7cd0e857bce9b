"""Key figures as JSON: figures, their series, screens; integrations push values with a token."""

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from skala.kpis.models import KeyFigure, Screen
from skala.kpis.series import FigureValueError, store
from skala.orgs.api import api_auth
from skala.orgs.permissions import member_organisations

router = Router(tags=["key figures"])


def caller(request):
    return request.auth if request.auth is not None else request.user


class FigureOut(Schema):
    id: int
    name: str
    unit: str
    period: str
    direction: str
    target_value: Decimal | None
    target_date: datetime.date | None
    owner: str

    @staticmethod
    def resolve_name(figure: KeyFigure) -> str:
        return figure.name()

    @staticmethod
    def resolve_owner(figure: KeyFigure) -> str:
        return figure.owner.name


class PointOut(Schema):
    period: datetime.date
    value: Decimal
    source: str


class PointIn(Schema):
    period: str
    value: str | float | int
    unit: str | None = None


class ScreenOut(Schema):
    id: int
    name: str
    revoked: bool
    rotate_seconds: int
    refresh_seconds: int
    tiles: list[int]

    @staticmethod
    def resolve_tiles(screen: Screen) -> list[int]:
        return [tile.figure_id for tile in screen.tiles.all()]


def figure_for(request, figure_id: int, change: bool = False) -> KeyFigure:
    figure = get_object_or_404(KeyFigure.objects.select_related("owner"), pk=figure_id)
    user = caller(request)
    if not user.has_perm("kpis.view_figure", figure):
        raise HttpError(404, "No such key figure.")
    if change and not user.has_perm("kpis.change_figure", figure):
        raise HttpError(403, "Only the owner's editors push values.")
    return figure


@router.get("", response=list[FigureOut], auth=api_auth, summary="Key figures the caller may read")
def figure_list(request):
    user = caller(request)
    figures = KeyFigure.objects.select_related("owner")
    if not (user.is_facilitator or user.is_staff):
        figures = figures.filter(owner__in=member_organisations(user))
    return list(figures)


@router.get("/screens", response=list[ScreenOut], auth=api_auth, summary="The caller's wall screens")
def screen_list(request):
    return list(
        Screen.objects.filter(owner__in=member_organisations(caller(request))).prefetch_related("tiles")
    )


@router.get("/{figure_id}", response=FigureOut, auth=api_auth, summary="One key figure")
def figure_detail(request, figure_id: int):
    return figure_for(request, figure_id)


@router.get(
    "/{figure_id}/series", response=list[PointOut], auth=api_auth, summary="The figure's values, oldest first"
)
def series(request, figure_id: int, since: datetime.date | None = None):
    values = figure_for(request, figure_id).values.order_by("period_start")
    if since is not None:
        values = values.filter(period_start__gte=since)
    return [{"period": value.period_start, "value": value.value, "source": value.source} for value in values]


@router.post(
    "/{figure_id}/values",
    response=dict,
    auth=api_auth,
    summary="Push values (one per period; a repeat replaces)",
)
def push(request, figure_id: int, payload: list[PointIn]):
    figure = figure_for(request, figure_id, change=True)
    units = {point.unit for point in payload if point.unit}
    if len(units) > 1:
        raise HttpError(422, "Push values in one unit at a time.")
    try:
        points = [(point.period, point.value) for point in payload]
        report = store(figure, points, source="api", unit=next(iter(units), None))
    except FigureValueError as error:
        raise HttpError(422, str(error)) from None
    return {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
