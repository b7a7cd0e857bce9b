"""Forms for procedures: the advisor's questions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from skala.procedures.advisor import BuyerType, ContractType


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
