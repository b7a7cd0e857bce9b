"""Pages for key figures, their connectors and values, and the wall screens (read through a secret link)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods, require_POST

from skala.forms import errors_in_words
from skala.kpis.connectors import PullError, points_from_csv, pull
from skala.kpis.forms import (
    ConnectorForm,
    FigureForm,
    ScreenForm,
    ScreenSettingsForm,
    TileForm,
    UploadForm,
    ValueForm,
)
from skala.kpis.models import KeyFigure, Screen, Value
from skala.kpis.series import FigureValueError, store
from skala.kpis.tiles import RECENT_VALUES, attach_year_earlier, pages, sparkline, tile_view
from skala.orgs.models import Organisation, Role
from skala.orgs.permissions import authorize, has_role, member_organisations


def editable(user):
    """Organisations whose key figures and wall screens the person may make: the public side's, for
    its leaders; a supplier has none."""
    mine = Organisation.objects.public_side().filter(pk__in=member_organisations(user))
    return Organisation.objects.filter(pk__in=[o.pk for o in mine if has_role(user, o, Role.EDITOR)])


@login_required
def figure_list(request):
    figures = KeyFigure.objects.select_related("owner")
    if not (request.user.is_facilitator or request.user.is_staff):
        figures = figures.filter(owner__in=member_organisations(request.user))
    screens = Screen.objects.filter(owner__in=member_organisations(request.user))
    context = {"figures": figures, "screens": screens, "can_create": editable(request.user).exists()}
    return render(request, "kpis/figure_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def figure_create(request):
    owners = editable(request.user)
    if not owners.exists():
        raise PermissionDenied("kpis.change_figure")
    form = FigureForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        return redirect(form.save())
    return render(request, "kpis/figure_form.html", {"form": form})


@login_required
def figure_detail(request, figure_id: int):
    figure = get_object_or_404(KeyFigure.objects.select_related("owner"), pk=figure_id)
    authorize(request.user, "kpis.view_figure", figure)
    can_change = request.user.has_perm("kpis.change_figure", figure)
    values = list(figure.values.order_by("period_start"))
    context = {
        "figure": figure,
        "values": values,
        "chart": sparkline([value.value for value in values[-36:]], width=720, height=160),
        "connectors": figure.connectors.all(),
        "can_change": can_change,
    }
    if can_change:
        context.update(value_form=ValueForm(), upload_form=UploadForm(), connector_form=ConnectorForm())
    return render(request, "kpis/figure_detail.html", context)


@login_required
@require_POST
def figure_value(request, figure_id: int):
    """Manual entry, or a CSV upload of many values."""
    figure = get_object_or_404(KeyFigure, pk=figure_id)
    authorize(request.user, "kpis.change_figure", figure)
    try:
        if request.FILES:
            form = UploadForm(request.POST, request.FILES)
            if not form.is_valid():
                raise FigureValueError(
                    "; ".join(error for errors in form.errors.values() for error in errors)
                )
            text = form.cleaned_data["file"].read().decode("utf-8", errors="replace")
            points = points_from_csv(text, form.cleaned_data)
            report = store(figure, points, source="upload")
        else:
            form = ValueForm(request.POST)
            if not form.is_valid():
                raise FigureValueError(_("Give a period and a value."))
            data = form.cleaned_data
            report = store(
                figure, [(data["period"], data["value"])], source="manual", unit=data["unit"] or None
            )
        messages.success(
            request,
            _("%(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
            % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
        )
    except (FigureValueError, PullError) as error:
        messages.error(request, str(error))
    return redirect(figure)


@login_required
@require_POST
def connector_add(request, figure_id: int):
    figure = get_object_or_404(KeyFigure, pk=figure_id)
    authorize(request.user, "kpis.change_figure", figure)
    form = ConnectorForm(request.POST, owner=figure.owner)
    if form.is_valid():
        connector = form.save(commit=False)
        connector.figure = figure
        connector.save()
        messages.success(request, _("The connector is saved; it pulls on its schedule."))
    else:
        messages.error(request, errors_in_words(form))
    return redirect(figure)


@login_required
@require_POST
def connector_pull(request, figure_id: int, connector_id: int):
    figure = get_object_or_404(KeyFigure, pk=figure_id)
    authorize(request.user, "kpis.change_figure", figure)
    connector = get_object_or_404(figure.connectors, pk=connector_id)
    count = pull(connector, pause=0)
    if connector.last_error:
        messages.error(request, _("The pull failed: %(reason)s") % {"reason": connector.last_error})
    else:
        messages.success(request, _("%(count)s values read.") % {"count": count})
    return redirect(figure)


@login_required
@require_http_methods(["GET", "POST"])
def screen_create(request):
    owners = editable(request.user)
    if not owners.exists():
        raise PermissionDenied("kpis.change_screen")
    form = ScreenForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        return redirect(form.save())
    return render(request, "kpis/screen_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def screen_detail(request, screen_id: int):
    screen = get_object_or_404(Screen, pk=screen_id)
    authorize(request.user, "kpis.change_screen", screen)
    # A wall screen is public: only figures the person may change themselves go on it, not those
    # of an organisation where they are only a viewer.
    figures = KeyFigure.objects.filter(owner=screen.owner) | KeyFigure.objects.filter(
        owner__in=editable(request.user)
    )
    action = request.POST.get("action", "add") if request.method == "POST" else None
    form = TileForm(request.POST if action == "add" else None, figures=figures.distinct())
    settings_form = ScreenSettingsForm(request.POST if action == "settings" else None, instance=screen)
    if request.method == "POST":
        if action == "revoke":
            screen.revoked = True
            screen.save(update_fields=["revoked"])
            messages.success(request, _("The link is revoked: the screen goes dark at its next refresh."))
        elif action == "renew":
            from skala.kpis.models import new_token

            screen.token, screen.revoked = new_token(), False
            screen.save(update_fields=["token", "revoked"])
            messages.success(request, _("A new link is made; the old one no longer works."))
        elif action in ("up", "down", "remove"):
            tile_id = request.POST.get("tile", "")
            arrange(
                screen, get_object_or_404(screen.tiles, pk=int(tile_id) if tile_id.isdigit() else 0), action
            )
        elif action == "settings":
            if not settings_form.is_valid():
                return screen_page(request, screen, form, settings_form)
            settings_form.save()
            messages.success(request, _("Saved."))
        elif form.is_valid():
            tile = form.save(commit=False)
            tile.screen = screen
            tile.save()
        else:
            return screen_page(request, screen, form, settings_form)
        return redirect(screen)
    return screen_page(request, screen, form, settings_form)


def screen_page(request, screen: Screen, form, settings_form):
    refused = any(each.is_bound and each.errors for each in (form, settings_form))
    context = {
        "screen": screen,
        "form": form,
        "settings_form": settings_form,
        "tiles": screen.tiles.select_related("figure"),
    }
    return render(request, "kpis/screen_detail.html", context, status=400 if refused else 200)


def arrange(screen: Screen, tile, action: str) -> None:
    """Move a tile one place up or down the wall's order, or take it off; the others keep theirs."""
    tiles = list(screen.tiles.all())
    position = tiles.index(tile)
    if action == "remove":
        tile.delete()
        tiles.pop(position)
    elif action == "up" and position > 0:
        tiles[position - 1], tiles[position] = tiles[position], tiles[position - 1]
    elif action == "down" and position < len(tiles) - 1:
        tiles[position + 1], tiles[position] = tiles[position], tiles[position + 1]
    for order, each in enumerate(tiles, start=1):
        if each.order != order:
            each.order = order
            each.save(update_fields=["order"])


def screen_for_token(token: str) -> Screen:
    screen = Screen.objects.filter(token=token, revoked=False).first()
    if screen is None:
        raise Http404(_("No such screen."))
    return screen


def wall_context(screen: Screen, language: str) -> dict:
    """The wall's pages of tiles, with the figures' names in the given language (nb where it has none)."""
    tiles = screen.tiles.select_related("figure").prefetch_related(
        "figure__connectors",
        Prefetch(
            "figure__values",
            queryset=Value.objects.order_by("-period_start")[:RECENT_VALUES],
            to_attr="recent_values",
        ),
    )
    tiles = list(tiles)
    attach_year_earlier([tile.figure for tile in tiles])
    views = [tile_view(tile, language) for tile in tiles]
    return {"screen": screen, "pages": pages(views, screen.tiles_per_page), "now": timezone.localtime()}


# The wall is shown on televisions and embedded in intranet pages: it may be framed, and needs no login;
# the unguessable token is the authority, and revoking it answers 404 at once. It speaks the language of
# its link (/sv/kpis/wall/...); the screen's own link is made in the screen's language (Screen.wall_url).
@xframe_options_exempt
def wall(request, token: str):
    screen = screen_for_token(token)
    return render(request, "kpis/wall.html", wall_context(screen, translation.get_language()))


@xframe_options_exempt
def wall_tiles(request, token: str):
    """The tiles alone, swapped in place by the wall's refresh so its rotation keeps its page."""
    screen = screen_for_token(token)
    return render(request, "kpis/_wall_pages.html", wall_context(screen, translation.get_language()))


def demo_core_system(request):
    """A stand-in for a municipality's core system: monthly kindergarten places, as JSON, for the demo."""
    from django.http import JsonResponse

    rows = [{"period": f"2026-{month:02d}", "value": 12000 + month * 35} for month in range(1, 12)]
    return JsonResponse({"system": "demo", "places": rows})
