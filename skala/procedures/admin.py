from django.contrib import admin
from django.db import models

from skala.procedures.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["import_id", "title", "buyer_name", "buyer_country", "published", "source"]
    list_filter = ["source", "buyer_country"]
    search_fields = ["import_id", "title", "buyer_name"]
    # A notice's address typed without a scheme is https, as everywhere else in Skala (and Django 6).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request) -> bool:
        # Notices come from imports only; the admin may read and correct them.
        return False
