"""Forms for the spend pages: the report's year and threshold, linking a supplier, the public level,
and uploading a file to import."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from skala.forms import ModelForm
from skala.orgs.identifiers import normalise_orgnr
from skala.security.uploads import UploadValidator
from skala.spend.models import SpendSettings, currency_of
from skala.spend.reading import FieldError, SpendFormatError, parse_currency, parse_mapping

# A mapping file names a few dozen headers at most.
MAPPING_MAX_SIZE = 100_000


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


class SettingsForm(ModelForm):
    """How much of the openings for small suppliers the public sees."""

    class Meta(ModelForm.Meta):
        model = SpendSettings
        fields = ["openings_visibility"]


class UploadForm(forms.Form):
    """A spend extract to import in the background, with its column mapping and currency when needed.

    What can be known before reading the rows is checked here (size, type, the mapping, the
    currency and rate), so a mistake is told at once; the rows are checked by the import.
    """

    file = forms.FileField(
        label=_("Spend file"),
        validators=[UploadValidator(["csv", "xlsx"])],
        help_text=_(
            "A CSV (UTF-8; comma, semicolon or tab) or XLSX extract of invoice or ledger lines, with "
            "the date, the supplier's name or organisation number and the amount on each line."
        ),
    )
    mapping = forms.FileField(
        label=_("Column mapping"),
        required=False,
        validators=[UploadValidator(["json"], max_size=MAPPING_MAX_SIZE)],
        help_text=_(
            "Only when the headers are not recognised: a JSON file from header to field, as "
            '{"Fakturadato": "date", "Mottaker": "supplier"}.'
        ),
    )
    currency = forms.CharField(
        label=_("Currency of the file"),
        required=False,
        max_length=3,
        help_text=_("Only when it is not the organisation's own, for instance EUR."),
    )
    rate = forms.DecimalField(
        label=_("Rate"),
        required=False,
        max_digits=14,
        decimal_places=6,
        min_value=Decimal("0.000001"),
        help_text=_("With another currency: what one unit of it is in the organisation's currency."),
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.own = currency_of(organisation)
        self.fields["rate"].help_text = _(
            "With another currency: what one unit of it is in %(currency)s (1 EUR = 11.52 %(currency)s)."
        ) % {"currency": self.own}

    def clean_mapping(self) -> dict[str, str]:
        upload = self.cleaned_data.get("mapping")
        if not upload:
            return {}
        try:
            return parse_mapping(upload.read(), upload.name)
        except SpendFormatError as error:
            raise ValidationError(str(error)) from None

    def clean_currency(self) -> str:
        value = self.cleaned_data.get("currency", "").strip()
        if not value:
            return ""
        try:
            return parse_currency(value)
        except FieldError as error:
            raise ValidationError(error.reason) from None

    def clean(self):
        data = super().clean()
        currency, rate = data.get("currency") or self.own, data.get("rate")
        if currency != self.own and rate is None and "rate" not in self.errors:
            self.add_error(
                "rate",
                _("The file is in %(currency)s: give the rate (1 %(currency)s = RATE %(own)s).")
                % {"currency": currency, "own": self.own},
            )
        if currency == self.own and rate is not None:
            self.add_error(
                "currency",
                _("A rate converts from another currency: name it (it is not %(own)s).") % {"own": self.own},
            )
        return data
