from django.contrib import admin

from skala.suppliers.models import (
    Alert,
    Consortium,
    Contact,
    CustomerReference,
    PartneringRequest,
    Proposal,
    ProposalEvent,
    Solution,
    Subscription,
    SupplierProfile,
)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(SupplierProfile)
class SupplierProfileAdmin(admin.ModelAdmin):
    list_display = ["organisation", "is_startup", "open_to_partnering", "updated_at"]
    list_filter = ["is_startup", "open_to_partnering"]
    search_fields = ["organisation__name", "organisation__orgnr"]
    inlines = [ContactInline]


class ReferenceInline(admin.TabularInline):
    model = CustomerReference
    extra = 0


@admin.register(Solution)
class SolutionAdmin(admin.ModelAdmin):
    list_display = ["title", "profile", "maturity"]
    list_filter = ["maturity"]
    search_fields = ["title", "profile__organisation__name"]
    inlines = [ReferenceInline]


class EventInline(admin.TabularInline):
    model = ProposalEvent
    extra = 0
    readonly_fields = ["status", "receiver", "by", "note", "at"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "sender", "receiver", "status", "created_at", "answered_at"]
    list_filter = ["status"]
    search_fields = ["title", "sender__name", "receiver__name"]
    inlines = [EventInline]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organisation", "user", "frequency", "active"]
    list_filter = ["frequency", "active"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "subscription", "created_at", "emailed_at", "email_attempts"]
    list_filter = ["kind"]


admin.site.register(PartneringRequest)
admin.site.register(Consortium)
