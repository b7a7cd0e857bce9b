"""Forms for the spend pages: the report's year and threshold, linking a supplier, the public level."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from skala.orgs.identifiers import normalise_orgnr
from skala.spend.models import SpendSettings


class ReportForm(forms.Form):
    """Which year, and where the long tail ends; both optional."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2200)
    threshold = forms.IntegerField(
        label=_("Long tail under"),
        required=False,
        min_value=0,
        help_text=_("Suppliers paid less than this in the year, in the organisation's currency."),
    )


class LinkForm(forms.Form):
    """The organisation number a supplier known only by name really has."""

    orgnr = forms.CharField(label=_("Organisation number"), max_length=20)

    def __init__(self, *args, country: str = "NO", **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country

    def clean_orgnr(self) -> str:
        try:
            return normalise_orgnr(self.country, self.cleaned_data["orgnr"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class SettingsForm(forms.ModelForm):
    """How much of the openings for small suppliers the public sees."""

    class Meta:
        model = SpendSettings
        fields = ["openings_visibility"]
