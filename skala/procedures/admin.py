from django.contrib import admin

from skala.procedures.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["import_id", "title", "buyer_name", "buyer_country", "published", "source"]
    list_filter = ["source", "buyer_country"]
    search_fields = ["import_id", "title", "buyer_name"]

    def has_add_permission(self, request) -> bool:
        # Notices come from imports only; the admin may read and correct them.
        return False
