from django.contrib import admin

from skala.suppliers.models import (
    Alert,
    Consortium,
    Contact,
    CustomerReference,
    PartneringRequest,
    ProposalRouting,
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
    # The CPV vocabulary has 9,454 codes: a search box, not a select list of all of them.
    autocomplete_fields = ["cpv_codes"]


@admin.register(ProposalRouting)
class ProposalRoutingAdmin(admin.ModelAdmin):
    """Proposals are confidential between the supplier and the buyer: staff see who sent what to whom,
    when and how far it came, never its title, text, answer or notes (the pages refuse staff too)."""

    list_display = ["pk", "sender", "receiver", "status", "created_at", "answered_at"]
    list_filter = ["status"]
    search_fields = ["sender__name", "receiver__name"]
    fields = ["sender", "receiver", "status", "created_at", "first_response_at", "answered_at"]
    readonly_fields = fields
    actions = None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting would also list (and delete) the proposal's events, which name it.
        return False


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
