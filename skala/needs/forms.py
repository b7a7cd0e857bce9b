"""Forms for needs and joint processes."""

import re

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from skala.forms import BoundedModelMultipleChoiceField, ModelForm
from skala.needs.models import Need, ParticipantRole
from skala.orgs.models import Organisation
from skala.reference.models import CpvCode, Sdg


class CpvCodesField(forms.CharField):
    """CPV codes typed as text, separated by spaces or commas, with or without check digits."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.split("-")[0] for part in re.split(r"[\s,;]+", text) if part]

    def validate(self, value):
        super().validate(value)
        malformed = [code for code in value if not re.fullmatch(r"\d{8}", code)]
        if malformed:
            raise forms.ValidationError(
                _("Not CPV codes: %(codes)s. A code has eight digits, as 45210000."),
                params={"codes": ", ".join(malformed)},
            )
        unknown = sorted(
            set(value) - set(CpvCode.objects.filter(code8__in=value).values_list("code8", flat=True))
        )
        if unknown:
            raise forms.ValidationError(
                _("Not in the CPV vocabulary: %(codes)s."), params={"codes": ", ".join(unknown)}
            )


class NeedForm(ModelForm):
    cpv = CpvCodesField(
        label=_("CPV codes"),
        required=False,
        help_text=_("Eight-digit codes separated by spaces, e.g. 85310000 48180000."),
    )
    sdgs = BoundedModelMultipleChoiceField(
        label=_("Sustainable Development Goals"),
        queryset=Sdg.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta(ModelForm.Meta):
        model = Need
        fields = [
            "organisation",
            "title",
            "problem",
            "affected",
            "current_practice",
            "desired_outcome",
            "estimated_value",
            "horizon_months",
            "language",
            "visibility",
            "invited_organisations",
        ]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 5}),
            "affected": forms.Textarea(attrs={"rows": 3}),
            "current_practice": forms.Textarea(attrs={"rows": 3}),
            "desired_outcome": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        not_negative(self.fields["estimated_value"])
        self.fields["invited_organisations"].queryset = Organisation.objects.public_buyers().order_by("name")
        self.fields["invited_organisations"].required = False
        self.fields["sdgs"].label_from_instance = lambda goal: str(goal)
        if self.instance.pk:
            self.initial["sdgs"] = list(self.instance.sdgs.values_list("pk", flat=True))
            self.initial["cpv"] = " ".join(self.instance.cpv_codes.values_list("code8", flat=True))

    def save(self, commit=True):
        need = super().save(commit=commit)
        if commit:
            need.cpv_codes.set(CpvCode.objects.filter(code8__in=self.cleaned_data["cpv"]))
            need.sdgs.set(self.cleaned_data["sdgs"])
        return need


def not_negative(field: forms.Field) -> None:
    """A value or an amount of money is zero or more; the browser is told so too."""
    field.validators.append(MinValueValidator(0))
    field.widget.attrs["min"] = 0


class InviteForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Buyer"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(
        label=_("Role"), choices=ParticipantRole.choices, initial=ParticipantRole.FOLLOWER
    )
    option_terms = forms.CharField(
        label=_("Option terms"),
        # Not required of a partner, so not marked "optional" either: clean() asks it of a follower.
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a follower: what it may buy, how much, and until when."),
    )

    def __init__(self, *args, lead: Organisation, already=(), **kwargs):
        """already: the organisations invited or taking part, left out of the list (inviting one again
        changes nothing, so offering it only confuses). One that declined or left may be invited again."""
        super().__init__(*args, **kwargs)
        self.fields["option_terms"].required_when = _("required for a follower")
        self.fields["organisation"].queryset = (
            Organisation.objects.public_buyers()
            .filter(parent=None)
            .exclude(pk=lead.top().pk)
            .exclude(pk__in=list(already))
            .order_by("name")
        )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("role") == ParticipantRole.FOLLOWER
            and not (cleaned.get("option_terms") or "").strip()
        ):
            # A follower's option is what it joins for; without its terms nobody knows what was agreed.
            self.add_error("option_terms", _("Say what the follower may buy, how much, and until when."))
        return cleaned
