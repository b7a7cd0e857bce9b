"""Needs that public buyers publish, and joint processes in which several buyers share one need."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from skala.matching.languages import detect_language
from skala.orgs.models import Organisation
from skala.reference.models import CpvCode, Sdg

LANGUAGES = [
    ("nb", "Norsk bokmål"),
    ("nn", "Norsk nynorsk"),
    ("sv", "Svenska"),
    ("da", "Dansk"),
    ("en", "English"),
]


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    IN_PROCUREMENT = "in_procurement", _("In procurement")
    CLOSED = "closed", _("Closed")


# Where a need may go from each status: forward through the procurement, or closed at any point.
NEXT_STATUSES = {
    NeedStatus.DRAFT: [NeedStatus.PUBLISHED],
    NeedStatus.PUBLISHED: [NeedStatus.IN_PROCUREMENT, NeedStatus.CLOSED],
    NeedStatus.IN_PROCUREMENT: [NeedStatus.CLOSED],
    NeedStatus.CLOSED: [],
}


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INVITED = "invited", _("Invited organisations only")


class NeedQuerySet(models.QuerySet):
    def published(self) -> "NeedQuerySet":
        """Needs that have left the draft stage."""
        return self.exclude(status=NeedStatus.DRAFT)

    def visible_to(self, user, organisation_ids: list[int]) -> "NeedQuerySet":
        """Public published needs; and everything of, or shared with, the person's organisations."""
        if getattr(user, "is_staff", False):
            return self
        shown = Q(
            status__in=[s for s in NeedStatus.values if s != NeedStatus.DRAFT], visibility=Visibility.PUBLIC
        )
        if organisation_ids:
            shown |= Q(organisation_id__in=organisation_ids)
            published = ~Q(status=NeedStatus.DRAFT)
            shown |= published & Q(invited_organisations__in=organisation_ids)
            shown |= published & Q(
                joint_process__participants__organisation_id__in=organisation_ids,
                joint_process__participants__status__in=ACTIVE_STATUSES,
            )
        return self.filter(shown).distinct()

    def of_organisations(self, organisation_ids: list[int]) -> "NeedQuerySet":
        """The organisations' own needs, and the published needs of joint processes they have joined (an
        invitation not yet accepted lets a buyer read the need, not make it part of its own work)."""
        return self.filter(
            Q(organisation_id__in=organisation_ids)
            | ~Q(status=NeedStatus.DRAFT)
            & Q(
                joint_process__participants__organisation_id__in=organisation_ids,
                joint_process__participants__status=ParticipantStatus.ACCEPTED,
            )
        ).distinct()


class Need(models.Model):
    """A public buyer's need, described as a problem to solve rather than a product to buy."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="needs"
    )
    title = models.CharField(_("title"), max_length=300)
    problem = models.TextField(_("the problem"), help_text=_("What does not work well today, and for whom?"))
    affected = models.TextField(
        _("who is affected"), blank=True, help_text=_("The end users and others the need touches.")
    )
    current_practice = models.TextField(_("today's practice"), blank=True)
    desired_outcome = models.TextField(_("the desired outcome"), blank=True)
    cpv_codes = models.ManyToManyField(CpvCode, verbose_name=_("CPV codes"), blank=True, related_name="needs")
    sdgs = models.ManyToManyField(Sdg, verbose_name=_("Sustainable Development Goals"), blank=True)
    estimated_value = models.DecimalField(
        _("estimated value (NOK excl. VAT)"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    horizon_months = models.PositiveIntegerField(
        _("time horizon (months)"), null=True, blank=True, help_text=_("How long until the need must be met.")
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=LANGUAGES,
        blank=True,
        help_text=_("Detected from the text when left empty."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=NeedStatus.choices, default=NeedStatus.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    invited_organisations = models.ManyToManyField(
        Organisation, verbose_name=_("invited organisations"), blank=True, related_name="needs_shared_with"
    )
    is_demo = models.BooleanField(_("demo data"), default=False, help_text=_("Made up for demonstration."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [models.Index(fields=["status", "visibility"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("needs:detail", args=[self.pk])

    @property
    def corpus_key(self) -> str:
        return f"need:{self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == NeedStatus.DRAFT

    def text(self) -> str:
        """Everything the need says, for matching."""
        parts = [self.problem, self.affected, self.current_practice, self.desired_outcome]
        return "\n".join(part for part in parts if part)

    @cached_property
    def written_language(self) -> str:
        """The language the need is written in: the one its buyer chose, else detected from its text
        ("mul" when it cannot be told), as the matcher reads it."""
        return self.language or detect_language(f"{self.title}\n{self.text()}")

    @property
    def language_is_detected(self) -> bool:
        return not self.language

    def get_written_language_display(self) -> str:
        return dict(LANGUAGES).get(self.written_language) or _("several, or not known")

    def next_statuses(self) -> list[NeedStatus]:
        """The statuses the need may move to from where it is."""
        return NEXT_STATUSES[NeedStatus(self.status)]

    def move_to(self, status: str) -> None:
        """Move the need on; a move the lifecycle does not allow raises ValueError."""
        if status not in self.next_statuses():
            raise ValueError(
                _("A need that is %(current)s cannot become %(status)s.")
                % {"current": self.get_status_display().lower(), "status": NeedStatus(status).label.lower()}
            )
        if status == NeedStatus.PUBLISHED:
            self.publish()
            return
        self.status = status
        self.save(update_fields=["status", "updated_at"])

    def publish(self) -> None:
        """Make the need visible to those its visibility allows."""
        if self.status == NeedStatus.DRAFT:
            from django.db import transaction

            from skala.needs.signals import need_published

            self.status = NeedStatus.PUBLISHED
            self.published_at = timezone.now()
            self.save(update_fields=["status", "published_at", "updated_at"])
            need_id = self.pk
            transaction.on_commit(lambda: need_published.send(sender=Need, need_id=need_id))


class JointProcess(models.Model):
    """Several buyers behind one need: the lead buyer runs it; partners and followers take part."""

    need = models.OneToOneField(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="joint_process"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("joint process")
        verbose_name_plural = _("joint processes")

    def __str__(self) -> str:
        return str(self.need)

    @property
    def lead(self) -> Organisation:
        return self.need.organisation


class ParticipantRole(models.TextChoices):
    PARTNER = "partner", _("Partner")
    FOLLOWER = "follower", _("Follower with an option")


class ParticipantStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    # A buyer that had joined and is out again: it left, or the lead removed it. The row stays, so the
    # process's history shows who took part and until when.
    LEFT = "left", _("Left the process")
    REMOVED = "removed", _("Removed by the lead")


# A buyer in one of these is (or may become) part of the process; in any other it is out.
ACTIVE_STATUSES = (ParticipantStatus.INVITED, ParticipantStatus.ACCEPTED)


class Participant(models.Model):
    """A buyer invited into a joint process, and what it answered."""

    process = models.ForeignKey(JointProcess, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="joint_processes"
    )
    role = models.CharField(_("role"), max_length=10, choices=ParticipantRole.choices)
    option_terms = models.TextField(
        _("option terms"),
        blank=True,
        help_text=_("For a follower: what it may buy, how much, and until when."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ParticipantStatus.choices, default=ParticipantStatus.INVITED
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("left"), null=True, blank=True)

    class Meta:
        ordering = ["invited_at"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["process", "organisation"], name="participant_once_per_process")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()}, {self.get_status_display()})"

    def answer(self, accept: bool) -> None:
        """Accept or decline the invitation. Only an open invitation is answered: a buyer that was removed,
        left or declined comes back only when the lead invites it again."""
        if self.status != ParticipantStatus.INVITED:
            raise ValueError(f"the invitation is {self.status}, not open")
        self.status = ParticipantStatus.ACCEPTED if accept else ParticipantStatus.DECLINED
        self.responded_at = timezone.now()
        self.save(update_fields=["status", "responded_at"])

    def end(self, status: str) -> None:
        """Take a buyer that had joined out of the process: it left, or the lead removed it."""
        if status not in (ParticipantStatus.LEFT, ParticipantStatus.REMOVED):
            raise ValueError(f"not an end of taking part: {status!r}")
        self.status = status
        self.ended_at = timezone.now()
        self.save(update_fields=["status", "ended_at"])

    def invite_again(self, role: str, option_terms: str, invited_by) -> None:
        """A buyer that declined, left or was removed is invited afresh, on the terms offered now."""
        self.role, self.option_terms, self.invited_by = role, option_terms, invited_by
        self.status = ParticipantStatus.INVITED
        self.invited_at = timezone.now()
        self.responded_at = self.ended_at = None
        self.save()
