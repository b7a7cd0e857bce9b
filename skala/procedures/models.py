"""Procurement notices published elsewhere (TED, OCDS publishers, Skala's own notice format).

Notices are read-only in Skala: they are imported, kept current by their import id, and searched
beside needs so a buyer sees who has already bought what.
"""

import uuid

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class NoticeSource(models.TextChoices):
    SKALA = "skala", _("Skala notice format (JSON Lines)")
    TED = "ted", _("TED XML")
    OCDS = "ocds", _("OCDS")


class NoticeQuerySet(models.QuerySet):
    def with_cpv_prefix(self, prefix: str) -> "NoticeQuerySet":
        """Notices with a code that starts with the digits given: 45 for a division, 452 for a group."""
        return self.filter(cpv_search__contains=f" {prefix}") if prefix.isdigit() else self

    def search(self, text: str) -> "NoticeQuerySet":
        """Notices whose title or buyer contains the text."""
        if not text:
            return self
        return self.filter(models.Q(title__icontains=text) | models.Q(buyer_name__icontains=text))


class Notice(models.Model):
    """One external procurement notice, keyed by the id it was imported under."""

    import_id = models.CharField(_("import id"), max_length=200, unique=True)
    # A JSON Lines notice may be keyed by a whole number: the match answers give it back as one.
    import_id_is_number = models.BooleanField(default=False, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=NoticeSource.choices)
    title = models.CharField(_("title"), max_length=1000)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=3, blank=True)
    cpv = models.JSONField(
        _("CPV codes"), default=list, help_text=_("Eight-digit codes, the main one first.")
    )
    # The codes as " 45223000 33100000": a code prefix (a division, a group) is then a plain text search.
    cpv_search = models.TextField(editable=False, default="")
    buyer_name = models.CharField(_("buyer"), max_length=500, blank=True)
    buyer_orgnr = models.CharField(_("buyer's organisation number"), max_length=40, blank=True)
    buyer_country = models.CharField(_("buyer's country"), max_length=2, blank=True)
    published = models.DateField(_("published"), null=True, blank=True)
    url = models.URLField(_("address"), max_length=1000, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "import_id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.cpv_search = "".join(f" {code}" for code in self.cpv)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("procedures:notice_detail", args=[self.pk])

    @property
    def corpus_key(self) -> str:
        return f"notice:{self.import_id}"


class ProcurementStatus(models.TextChoices):
    PLANNING = "planning", _("Planning")
    ANNOUNCED = "announced", _("Announced")
    EVALUATION = "evaluation", _("Evaluation and negotiation")
    AWARDED = "awarded", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETE = "complete", _("Complete")


class Procurement(models.Model):
    """A procurement run by one buyer, or by the lead buyer of a joint process for all its buyers."""

    buyer = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="procurements"
    )
    need = models.ForeignKey(
        "needs.Need",
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="procurements",
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    procedure_type = models.CharField(_("procedure"), max_length=30)
    estimated_value = models.DecimalField(
        _("estimated value (NOK excl. VAT)"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    # What the eForms notices need and the rest of Skala does not (skala/procedures/eforms.py).
    submission_url = models.URLField(
        _("where tenders are submitted"),
        max_length=1000,
        blank=True,
        help_text=_("The address of the tendering system that receives tenders and requests to participate."),
    )
    contract_months = models.PositiveSmallIntegerField(
        _("contract period (months)"),
        null=True,
        blank=True,
        help_text=_("Used in the contract notice when the timeline has no contract phases."),
    )
    cpv_codes = models.ManyToManyField(
        "reference.CpvCode", verbose_name=_("CPV codes"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProcurementStatus.choices, default=ProcurementStatus.PLANNING
    )
    created_by = models.ForeignKey(
        "orgs.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("procurement")
        verbose_name_plural = _("procurements")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("procedures:procurement", args=[self.pk])

    @property
    def procedure_label(self) -> str:
        from skala.procedures.advisor import ProcedureType

        return str(ProcedureType(self.procedure_type).label)


class NoticeIdentity(models.Model):
    """The eForms identifiers of a procurement's notices, kept so every download of a draft is the same
    notice (DFØ's notice-identifiers.md: R-8 and R-12)."""

    procurement = models.OneToOneField(Procurement, on_delete=models.CASCADE, related_name="notice_identity")
    procedure_id = models.UUIDField(_("procedure identifier (BT-04)"), default=uuid.uuid4, unique=True)
    advisory_notice_id = models.UUIDField(_("advisory notice identifier"), default=uuid.uuid4, unique=True)
    contract_notice_id = models.UUIDField(_("contract notice identifier"), default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice identity")
        verbose_name_plural = _("notice identities")

    def __str__(self) -> str:
        return str(self.procedure_id)


class Lot(models.Model):
    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    estimated_value = models.DecimalField(
        _("estimated value"), max_digits=14, decimal_places=0, null=True, blank=True
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [models.UniqueConstraint(fields=["procurement", "number"], name="lot_number_once")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class ProcurementDocument(models.Model):
    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("address"), max_length=1000)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


class Phase(models.Model):
    """A phase or milestone of a procurement, from its procedure's template, editable by the buyer."""

    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("order"))
    key = models.CharField(max_length=40)
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends (deadline)"))
    minimum_days = models.PositiveSmallIntegerField(_("minimum days by the rules"), null=True, blank=True)
    rule = models.CharField(
        _("rule"), max_length=60, blank=True, help_text="The key of the legal fact that sets it."
    )
    is_stop_point = models.BooleanField(_("stop point"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")

    def __str__(self) -> str:
        return self.name

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days


class GroupKind(models.TextChoices):
    STEERING = "steering", _("Steering group")
    PROJECT = "project", _("Project group")


class GroupMember(models.Model):
    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="group_members")
    group = models.CharField(_("group"), max_length=10, choices=GroupKind.choices)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT
    )
    role = models.CharField(_("role"), max_length=200, blank=True)

    class Meta:
        ordering = ["group", "pk"]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")

    def __str__(self) -> str:
        return self.name


class ProcurementOption(models.Model):
    """A follower organisation's option to buy the result, with its terms."""

    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="options")
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("follower"), on_delete=models.PROTECT
    )
    terms = models.TextField(_("terms"))
    value = models.DecimalField(
        _("value (NOK excl. VAT)"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.terms[:40]}"


class Award(models.Model):
    """A supplier awarded a contract: what feeds supplier-base analytics."""

    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="awards")
    lot = models.ForeignKey(Lot, null=True, blank=True, on_delete=models.SET_NULL, related_name="awards")
    supplier = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("value (NOK excl. VAT)"), max_digits=14, decimal_places=0)
    awarded_on = models.DateField(_("awarded"))
    contract_signed_on = models.DateField(_("contract signed"), null=True, blank=True)
    contract_ends_on = models.DateField(_("contract ends"), null=True, blank=True)

    class Meta:
        ordering = ["awarded_on", "pk"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")

    def __str__(self) -> str:
        return f"{self.supplier}: {self.value}"


class NoticeAward(models.Model):
    """A contract award a notice reports: who won, for how much, when. It feeds supplier-base analytics."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="awards")
    supplier_name = models.CharField(_("supplier"), max_length=500)
    supplier_orgnr = models.CharField(_("supplier's organisation number"), max_length=40, blank=True)
    supplier_country = models.CharField(_("supplier's country"), max_length=2, blank=True)
    is_sme = models.BooleanField(_("SME"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    awarded_on = models.DateField(_("awarded"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("notice award")
        verbose_name_plural = _("notice awards")

    def __str__(self) -> str:
        return self.supplier_name
