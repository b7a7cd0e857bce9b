"""Pages for imported procurement notices: search them, read one."""

from decimal import Decimal

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from skala.corpus import services as corpus
from skala.corpus.models import DocumentKind
from skala.procedures.advisor import Question, advise
from skala.procedures.forms import AdvisorForm
from skala.procedures.models import Notice, NoticeSource
from skala.procedures.services import similar_notices
from skala.reference.models import CpvCode

PAGE_SIZE = 25


def notice_list(request):
    """Notices by words in any language (through the matcher), CPV division, country and source."""
    filters = {name: request.GET.get(name, "").strip() for name in ("q", "division", "country", "source")}
    notices = Notice.objects.all()
    if filters["division"].isdigit():
        notices = notices.with_cpv_prefix(filters["division"][:2])
    if len(filters["country"]) == 2:
        notices = notices.filter(buyer_country=filters["country"].upper())
    if filters["source"] in NoticeSource.values:
        notices = notices.filter(source=filters["source"])
    if filters["q"]:
        matches = corpus.similar(corpus.query_for(filters["q"]), top=200, kind=DocumentKind.NOTICE)
        rank = {match.key.split(":", 1)[1]: n for n, match in enumerate(matches)}
        notices = sorted(notices.filter(import_id__in=rank), key=lambda notice: rank[notice.import_id])
    context = {
        "page": Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": filters,
        "sources": NoticeSource.choices,
        "countries": sorted(
            set(Notice.objects.exclude(buyer_country="").values_list("buyer_country", flat=True))
        ),
    }
    template = "procedures/_notice_results.html" if request.htmx else "procedures/notice_list.html"
    return render(request, template, context)


def notice_detail(request, notice_id: int):
    """One notice with its CPV codes and the notices most like it."""
    notice = get_object_or_404(Notice, pk=notice_id)
    codes = CpvCode.objects.in_bulk(notice.cpv)
    query = corpus.query_for(f"{notice.title}\n{notice.description}", notice.language or None, notice.cpv)
    context = {
        "notice": notice,
        "codes": [codes[code] for code in notice.cpv if code in codes],
        "similar": [item for item in similar_notices(query, top=6) if item.notice.pk != notice.pk][:5],
    }
    return render(request, "procedures/notice_detail.html", context)


def advisor(request):
    """Which route may we take, and what does it demand? Answered with sources, without logging in."""
    form = AdvisorForm(request.GET or None)
    advice = None
    if form.is_valid():
        data = form.cleaned_data
        advice = advise(
            Question(
                value_nok=data["value_nok"],
                buyer_type=data["buyer_type"],
                contract_type=data["contract_type"],
                solution_exists=data["solution_exists"],
                rd_share=Decimal(data["rd_share"] or 0) / 100,
                buyer_pays_full_cost=data["buyer_pays_full_cost"],
                buyer_keeps_all_results=data["buyer_keeps_all_results"],
                defence_or_concession=data["defence_or_concession"],
            )
        )
    return render(request, "procedures/advisor.html", {"form": form, "advice": advice})
