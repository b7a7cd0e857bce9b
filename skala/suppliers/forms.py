"""Forms for suppliers: signing up, the profile and its solutions, proposals, partnering, subscriptions."""

import re

from django import forms
from django.contrib.auth import password_validation
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from skala.forms import BoundedModelMultipleChoiceField, ModelForm
from skala.needs.forms import CpvCodesField
from skala.orgs.identifiers import normalise_orgnr
from skala.orgs.models import Organisation, User
from skala.reference.models import County, Municipality
from skala.suppliers.models import (
    LANGUAGES,
    Contact,
    CustomerReference,
    Proposal,
    ProposalStatus,
    Solution,
    Subscription,
    SupplierProfile,
)
from skala.suppliers.profiles import claim_refusal


class SignupForm(forms.Form):
    """A supplier or startup joins Skala: a person, their company, and its first profile."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your e-mail address"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    company = forms.CharField(label=_("Company name"), max_length=300)
    country = forms.ChoiceField(
        label=_("Country"), choices=[("NO", _("Norway")), ("SE", _("Sweden"))], initial="NO", required=False
    )
    orgnr = forms.CharField(
        label=_("Organisation number"),
        max_length=20,
        help_text=_("In Norway nine digits, as 974 760 673; in Sweden ten, as 556036-0793."),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.filter(country__in=["NO", "SE"]).order_by("country", "name"),
        required=False,
    )
    is_startup = forms.BooleanField(label=_("We are a startup"), required=False)

    def __init__(self, *args, language: str = "nb", **kwargs):
        super().__init__(*args, **kwargs)
        if language == "sv":
            self.fields["country"].initial = "SE"

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError(_("Someone already uses this address: log in instead."))
        return email

    def clean_orgnr_for(self, country: str, value: str) -> str:
        """The number checked as its country writes it, and refused if another organisation has it."""
        orgnr = normalise_orgnr(country, value)
        existing = Organisation.objects.filter(country=country, orgnr=orgnr).first()
        if existing is None:
            return orgnr
        refusal = claim_refusal(existing)
        if refusal == "kind":
            raise forms.ValidationError(
                _(
                    "%(name)s is in Skala as a public buyer or another kind of organisation than a "
                    "supplier: ask its administrator to add you, or write to Skala's staff."
                ),
                params={"name": existing.name},
            )
        if refusal:
            raise forms.ValidationError(
                _("%(name)s is already in Skala: ask its administrator to add you."),
                params={"name": existing.name},
            )
        return orgnr

    def clean(self):
        data = super().clean()
        country = data["country"] = data.get("country") or "NO"
        if data.get("orgnr"):
            try:
                data["orgnr"] = self.clean_orgnr_for(country, data["orgnr"])
            except forms.ValidationError as error:
                self.add_error("orgnr", error)
        municipality = data.get("municipality")
        if country and municipality is not None and municipality.country != country:
            self.add_error("municipality", _("Choose a municipality in the country you chose."))
        if data.get("password"):
            probe = User(email=data.get("email", ""), name=data.get("name", ""))
            try:
                password_validation.validate_password(data["password"], probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class ProfileForm(ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple
    )
    regions = BoundedModelMultipleChoiceField(
        label=_("Regions served"),
        queryset=County.objects.order_by("country", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta(ModelForm.Meta):
        model = SupplierProfile
        fields = [
            "summary",
            "regions",
            "whole_country",
            "languages",
            "employees",
            "founded",
            "is_startup",
            "open_to_partnering",
        ]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("website", self.instance.organisation.website)

    def save(self, commit=True):
        profile = super().save(commit=commit)
        if commit:
            organisation = profile.organisation
            organisation.website = self.cleaned_data["website"]
            organisation.save(update_fields=["website", "updated_at"])
        return profile


ContactFormSet = inlineformset_factory(
    SupplierProfile, Contact, fields=["name", "role", "email", "phone"], extra=1, can_delete=True
)


class SolutionForm(ModelForm):
    cpv = CpvCodesField(
        label=_("CPV codes"),
        required=False,
        help_text=_("Eight-digit codes separated by spaces, e.g. 85310000 48180000."),
    )

    class Meta(ModelForm.Meta):
        model = Solution
        fields = ["title", "description", "maturity"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["cpv"] = " ".join(self.instance.cpv_codes.values_list("code8", flat=True))


ReferenceFormSet = inlineformset_factory(
    Solution, CustomerReference, fields=["customer_name", "year", "description"], extra=1, can_delete=True
)


class ProposalForm(ModelForm):
    buyer = forms.ModelChoiceField(
        label=_("Buyer"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Skala routes the proposal to the office in the buyer that fits it best."),
    )
    cpv = CpvCodesField(label=_("CPV codes"), required=False)

    class Meta(ModelForm.Meta):
        model = Proposal
        fields = ["solution", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, supplier: Organisation, need=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.need = need
        self.fields["solution"].queryset = Solution.objects.filter(profile__organisation=supplier)
        self.fields["solution"].required = False
        if need is None:
            self.fields["buyer"].queryset = (
                Organisation.objects.public_buyers().filter(parent=None).order_by("name")
            )
            self.fields["buyer"].required = True
        else:
            del self.fields["buyer"]
            self.initial.setdefault("title", need.title)


class ProposalMoveForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=[])
    note = forms.CharField(
        label=_("Answer to the supplier"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you decline: say why."),
    )
    forward_to = forms.ModelChoiceField(
        label=_("Forward to"), queryset=Organisation.objects.public_buyers().order_by("name"), required=False
    )

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (status, ProposalStatus(status).label) for status in proposal.next_statuses()
        ]


class CpvPrefixesField(forms.CharField):
    """CPV codes or their first digits (two to eight), separated by spaces or commas."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [part.split("-")[0] for part in re.split(r"[\s,;]+", text) if part]

    def validate(self, value):
        super().validate(value)
        bad = [part for part in value if not re.fullmatch(r"\d{2,8}", part)]
        if bad:
            raise forms.ValidationError(
                _("Not CPV codes or divisions: %(codes)s. Give two to eight digits, as 48 or 48180000."),
                params={"codes": ", ".join(bad)},
            )


class SubscriptionForm(ModelForm):
    cpv = CpvPrefixesField(label=_("CPV codes or divisions"), required=False)
    regions = BoundedModelMultipleChoiceField(
        label=_("Regions"),
        queryset=County.objects.order_by("country", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    buyers = BoundedModelMultipleChoiceField(
        label=_("Buyers"),
        queryset=Organisation.objects.public_buyers().filter(parent=None).order_by("name"),
        required=False,
    )

    class Meta(ModelForm.Meta):
        model = Subscription
        fields = ["name", "keywords", "regions", "buyers", "frequency", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["cpv"] = " ".join(self.instance.cpv_prefixes)

    def clean(self):
        data = super().clean()
        criteria = [data.get("cpv"), data.get("keywords"), data.get("regions"), data.get("buyers")]
        if not any(criteria):
            raise forms.ValidationError(_("Give at least one CPV code, keyword, region or buyer."))
        return data

    def save(self, commit=True):
        self.instance.cpv_prefixes = self.cleaned_data["cpv"]
        return super().save(commit=commit)


class PartneringForm(forms.Form):
    message = forms.CharField(
        label=_("Message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you bring, and what you look for in a partner."),
    )
