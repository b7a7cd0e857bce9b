"""Forms for the portfolio."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from skala.forms import ModelForm
from skala.orgs.models import Organisation
from skala.portfolio.models import Actor, Adoption, Benefit, Decision, Funding, Programme, Project, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProjectForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Project
        fields = [
            "title",
            "description",
            "owners",
            "programme",
            "needs",
            "procurements",
            "sdgs",
            "budget",
            "risks",
        ]
        # Checkboxes rather than a list that needs Ctrl-click to choose several: the owners are the
        # person's own few organisations, the goals seventeen, and the needs and procurements those of
        # the person's organisations and joint processes (the view narrows them).
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "risks": forms.Textarea(attrs={"rows": 3}),
            "owners": forms.CheckboxSelectMultiple,
            "needs": forms.CheckboxSelectMultiple,
            "procurements": forms.CheckboxSelectMultiple,
            "sdgs": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "needs": _("The needs of your organisations and of the joint processes they take part in."),
            "procurements": _("The procurements of your organisations and of those needs."),
        }

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owners"].queryset = owners
        self.fields["needs"].required = False
        self.fields["procurements"].required = False
        self.fields["sdgs"].required = False
        self.fields["programme"].required = False


class GateForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    to_stage = forms.ChoiceField(
        label=_("To stage"),
        choices=[("", _("The next stage"))] + [(s.value, s.label) for s in Stage if s != Stage.STOPPED],
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    skip_reason = forms.CharField(label=_("Why a stage is skipped"), required=False)
    lessons = forms.CharField(
        label=_("Lessons learnt"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when the project stops."),
    )
    decided_on = forms.DateField(label=_("Decided"), initial=datetime.date.today, widget=DATE)


class ActorForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Actor
        fields = ["organisation", "helix", "part"]


class FundingForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Funding
        fields = ["source", "amount"]


class BenefitForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Benefit
        fields = ["description", "unit", "baseline", "expected", "realised", "key_figure"]

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        from skala.kpis.models import KeyFigure

        owners = project.owners.all() if project is not None else []
        self.fields["key_figure"].queryset = KeyFigure.objects.filter(owner__in=owners)


class AdoptionForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Adoption
        fields = ["organisation", "adopted_on", "note"]
        widgets = {"adopted_on": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.public_buyers().filter(parent=None).order_by("name")
        )


class ProgrammeForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Programme
        fields = [
            "name",
            "facilitator",
            "members",
            "starts_on",
            "ends_on",
            "portfolio_built_by",
            "description",
        ]
        widgets = {"starts_on": DATE, "ends_on": DATE, "portfolio_built_by": DATE}

    def __init__(self, *args, facilitators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].queryset = facilitators
        self.fields["members"].queryset = (
            Organisation.objects.public_buyers().filter(parent=None).order_by("name")
        )


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE, required=False)
    end = forms.DateField(label=_("To"), widget=DATE, required=False)
    stuck_days = forms.IntegerField(label=_("Stuck after (days)"), min_value=1, required=False)
