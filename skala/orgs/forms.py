"""Forms for organisations, memberships and API tokens."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from skala.forms import ModelForm
from skala.orgs.models import Organisation, OrganisationUnit, Role, User
from skala.reference.models import Municipality


class MunicipalityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Municipality) -> str:
        return f"{obj.name} ({obj.number}, {obj.get_country_display()})"


def website_field() -> forms.URLField:
    """Addresses typed without a scheme are taken as https, as public bodies' sites are."""
    return forms.URLField(label=_("Website"), required=False, assume_scheme="https")


class OrganisationForm(ModelForm):
    """An organisation's profile, as its editors keep it.

    Its kind, country and organisation number are not theirs to change: a supplier that called itself a
    municipality would publish needs and receive proposals as a public buyer. Staff change them in
    the administration pages.
    """

    municipality = MunicipalityChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.select_related(None).order_by("country", "name"),
        required=False,
    )
    website = website_field()

    class Meta(ModelForm.Meta):
        model = Organisation
        fields = ["name", "municipality", "website", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


class UnitForm(ModelForm):
    """A new agency or procurement office under an organisation."""

    website = website_field()

    class Meta(ModelForm.Meta):
        model = Organisation
        fields = ["name", "unit", "orgnr", "website", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, parent: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.parent = parent
        self.instance.kind = parent.kind
        self.instance.country = parent.country
        self.instance.municipality = parent.municipality
        self.fields["unit"].choices = [
            choice for choice in OrganisationUnit.choices if choice[0] != OrganisationUnit.ORGANISATION
        ]


class MemberForm(forms.Form):
    """Give a person a role in an organisation; they need an account first."""

    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        try:
            self.cleaned_data["user"] = User.objects.get(email=email)
        except User.DoesNotExist:
            raise forms.ValidationError(
                _("No one with the e-mail address %(email)s has an account in Skala."),
                code="unknown_person",
                params={"email": email},
            ) from None
        if self.cleaned_data["user"].is_staff:
            # Staff read routing, not content; a role would open proposals and dialogue input to them.
            raise forms.ValidationError(
                _("%(email)s is a staff account, and staff accounts hold no roles in organisations."),
                code="staff",
                params={"email": email},
            )
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. 'ERP export'.")
    )


class LoginForm(AuthenticationForm):
    """Log in with the e-mail address."""

    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def get_invalid_login_error(self):
        """Say so when the login was refused for too many failures, rather than blame the password."""
        from skala.security.throttle import refusal_error

        return refusal_error(self.request) or super().get_invalid_login_error()


class QueuedPasswordResetForm(PasswordResetForm):
    """Send the reset mail from the task worker, so a slow mail server never holds up the page."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        from django.template import loader

        from skala.orgs.tasks import send_email

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        send_email.enqueue(subject=subject, body=body, to=[to_email], from_email=from_email)
