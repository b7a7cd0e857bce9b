from django.contrib import admin

from skala.reference.models import County, CpvCode, Municipality, Sdg


@admin.register(CpvCode)
class CpvCodeAdmin(admin.ModelAdmin):
    list_display = ["code8", "level", "label_en", "label_nb"]
    list_filter = ["level"]
    search_fields = ["code8", "label_en", "label_nb", "label_sv"]
    readonly_fields = ["parent"]


@admin.register(Sdg)
class SdgAdmin(admin.ModelAdmin):
    list_display = ["number", "name_en", "name_nb", "name_sv"]


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["country", "number", "name"]
    list_filter = ["country"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["country", "number", "name", "county", "orgnr"]
    list_filter = ["country", "county"]
    search_fields = ["name", "number", "orgnr"]
