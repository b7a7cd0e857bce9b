"""Forms for market dialogue."""

from django import forms
from django.utils.translation import gettext_lazy as _

from skala.dialogue.models import MAX_ANSWER_LENGTH, Meeting, Question, QuestionKind, Report, WorkshopNote
from skala.forms import ModelForm

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MeetingForm(ModelForm):
    link = forms.URLField(label=_("link to the digital meeting"), required=False, assume_scheme="https")

    class Meta(ModelForm.Meta):
        model = Meeting
        fields = [
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "link",
            "capacity",
            "registration_deadline",
            "agenda",
            "language",
            "bookings_per_supplier",
        ]
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "registration_deadline": DATETIME,
            "agenda": forms.Textarea(attrs={"rows": 5}),
        }

    def clean(self):
        data = super().clean()
        starts, ends, deadline = data.get("starts_at"), data.get("ends_at"), data.get("registration_deadline")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The meeting must end after it starts."))
        if starts and deadline and deadline > starts:
            self.add_error("registration_deadline", _("Registration must close before the meeting starts."))
        if data.get("kind") == "digital" and not data.get("link"):
            self.add_error("link", _("A digital meeting needs a link."))
        return data


class RegistrationForm(forms.Form):
    attendees = forms.CharField(
        label=_("Who will come"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One person a line: name, e-mail address."),
    )
    may_be_named = forms.BooleanField(label=_("Our name may appear in the dialogue report"), required=False)

    def clean_attendees(self) -> list[tuple[str, str]]:
        people = []
        for number, line in enumerate(self.cleaned_data["attendees"].splitlines(), start=1):
            if not line.strip():
                continue
            name, _comma, email = line.rpartition(",")
            email = email.strip()
            try:
                forms.EmailField().clean(email)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("Line %(number)s: write the name, a comma, and an e-mail address."),
                    params={"number": number},
                ) from None
            people.append((name.strip() or email, email))
        if not people:
            raise forms.ValidationError(_("Name at least one person who will come."))
        return people


class SlotsForm(forms.Form):
    start = forms.DateTimeField(label=_("First slot starts"), widget=DATETIME)
    end = forms.DateTimeField(label=_("Last slot ends by"), widget=DATETIME)
    minutes = forms.IntegerField(label=_("Minutes a slot"), min_value=5, max_value=240, initial=30)
    pause = forms.IntegerField(label=_("Minutes between slots"), min_value=0, max_value=120, initial=5)


class QuestionForm(ModelForm):
    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One choice a line."),
    )

    class Meta(ModelForm.Meta):
        model = Question
        fields = ["phase", "kind", "text", "scale_min", "scale_max", "required", "is_last_advice", "order"]

    def clean(self):
        data = super().clean()
        choices = [line.strip() for line in data.get("choices_text", "").splitlines() if line.strip()]
        if data.get("kind") in {QuestionKind.SINGLE, QuestionKind.MULTIPLE} and len(choices) < 2:
            self.add_error("choices_text", _("Give at least two choices."))
        data["choices"] = choices
        return data

    def save(self, commit=True):
        self.instance.choices = self.cleaned_data["choices"]
        return super().save(commit=commit)


def answer_field(question: Question) -> forms.Field:
    """The form field a question asks with."""
    if question.kind == QuestionKind.SINGLE:
        return forms.ChoiceField(
            label=question.text,
            choices=[(c, c) for c in question.choices],
            widget=forms.RadioSelect,
            required=question.required,
        )
    if question.kind == QuestionKind.MULTIPLE:
        return forms.MultipleChoiceField(
            label=question.text,
            choices=[(c, c) for c in question.choices],
            widget=forms.CheckboxSelectMultiple,
            required=question.required,
        )
    if question.kind == QuestionKind.SCALE:
        values = range(question.scale_min, question.scale_max + 1)
        return forms.TypedChoiceField(
            label=question.text,
            choices=[(v, v) for v in values],
            coerce=int,
            widget=forms.RadioSelect,
            required=question.required,
            help_text=_("From %(lowest)s (least) to %(highest)s (most).")
            % {"lowest": question.scale_min, "highest": question.scale_max},
        )
    return forms.CharField(
        label=question.text,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_ANSWER_LENGTH}),
        max_length=MAX_ANSWER_LENGTH,
        required=question.required,
        help_text=_("At most %(limit)s characters.") % {"limit": MAX_ANSWER_LENGTH},
    )


class AnswersForm(forms.Form):
    """Every question of one phase, answered at once, with one choice of what may be shared."""

    shareable = forms.BooleanField(
        label=_(
            "Our answers may be quoted, without our name unless we agreed, in the public dialogue report"
        ),
        required=False,
    )

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q{question.pk}"] = answer_field(question)
        self.order_fields([f"q{question.pk}" for question in self.questions] + ["shareable"])


class SupplierQuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerSupplierQuestionForm(forms.Form):
    answer = forms.CharField(label=_("Answer, for every supplier"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = WorkshopNote
        fields = ["topic", "participants", "notes"]
        widgets = {
            "participants": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 5}),
        }


class ReportForm(ModelForm):
    class Meta(ModelForm.Meta):
        model = Report
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 8})}
