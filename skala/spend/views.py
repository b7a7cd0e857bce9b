"""Pages for spend: the supplier-base report (members), the openings for small suppliers (everyone),
suppliers known only by name (editors link them), the public level of the openings, and uploads
(editors import a file in the background and follow it)."""

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling

from skala.orgs.models import PUBLIC_BUYER_KINDS, ROLE_RANK, Organisation, Role
from skala.orgs.permissions import authorize, member_organisations, roles_of
from skala.spend.forms import LinkForm, ReportForm, SettingsForm, UploadForm
from skala.spend.models import OpeningsVisibility, SpendImport, SpendSettings, SpendUpload, Supplier
from skala.spend.removal import SummaryMismatchError, remove_import
from skala.spend.report import openings, supplier_base
from skala.spend.suppliers import link_supplier
from skala.spend.uploads import NotStalledError, queue_upload, restart_upload

SHOWN_OPENINGS = 50
LISTED_UPLOADS = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def index(request):
    """Organisations with spend: the reports of one's own, and everyone's public openings."""
    with_spend = Organisation.objects.filter(spend_imports__isnull=False).distinct().order_by("name")
    # The person's own organisations whose spend Skala has: those that imported it, and units of one
    # that did (an agency's staff read their agency's part of the municipality's spend).
    with_spend_ids = set(with_spend.values_list("pk", flat=True))
    direct = Organisation.objects.filter(pk__in=roles_of(request.user)).order_by("name")
    mine = sorted(
        {
            *with_spend.filter(pk__in=member_organisations(request.user)).filter(parent=None),
            *(
                o
                for o in direct
                if o.top().pk in with_spend_ids and request.user.has_perm("spend.view_report", o)
            ),
        },
        key=lambda organisation: organisation.name,
    )
    public = with_spend.exclude(spend_settings__openings_visibility=OpeningsVisibility.HIDDEN)
    editing = [pk for pk, role in roles_of(request.user).items() if ROLE_RANK[role] >= ROLE_RANK[Role.EDITOR]]
    # Spend is a buyer's accounts: a supplier's editors are not offered an upload.
    importable = Organisation.objects.filter(pk__in=editing, kind__in=PUBLIC_BUYER_KINDS).order_by("name")
    return render(request, "spend/index.html", {"mine": mine, "public": public, "importable": importable})


def with_bars(rows: list[dict], key: str = "spend_total") -> list[dict]:
    """Each row with its bar's width: its share of the largest row, in per cent."""
    largest = max((row[key] for row in rows), default=0)
    return [{**row, "bar": round(100 * max(row[key], 0) / largest) if largest > 0 else 0} for row in rows]


@login_required
def report(request, organisation_id: int):
    """The supplier-base report of an organisation and its units, for its members."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    authorize(request.user, "spend.view_report", organisation)
    form = ReportForm(request.GET or None)
    year = threshold = None
    if form.is_valid():
        year, threshold = form.cleaned_data["year"], form.cleaned_data["threshold"]
    data = supplier_base(organisation, year, threshold)
    export = request.GET.get("format")
    if export == "csv":
        return report_csv(data)
    if export == "xlsx":
        return report_xlsx(data)
    top = organisation.top()
    context = {
        "organisation": organisation,
        "report": data,
        "form": form,
        "offices": with_bars(data["by_office"]),
        "categories": with_bars(data["by_category"]),
        "query": request.GET.urlencode(),
        # The suppliers known only by name are the top organisation's: counted for its readers only.
        "unresolved": (
            Supplier.objects.filter(organisation=top).unresolved().count()
            if request.user.has_perm("spend.view_report", top)
            else None
        ),
        "can_change": request.user.has_perm("spend.change_spend", top),
        "can_import": request.user.has_perm("spend.change_spend", organisation),
        "imports": SpendImport.objects.filter(organisation=organisation)[:10],
    }
    return render(request, "spend/report.html", context)


def report_rows(data: dict) -> list[list]:
    """The report as rows, shared by the CSV and the spreadsheet."""
    tail = data["long_tail"]
    rows: list[list] = [["section", "key", "suppliers", "spend", "share_suppliers", "share_spend"]]
    rows.append(["total", data["year"], data["suppliers"], data["spend_total"], 1, 1])
    rows.append(["long_tail", tail["threshold"], tail["suppliers"], tail["spend"], tail["share_suppliers"],
                 tail["share_spend"]])  # fmt: skip
    rows.append(["concentration", "top10_share", 10, None, None, data["top10_share"]])
    rows.append(
        ["concentration", "top1pct_share", data["top1pct_suppliers"], None, None, data["top1pct_share"]]
    )
    rows.append(["concentration", "hhi", None, None, None, data["hhi"]])
    for name in ("new_suppliers", "sme", "startups"):
        part = data[name]
        rows.append(
            [name, "", part["suppliers"], part["spend"], part["share_suppliers"], part["share_spend"]]
        )
    rows += [
        ["office", row["office"], row["suppliers"], row["spend_total"], None, None]
        for row in data["by_office"]
    ]
    rows += [
        ["category", row["category"], row["suppliers"], row["spend_total"], None, None]
        for row in data["by_category"]
    ]
    rows += [
        ["cpv_division", row["division"], row["suppliers"], row["spend_total"], None, None]
        for row in data["by_cpv_division"]
    ]
    rows += [
        [
            "top_supplier",
            f"{row['name']} {row['orgnr']}".strip(),
            1,
            row["spend_total"],
            None,
            row["share_spend"],
        ]
        for row in data["top_suppliers"]
    ]
    return rows


def report_csv(data: dict) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="supplier-base-{data["org"]}-{data["year"]}.csv"'
    csv.writer(response).writerows(report_rows(data))
    return response


def report_xlsx(data: dict) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "supplier base"
    for row in report_rows(data):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="supplier-base-{data["org"]}-{data["year"]}.xlsx"'
    )
    return response


def openings_page(request, organisation_id: int):
    """Where a small supplier could enter without a large tender, as much as the buyer shows the public."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    member = request.user.has_perm("spend.view_report", organisation)
    data = openings(organisation, member=member)
    can_change = request.user.has_perm("spend.change_spend", organisation)
    settings_form = None
    if can_change:
        chosen = SpendSettings.objects.filter(organisation=organisation).first()
        settings_form = SettingsForm(instance=chosen or SpendSettings(openings_visibility=data["visibility"]))
    context = {
        "organisation": organisation,
        "data": data,
        "shown": data["openings"][:SHOWN_OPENINGS],
        "member": member,
        "with_office": data["level"] == OpeningsVisibility.OFFICES,
        "hidden": data["level"] == OpeningsVisibility.HIDDEN,
        "settings_form": settings_form,
    }
    return render(request, "spend/openings.html", context)


@login_required
@require_POST
def settings_update(request, organisation_id: int):
    """Editors choose how much of the openings the public sees."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    authorize(request.user, "spend.change_spend", organisation)
    chosen, _created = SpendSettings.objects.get_or_create(organisation=organisation)
    form = SettingsForm(request.POST, instance=chosen)
    if form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
    else:
        messages.error(request, "; ".join(" ".join(errors) for errors in form.errors.values()))
    return redirect("spend:openings", organisation_id=organisation.pk)


@login_required
def unresolved(request, organisation_id: int):
    """Suppliers known only by name, largest spend first; editors link each to its organisation number."""
    top = get_object_or_404(Organisation, pk=organisation_id).top()
    authorize(request.user, "spend.view_report", top)
    suppliers = (
        Supplier.objects.filter(organisation=top)
        .unresolved()
        .annotate(line_count=Sum("summaries__lines"), spend=Sum("summaries__amount_ore"))
        .order_by("-spend", "name")
    )
    page = Paginator(suppliers, 50).get_page(request.GET.get("page"))
    for supplier in page.object_list:
        supplier.spend_total = (supplier.spend or 0) / 100
    context = {
        "organisation": top,
        "page": page,
        "can_change": request.user.has_perm("spend.change_spend", top),
    }
    return render(request, "spend/unresolved.html", context)


@login_required
@require_POST
def link(request, organisation_id: int, supplier_id: int):
    """Give a supplier known only by name its organisation number; its lines follow."""
    top = get_object_or_404(Organisation, pk=organisation_id).top()
    authorize(request.user, "spend.change_spend", top)
    supplier = get_object_or_404(Supplier.objects.unresolved(), pk=supplier_id, organisation=top)
    form = LinkForm(request.POST, country=top.country)
    if form.is_valid():
        target, moved = link_supplier(supplier, form.cleaned_data["orgnr"])
        messages.success(
            request,
            _("%(name)s is now %(orgnr)s; %(moved)s lines moved to %(target)s.")
            % {"name": supplier.name, "orgnr": target.orgnr, "moved": moved, "target": target.name},
        )
    else:
        messages.error(request, "; ".join(" ".join(errors) for errors in form.errors.values()))
    return redirect("spend:unresolved", organisation_id=top.pk)


@login_required
@require_http_methods(["GET", "POST"])
def uploads(request, organisation_id: int):
    """Editors upload a spend file to import in the background; every upload so far is listed."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    authorize(request.user, "spend.change_spend", organisation)
    form = UploadForm(request.POST or None, request.FILES or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = queue_upload(
            organisation,
            request.user,
            data["file"],
            mapping=data["mapping"],
            currency=data["currency"],
            rate=data["rate"],
            language=get_language() or "",
        )
        return redirect("spend:upload", organisation_id=organisation.pk, upload_id=record.pk)
    records = SpendUpload.objects.filter(organisation=organisation).select_related(
        "uploaded_by", "spend_import"
    )
    context = {"organisation": organisation, "form": form, "uploads": records[:LISTED_UPLOADS]}
    return render(request, "spend/uploads.html", context, status=400 if form.is_bound else 200)


@login_required
def upload(request, organisation_id: int, upload_id: int):
    """How an upload's import is going; htmx asks for the status fragment until it has finished."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    authorize(request.user, "spend.change_spend", organisation)
    record = get_object_or_404(
        SpendUpload.objects.select_related("uploaded_by", "spend_import"),
        pk=upload_id,
        organisation=organisation,
    )
    context = {
        "organisation": organisation,
        "upload": record,
        "stall_minutes": settings.SKALA_UPLOAD_STALL_MINUTES,
    }
    if request.htmx:
        response = render(request, "spend/_upload_status.html", context)
        if not record.pending or record.stalled:
            # 286 tells htmx to stop asking; the finished (or stalled) status is still swapped in.
            response.status_code = HttpResponseStopPolling.status_code
        return response
    return render(request, "spend/upload.html", context)


@login_required
@require_POST
def upload_restart(request, organisation_id: int, upload_id: int):
    """Start a stalled import again, from the file it kept."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    authorize(request.user, "spend.change_spend", organisation)
    record = get_object_or_404(SpendUpload, pk=upload_id, organisation=organisation)
    try:
        restart_upload(record)
    except NotStalledError:
        messages.error(request, _("Only an import that has stalled can be started again; this one has not."))
    else:
        messages.success(request, _("The import was started again."))
    return redirect("spend:upload", organisation_id=organisation.pk, upload_id=record.pk)


@login_required
@require_POST
def import_remove(request, organisation_id: int, import_id: int):
    """Take an import back out of the spend (editors): its lines leave the reports and its file may be
    imported again, say with the right rate."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    authorize(request.user, "spend.change_spend", organisation)
    batch = get_object_or_404(SpendImport, pk=import_id, organisation=organisation)
    try:
        removed = remove_import(batch, removed_by=request.user)
    except SpendImport.DoesNotExist:
        messages.error(request, _("The import had already been removed."))
    except SummaryMismatchError:
        messages.error(
            request,
            _(
                "The spend summary does not match this import's lines, so nothing was removed. "
                "Tell the operator."
            ),
        )
    else:
        messages.success(
            request,
            _("The import of %(file)s is removed: %(lines)s lines are no longer in the spend.")
            % {"file": removed.file_name, "lines": f"{removed.lines:,}"},
        )
    return redirect("spend:report", organisation_id=organisation.pk)
