"""Forms for procedures: the advisor's questions."""

import datetime

from django import forms
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _

from skala.forms import ModelForm
from skala.needs.forms import CpvCodesField, not_negative
from skala.orgs.models import PUBLIC_BUYER_KINDS, Organisation
from skala.procedures.advisor import BuyerType, ContractType, ProcedureType
from skala.procedures.models import (
    Award,
    GroupMember,
    Lot,
    Phase,
    Procurement,
    ProcurementDocument,
    ProcurementOption,
)


class AdvisorForm(forms.Form):
    value_nok = forms.DecimalField(
        label=_("Estimated value, NOK excl. VAT"),
        min_value=0,
        max_digits=14,
        decimal_places=0,
        help_text=_("Over the whole contract period, options included."),
    )
    buyer_type = forms.ChoiceField(label=_("Buyer"), choices=BuyerType.choices, initial=BuyerType.OTHER)
    contract_type = forms.ChoiceField(label=_("What is bought"), choices=ContractType.choices)
    solution_exists = forms.TypedChoiceField(
        label=_("Does a solution exist on the market?"),
        choices=[("yes", _("Yes")), ("no", _("No, it must be developed"))],
        coerce=lambda value: value == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )
    rd_share = forms.IntegerField(
        label=_("R&D share of the value, per cent"), min_value=0, max_value=100, initial=0, required=False
    )
    buyer_pays_full_cost = forms.BooleanField(
        label=_("The buyer pays the full cost"), required=False, initial=True
    )
    buyer_keeps_all_results = forms.BooleanField(
        label=_("The results accrue wholly to the buyer"), required=False, initial=True
    )
    defence_or_concession = forms.BooleanField(
        label=_("Defence and security, or a concession"), required=False
    )


class ProcurementForm(ModelForm):
    procedure_type = forms.ChoiceField(label=_("Procedure"), choices=ProcedureType.choices)
    cpv = CpvCodesField(label=_("CPV codes"), required=False)
    start = forms.DateField(
        label=_("The first phase starts"),
        initial=datetime.date.today,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta(ModelForm.Meta):
        model = Procurement
        fields = ["buyer", "title", "description", "procedure_type", "estimated_value"]

    def __init__(self, *args, buyers, **kwargs):
        super().__init__(*args, **kwargs)
        not_negative(self.fields["estimated_value"])
        self.fields["buyer"].queryset = buyers


class NoticeDetailsForm(ModelForm):
    """What the eForms notices need that the procurement does not say yet."""

    submission_url = forms.URLField(
        label=_("Where tenders are submitted"),
        required=False,
        assume_scheme="https",
        help_text=_("The address of the tendering system that receives tenders and requests to participate."),
    )

    class Meta(ModelForm.Meta):
        model = Procurement
        fields = ["description", "submission_url", "contract_months"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PhaseFormSet = modelformset_factory(
    Phase,
    fields=["name", "starts_on", "ends_on", "note"],
    widgets={"starts_on": DATE, "ends_on": DATE, "note": forms.Textarea(attrs={"rows": 2})},
    extra=0,
)


class GroupMemberForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = GroupMember
        fields = ["group", "name", "organisation", "role"]


class OptionForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = ProcurementOption
        fields = ["organisation", "terms", "value", "valid_until"]
        widgets = {"valid_until": DATE, "terms": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A follower with an option is another public buyer.
        self.fields["organisation"].queryset = Organisation.objects.public_buyers().order_by("name")


class AwardForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Award
        fields = ["supplier", "lot", "value", "awarded_on", "contract_signed_on", "contract_ends_on"]
        widgets = {"awarded_on": DATE, "contract_signed_on": DATE, "contract_ends_on": DATE}

    def __init__(self, *args, procurement, **kwargs):
        super().__init__(*args, **kwargs)
        # An award is for one of this procurement's lots, never another's (its OCDS would name it).
        self.fields["lot"].queryset = procurement.lots.all()
        # A contract goes to a supplier, a research body or the like, not to a public buyer.
        self.fields["supplier"].queryset = Organisation.objects.exclude(kind__in=PUBLIC_BUYER_KINDS).order_by(
            "name"
        )


class LotForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Lot
        fields = ["number", "title", "estimated_value"]


class DocumentForm(ModelForm):
    url = forms.URLField(label=_("address"), assume_scheme="https")

    class Meta(ModelForm.Meta):
        model = ProcurementDocument
        fields = ["title", "url"]
