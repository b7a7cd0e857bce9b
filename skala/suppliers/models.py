"""Suppliers and startups: their profiles and solutions, proposals through the fast track,
partnering and consortia, and the subscriptions that bring them alerts."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skala.needs.models import Need
from skala.orgs.models import Organisation
from skala.reference.models import County, CpvCode

LANGUAGES = [
    ("nb", _("Norwegian")),
    ("nn", _("Norwegian Nynorsk")),
    ("sv", _("Swedish")),
    ("da", _("Danish")),
    ("fi", _("Finnish")),
    ("en", _("English")),
]


class SupplierProfile(models.Model):
    """What a supplier organisation offers, where, and who to talk to; public, edited by its members."""

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="supplier_profile",
    )
    summary = models.TextField(
        _("what we offer"),
        blank=True,
        help_text=_("In a few sentences: the problems you solve, and for whom."),
    )
    regions = models.ManyToManyField(
        County, verbose_name=_("regions served"), blank=True, related_name="supplier_profiles"
    )
    whole_country = models.BooleanField(_("serves the whole country"), default=False)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    founded = models.PositiveSmallIntegerField(_("founded (year)"), null=True, blank=True)
    is_startup = models.BooleanField(
        _("startup"), default=False, help_text=_("A young company building something new.")
    )
    open_to_partnering = models.BooleanField(
        _("open to partnering"),
        default=False,
        help_text=_("Other suppliers may ask you to join forces on a need none of you covers alone."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("supplier profile")
        verbose_name_plural = _("supplier profiles")

    def __str__(self) -> str:
        return str(self.organisation)

    def get_absolute_url(self) -> str:
        return reverse("suppliers:detail", args=[self.organisation_id])

    def language_names(self) -> list[str]:
        """The profile's languages by name, in the reader's language ("Swedish", not "sv")."""
        names = dict(LANGUAGES)
        return [str(names.get(code, code)) for code in self.languages]

    def age_years(self) -> int | None:
        """How many years since the company was founded, if known."""
        return timezone.now().year - self.founded if self.founded else None


class Contact(models.Model):
    """A person buyers may contact about the supplier's solutions."""

    profile = models.ForeignKey(SupplierProfile, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=40, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self) -> str:
        return self.name


class Maturity(models.TextChoices):
    IDEA = "idea", _("Idea")
    PROTOTYPE = "prototype", _("Prototype")
    PILOTED = "piloted", _("Piloted")
    IN_USE = "in_use", _("In use")


MATURITY_RANK = {Maturity.IDEA: 0, Maturity.PROTOTYPE: 1, Maturity.PILOTED: 2, Maturity.IN_USE: 3}


class Solution(models.Model):
    """Something a supplier offers: described, classified by CPV, and as mature as it is."""

    profile = models.ForeignKey(
        SupplierProfile, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="solutions"
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"))
    cpv_codes = models.ManyToManyField(CpvCode, verbose_name=_("CPV codes"), blank=True, related_name="+")
    maturity = models.CharField(_("maturity"), max_length=10, choices=Maturity.choices, default=Maturity.IDEA)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")

    def __str__(self) -> str:
        return self.title

    @property
    def corpus_key(self) -> str:
        return f"solution:{self.pk}"


class CustomerReference(models.Model):
    """An earlier public customer of a solution: the strongest argument a startup has."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="references")
    customer = models.ForeignKey(
        Organisation, verbose_name=_("customer in Skala"), null=True, blank=True, on_delete=models.SET_NULL
    )
    customer_name = models.CharField(_("customer"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    description = models.CharField(_("what was delivered"), max_length=500, blank=True)

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name = _("customer reference")
        verbose_name_plural = _("customer references")

    def __str__(self) -> str:
        return self.customer_name


class ProposalStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_REVIEW = "under_review", _("Under review")
    INVITED = "invited", _("Invited to dialogue")
    FORWARDED = "forwarded", _("Forwarded to another office")
    DECLINED = "declined", _("Declined")


# A proposal is answered once it is invited, forwarded or declined; review is not an answer.
ANSWERED = {ProposalStatus.INVITED, ProposalStatus.FORWARDED, ProposalStatus.DECLINED}
NEXT_PROPOSAL_STATUSES = {
    ProposalStatus.RECEIVED: [
        ProposalStatus.UNDER_REVIEW,
        ProposalStatus.INVITED,
        ProposalStatus.FORWARDED,
        ProposalStatus.DECLINED,
    ],
    ProposalStatus.UNDER_REVIEW: [ProposalStatus.INVITED, ProposalStatus.FORWARDED, ProposalStatus.DECLINED],
    ProposalStatus.FORWARDED: [
        ProposalStatus.UNDER_REVIEW,
        ProposalStatus.INVITED,
        ProposalStatus.FORWARDED,
        ProposalStatus.DECLINED,
    ],
    ProposalStatus.INVITED: [],
    ProposalStatus.DECLINED: [],
}


class ProposalQuerySet(models.QuerySet):
    def involving(self, organisation_ids) -> "ProposalQuerySet":
        """Proposals sent by, or received by, any of the organisations."""
        return self.filter(
            models.Q(sender_id__in=organisation_ids) | models.Q(receiver_id__in=organisation_ids)
        )


class Proposal(models.Model):
    """A supplier's proposal through the fast track: to a published need, or unsolicited."""

    sender = models.ForeignKey(
        Organisation, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="proposals_sent"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    receiver = models.ForeignKey(
        Organisation, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="proposals_received"
    )
    solution = models.ForeignKey(
        Solution,
        verbose_name=_("solution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("what we propose"))
    cpv_codes = models.ManyToManyField(CpvCode, verbose_name=_("CPV codes"), blank=True, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.RECEIVED
    )
    answer = models.TextField(_("the buyer's answer"), blank=True)
    routed_because = models.CharField(_("routed because"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [models.Index(fields=["receiver", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("suppliers:proposal_detail", args=[self.pk])

    def next_statuses(self) -> list[str]:
        return NEXT_PROPOSAL_STATUSES[ProposalStatus(self.status)]

    @property
    def response_days(self) -> float | None:
        """Days from sending to the buyer's answer (invited, forwarded or declined), if answered."""
        if self.answered_at is None:
            return None
        return (self.answered_at - self.created_at).total_seconds() / 86400


class ProposalRouting(Proposal):
    """A proposal as staff may see it in the admin: who sent one to whom, when, and how far it came.

    Its name gives the parties and the number, never the title: the content stays between the
    supplier and the buyer."""

    class Meta:
        proxy = True
        verbose_name = _("proposal routing")
        verbose_name_plural = _("proposal routing")

    def __str__(self) -> str:
        return f"#{self.pk}: {self.sender} → {self.receiver}"


class ProposalEvent(models.Model):
    """One step in a proposal's history: who moved it where, and what they said."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=20, choices=ProposalStatus.choices)
    receiver = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("proposal event")
        verbose_name_plural = _("proposal events")

    def __str__(self) -> str:
        # By number, not title: events show up where staff look (the admin), titles are confidential.
        return f"#{self.proposal_id}: {self.get_status_display()}"


class PartneringStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Consortium(models.Model):
    """Suppliers who have joined forces on a need; shown on the need's page."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="consortia")
    lead = models.ForeignKey(
        Organisation, verbose_name=_("lead supplier"), on_delete=models.PROTECT, related_name="consortia_led"
    )
    members = models.ManyToManyField(Organisation, verbose_name=_("members"), related_name="consortia")
    created_at = models.DateTimeField(_("formed"), auto_now_add=True)

    class Meta:
        verbose_name = _("consortium")
        verbose_name_plural = _("consortia")
        constraints = [
            models.UniqueConstraint(fields=["need", "lead"], name="one_consortium_per_lead_and_need")
        ]

    def __str__(self) -> str:
        return f"{self.lead} ({self.need})"


class PartneringRequest(models.Model):
    """One supplier asks another to join forces on a need."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey(
        Organisation, verbose_name=_("from"), on_delete=models.CASCADE, related_name="partnering_sent"
    )
    receiver = models.ForeignKey(
        Organisation, verbose_name=_("to"), on_delete=models.CASCADE, related_name="partnering_received"
    )
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PartneringStatus.choices, default=PartneringStatus.SENT
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partnering request")
        verbose_name_plural = _("partnering requests")
        constraints = [
            models.UniqueConstraint(
                fields=["need", "sender", "receiver"], name="one_partnering_request_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sender} → {self.receiver}"


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    """What a supplier wants to hear about: CPV codes, words, regions and buyers; and how often."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    cpv_prefixes = models.JSONField(
        _("CPV codes or divisions"),
        default=list,
        blank=True,
        help_text=_("Codes or their first digits: 48 for a division, 4816 for a class, 48180000 for a code."),
    )
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Words in any of our languages, separated by commas; each is matched by its stem."),
    )
    regions = models.ManyToManyField(County, verbose_name=_("regions"), blank=True, related_name="+")
    buyers = models.ManyToManyField(Organisation, verbose_name=_("buyers"), blank=True, related_name="+")
    frequency = models.CharField(
        _("e-mail digest"), max_length=10, choices=Frequency.choices, default=Frequency.DAILY
    )
    active = models.BooleanField(_("active"), default=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return self.name or f"{self.organisation}: {self.pk}"

    def get_unsubscribe_url(self) -> str:
        return reverse("suppliers:unsubscribe", args=[self.token])


class AlertKind(models.TextChoices):
    NEED = "need", _("Need")
    NOTICE = "notice", _("Notice")
    MEETING = "meeting", _("Dialogue meeting")


class Alert(models.Model):
    """Something newly published that matches a subscription: shown in Skala, and sent in the digest."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=10, choices=AlertKind.choices)
    key = models.CharField(max_length=300, help_text="need:<id>, notice:<import id> or meeting:<id>")
    # The need the alert is about (a meeting's need for a meeting): an alert is shown only while its
    # subscriber may read that need, and goes with it.
    need = models.ForeignKey(Need, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=1000)
    url = models.CharField(_("address"), max_length=500)
    why = models.CharField(_("why"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [models.UniqueConstraint(fields=["subscription", "key"], name="one_alert_per_item")]
        indexes = [models.Index(fields=["emailed_at"])]

    def __str__(self) -> str:
        return self.title
