from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from skala.orgs.models import ApiToken, Membership, Organisation, RegistryEntry, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "unit", "country", "orgnr", "parent", "is_demo"]
    list_filter = ["kind", "unit", "country", "is_demo"]
    search_fields = ["name", "orgnr"]
    autocomplete_fields = ["parent", "municipality"]
    inlines = [MembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_facilitator", "is_staff", "is_active"]
    list_filter = ["is_facilitator", "is_staff", "is_active"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name"]}),
        (_("Roles"), {"fields": ["is_active", "is_facilitator", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    search_fields = ["name", "user__email"]


@admin.register(RegistryEntry)
class RegistryEntryAdmin(admin.ModelAdmin):
    """Enhetsregisteret as last imported: read-only, since `skala import brreg` owns every row."""

    list_display = ["orgnr", "name", "org_form_code", "nace_code", "employees", "is_startup", "is_sme"]
    list_filter = ["is_startup", "is_sme", "bankrupt", "under_liquidation"]
    search_fields = ["=orgnr", "name"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
