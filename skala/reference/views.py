"""Pages to look up CPV codes and the Sustainable Development Goals."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from skala.reference.models import CpvCode, Sdg, label_language


def cpv_search(request):
    """Search the CPV vocabulary by words in the page's language, or by code; divisions otherwise."""
    query = request.GET.get("q", "").strip()
    language = label_language(get_language())
    codes = CpvCode.objects.search(query, language) if query else CpvCode.objects.filter(level="division")
    page = Paginator(codes.order_by("code8"), 50).get_page(request.GET.get("page"))
    template = "reference/_cpv_results.html" if request.htmx else "reference/cpv_search.html"
    return render(request, template, {"page": page, "query": query})


def cpv_detail(request, code8: str):
    """One code with the path to its division and the codes below it."""
    code = get_object_or_404(CpvCode, code8=code8)
    path, node = [], code.parent
    while node is not None:
        path.insert(0, node)
        node = node.parent
    return render(
        request,
        "reference/cpv_detail.html",
        {"code": code, "path": path, "children": code.children.all()},
    )


def sdg_list(request):
    """The 17 goals."""
    return render(request, "reference/sdg_list.html", {"goals": Sdg.objects.all()})
