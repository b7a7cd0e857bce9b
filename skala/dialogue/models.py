"""Market dialogue: meetings for a need, registrations with a waiting list, one-to-one slots,
structured supplier input, questions answered to all, workshop notes, and the dialogue report."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skala.needs.models import LANGUAGES, Need
from skala.orgs.models import Organisation

MAX_ANSWER_LENGTH = 4000


class MeetingKind(models.TextChoices):
    INFORMATION = "information", _("Open information meeting")
    WORKSHOP = "workshop", _("Workshop")
    ONE_TO_ONE = "one_to_one", _("One-to-one meetings")
    DIGITAL = "digital", _("Digital meeting")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingQuerySet(models.QuerySet):
    def published(self) -> "MeetingQuerySet":
        return self.filter(status=MeetingStatus.PUBLISHED)


class Meeting(models.Model):
    """A dialogue meeting for a need (and so for its joint process, whose buyers are co-hosts)."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(
        _("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.WORKSHOP
    )
    title = models.CharField(_("title"), max_length=300)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    link = models.URLField(_("link to the digital meeting"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity (persons)"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    registration_deadline = models.DateTimeField(_("registration deadline"))
    agenda = models.TextField(_("agenda"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES, default="nb")
    bookings_per_supplier = models.PositiveSmallIntegerField(
        _("one-to-one slots a supplier may book"), default=1
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    sequence = models.PositiveIntegerField(default=0, help_text="iCalendar SEQUENCE: raised on every change.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("dialogue meeting")
        verbose_name_plural = _("dialogue meetings")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("dialogue:meeting", args=[self.pk])

    @property
    def registration_open(self) -> bool:
        return self.status == MeetingStatus.PUBLISHED and timezone.now() <= self.registration_deadline


class HostRole(models.TextChoices):
    LEAD = "lead", _("Lead buyer")
    COHOST = "cohost", _("Co-host")


class Host(models.Model):
    """A buyer hosting the meeting: the need's owner leads; the joint process's buyers co-host."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="hosts")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT)
    role = models.CharField(_("role"), max_length=10, choices=HostRole.choices)

    class Meta:
        ordering = ["role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "organisation"], name="host_once_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    """A supplier's registration of named persons for a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    supplier = models.ForeignKey(
        Organisation, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="registrations"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=RegistrationStatus.choices)
    may_be_named = models.BooleanField(
        _("our name may appear in the dialogue report"),
        default=False,
        help_text=_("Otherwise the report quotes you without your name."),
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "supplier"],
                condition=~models.Q(status="cancelled"),
                name="one_active_registration_per_supplier",
            )
        ]

    def __str__(self) -> str:
        return f"{self.supplier}: {self.get_status_display()}"

    @property
    def size(self) -> int:
        return self.attendees.count()


class Attendee(models.Model):
    """A named person a supplier registers; attendance is marked on the day."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")

    def __str__(self) -> str:
        return self.name


class Slot(models.Model):
    """One equal one-to-one slot in a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [models.UniqueConstraint(fields=["meeting", "starts_at"], name="slot_once_per_start")]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.starts_at:%H:%M}"


class Booking(models.Model):
    """A supplier's booking of a slot; the one-to-one key makes a double booking impossible."""

    slot = models.OneToOneField(Slot, on_delete=models.CASCADE, related_name="booking")
    supplier = models.ForeignKey(
        Organisation, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("booked"), auto_now_add=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self) -> str:
        return f"{self.slot}: {self.supplier}"


class QuestionPhase(models.TextChoices):
    BEFORE = "before", _("Before the meeting")
    AFTER = "after", _("After the meeting")


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Free text")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale")


class Question(models.Model):
    """A question the buyer puts to suppliers before or after a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="questions")
    phase = models.CharField(
        _("when"), max_length=10, choices=QuestionPhase.choices, default=QuestionPhase.BEFORE
    )
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.TEXT)
    text = models.CharField(_("question"), max_length=500)
    choices = models.JSONField(_("choices"), default=list, blank=True, help_text=_("One choice a line."))
    scale_min = models.SmallIntegerField(_("scale from"), default=1)
    scale_max = models.SmallIntegerField(_("scale to"), default=5)
    required = models.BooleanField(_("required"), default=False)
    is_last_advice = models.BooleanField(
        _("the last advice on the way out"),
        default=False,
        help_text=_("Its answers get their own place in the dialogue report."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["phase", "order", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text


class Answer(models.Model):
    """A supplier's answer: confidential to the buyers of the process unless marked shareable."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    supplier = models.ForeignKey(
        Organisation, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("answer"), blank=True, max_length=MAX_ANSWER_LENGTH)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    number = models.SmallIntegerField(_("value"), null=True, blank=True)
    shareable = models.BooleanField(
        _("shareable"),
        default=False,
        help_text=_("May be quoted, without your name, in the public dialogue report."),
    )
    created_at = models.DateTimeField(_("answered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["question", "supplier"], name="one_answer_per_supplier")
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.supplier}"


class SupplierQuestion(models.Model):
    """A question a supplier raises; the buyer answers it once, for every supplier to read."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="supplier_questions")
    asked_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("question"), max_length=2000)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("question from a supplier")
        verbose_name_plural = _("questions from suppliers")

    def __str__(self) -> str:
        return self.text[:80]


class WorkshopNote(models.Model):
    """What was worked on at one table of a workshop."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="notes")
    topic = models.CharField(_("table or topic"), max_length=300)
    participants = models.TextField(_("participants"), blank=True)
    notes = models.TextField(_("notes"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("workshop note")
        verbose_name_plural = _("workshop notes")

    def __str__(self) -> str:
        return self.topic


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Report(models.Model):
    """The dialogue report of a meeting: aggregated, themed and anonymised input, edited by the buyer."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="report")
    summary = models.TextField(_("summary"), blank=True)
    content = models.JSONField(
        _("content"), default=dict, help_text="Counts, themes and quotes, as generated."
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("dialogue report")
        verbose_name_plural = _("dialogue reports")

    def __str__(self) -> str:
        return str(self.meeting)

    def get_absolute_url(self) -> str:
        return reverse("dialogue:report", args=[self.meeting_id])
