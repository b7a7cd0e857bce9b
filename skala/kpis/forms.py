"""Forms for key figures, connectors, values and wall screens."""

import json

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from skala.forms import ModelForm
from skala.kpis.credentials import encrypt
from skala.kpis.models import Connector, KeyFigure, Screen, Tile
from skala.security.uploads import UploadValidator


class FigureForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = KeyFigure
        fields = [
            "owner",
            "name_nb",
            "name_sv",
            "name_en",
            "unit",
            "description",
            "period",
            "direction",
            "target_value",
            "target_date",
            "minimum",
            "maximum",
            "sdgs",
        ]
        widgets = {
            "target_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["sdgs"].required = False

    def clean(self):
        cleaned = super().clean()
        if not any((cleaned.get(name) or "").strip() for name in ("name_nb", "name_sv", "name_en")):
            self.add_error("name_nb", _("Name the key figure in at least one language."))
        lowest, highest = cleaned.get("minimum"), cleaned.get("maximum")
        if lowest is not None and highest is not None and lowest > highest:
            self.add_error("maximum", _("The highest allowed value is below the lowest."))
        return cleaned


class ValueForm(forms.Form):
    period = forms.CharField(label=_("Period"), help_text=_("A date, or a month as 2026-03, or a year."))
    value = forms.CharField(label=_("Value"))
    unit = forms.CharField(
        label=_("Unit"), required=False, help_text=_("Leave empty for the figure's own unit.")
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns: date and value (names as in the settings below)."),
        validators=[UploadValidator(["csv"], max_size=5_000_000)],
    )
    date_column = forms.CharField(label=_("Date column"), initial="date")
    value_column = forms.CharField(label=_("Value column"), initial="value")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5_000_000:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ConnectorForm(ModelForm):
    config_text = forms.CharField(
        label=_("Settings (JSON)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial='{"url": "https://", "selector": "values", "period_field": "period", "value_field": "value"}',
    )
    credentials = forms.CharField(
        label=_("Credentials"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("A bearer token, or a database address for SQL. Stored encrypted; never shown again."),
    )

    class Meta(ModelForm.Meta):
        model = Connector
        fields = ["kind", "every_minutes", "timeout_seconds", "retries"]

    def __init__(self, *args, owner=None, **kwargs):
        """owner: the organisation whose figure it is; its files are read from its own folder only."""
        super().__init__(*args, **kwargs)
        self.owner = owner

    def clean_config_text(self):
        try:
            config = json.loads(self.cleaned_data["config_text"])
        except json.JSONDecodeError as error:
            raise forms.ValidationError(_("Not valid JSON: %(error)s"), params={"error": error.msg}) from None
        if not isinstance(config, dict):
            raise forms.ValidationError(_("The settings must be a JSON object."))
        return config

    def clean(self):
        cleaned = super().clean()
        if "config_text" in cleaned and cleaned.get("kind"):
            from skala.kpis.connectors import PullError, check_settings

            try:
                check_settings(
                    cleaned["kind"], cleaned["config_text"], cleaned.get("credentials", ""), self.owner
                )
            except PullError as error:
                self.add_error("config_text", str(error))
        return cleaned

    def save(self, commit=True):
        self.instance.config = self.cleaned_data["config_text"]
        if self.cleaned_data.get("credentials"):
            self.instance.secret = encrypt(self.cleaned_data["credentials"])
        return super().save(commit=commit)


class ScreenForm(ModelForm):
    # The screen's link is made in this language, so it must be one Skala's addresses have.
    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES, initial="nb")

    class Meta(ModelForm.Meta):
        model = Screen
        fields = ["owner", "name", "rotate_seconds", "refresh_seconds", "tiles_per_page", "language"]

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class ScreenSettingsForm(ModelForm):
    """A wall's settings after it is made; its owner stays."""

    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES)

    class Meta(ModelForm.Meta):
        model = Screen
        fields = ["name", "rotate_seconds", "refresh_seconds", "tiles_per_page", "language"]


class TileForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Tile
        fields = ["figure", "kind", "order"]

    def __init__(self, *args, figures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["figure"].queryset = figures
