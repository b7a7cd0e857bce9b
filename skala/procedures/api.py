"""Imported notices as JSON: public, read-only."""

from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from skala.procedures.models import Notice

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: str
    source: str
    title: str
    description: str
    language: str
    cpv: list[str]
    buyer_name: str
    buyer_orgnr: str
    buyer_country: str
    published: date | None
    url: str

    @staticmethod
    def resolve_id(notice: Notice) -> str:
        return notice.import_id


@router.get("", response=list[NoticeOut], summary="Imported notices, newest first")
@paginate(LimitOffsetPagination)
def list_notices(request, country: str = "", cpv: str = "", source: str = "", q: str = ""):
    notices = Notice.objects.search(q)
    if country:
        notices = notices.filter(buyer_country=country.upper())
    if source:
        notices = notices.filter(source=source)
    return notices.with_cpv_prefix(cpv)


@router.get("/{import_id}", response=NoticeOut, summary="One notice by its import id")
def get_notice(request, import_id: str):
    return get_object_or_404(Notice, import_id=import_id)
