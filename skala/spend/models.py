"""Spend: imported invoice and ledger lines, the suppliers they are paid to, and a yearly summary.

Amounts are kept in øre (hundredths of the organisation's currency) as whole numbers: sums over
millions of lines stay exact and the database adds integers faster than decimals.
The summary (`SpendSummary`) holds one row per office, supplier, category, CPV division and year; the
import keeps it current, so the supplier-base report never has to read the lines themselves.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CURRENCIES = {"NO": "NOK", "SE": "SEK", "DK": "DKK", "FI": "EUR", "IS": "ISK"}


def currency_of(organisation) -> str:
    """The currency an organisation keeps its accounts in, told by its country."""
    return CURRENCIES.get(organisation.country, "EUR")


def from_ore(ore: int | None) -> Decimal:
    """Øre as a decimal amount in the currency: 12345 → 123.45."""
    return Decimal(ore or 0).scaleb(-2)


class SpendImport(models.Model):
    """One imported file of spend lines, recognised by the hash of its content."""

    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="spend_imports",
    )
    file_name = models.CharField(_("file"), max_length=300)
    content_hash = models.CharField(_("SHA-256 of the file"), max_length=64)
    lines = models.PositiveIntegerField(_("lines"), default=0)
    credit_lines = models.PositiveIntegerField(_("credit notes"), default=0)
    total_ore = models.BigIntegerField(_("total (øre)"), default=0)
    currency = models.CharField(_("currency"), max_length=3)
    source_currency = models.CharField(
        _("currency of the file"), max_length=3, help_text=_("Converted with the rate when it differs.")
    )
    rate = models.DecimalField(_("rate"), max_digits=14, decimal_places=6, default=Decimal(1))
    first_date = models.DateField(_("first date"), null=True, blank=True)
    last_date = models.DateField(_("last date"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]
        verbose_name = _("spend import")
        verbose_name_plural = _("spend imports")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "content_hash"], name="spend_import_file_once")
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.lines} lines)"

    @property
    def total(self) -> Decimal:
        return from_ore(self.total_ore)


class SupplierQuerySet(models.QuerySet):
    def unresolved(self) -> "SupplierQuerySet":
        """Suppliers known only by name: no organisation number, not merged into another."""
        return self.filter(orgnr="", merged_into=None)


class SizeClass(models.TextChoices):
    """A supplier's size as the spend data states it, when it does."""

    UNKNOWN = "", _("Unknown")
    SME = "sme", _("Small or medium-sized")
    STARTUP = "startup", _("Startup")
    LARGE = "large", _("Large")


class Supplier(models.Model):
    """Someone an organisation pays: keyed by organisation number, or by normalised name without one.

    Suppliers belong to the top of the buying hierarchy (Oslo kommune, not its offices), so every
    office's lines to the same supplier count as one supplier.
    """

    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        related_name="spend_suppliers",
    )
    orgnr = models.CharField(_("organisation number"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=300)
    normalised_name = models.CharField(
        _("normalised name"),
        max_length=300,
        help_text=_("Lower case, without legal form, punctuation and extra spaces; variants share it."),
    )
    size_class = models.CharField(
        _("size"), max_length=10, choices=SizeClass.choices, default=SizeClass.UNKNOWN, blank=True
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("linked to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aliases",
        help_text=_("A name linked to a supplier with an organisation number; its lines moved there."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = SupplierQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("supplier in spend")
        verbose_name_plural = _("suppliers in spend")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "orgnr"], condition=~Q(orgnr=""), name="spend_supplier_orgnr_once"
            ),
            models.UniqueConstraint(
                fields=["organisation", "normalised_name"],
                condition=Q(orgnr=""),
                name="spend_supplier_name_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.orgnr})" if self.orgnr else self.name


class Category(models.Model):
    """An account or spend category as the buyer's ledger names it; "" is uncategorised."""

    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        related_name="spend_categories",
    )
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("spend category")
        verbose_name_plural = _("spend categories")
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="spend_category_once")]

    def __str__(self) -> str:
        return self.name or str(_("Uncategorised"))


class SpendLine(models.Model):
    """One invoice or ledger line, in the organisation's currency; a negative amount is a credit note.

    Written by the bulk importer with plain SQL (skala/spend/importer.py), ten million at a time, so
    the foreign keys have neither an index nor a constraint in the database: checking four parents
    a row halved the import's speed, and an index on the supplier cost another quarter. The importer
    only writes ids it has just read or created; reports read `SpendSummary`, and re-keying a
    supplier's lines (`skala.spend.suppliers.merge_suppliers`) is one pass over the lines.
    """

    batch = models.ForeignKey(
        SpendImport,
        verbose_name=_("import"),
        on_delete=models.CASCADE,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )
    row = models.PositiveIntegerField(_("row in the file"))
    date = models.DateField(_("date"))
    office = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
        related_name="lines",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )
    amount_ore = models.BigIntegerField(_("amount (øre)"))
    cpv = models.CharField(_("CPV code"), max_length=8, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("spend line")
        verbose_name_plural = _("spend lines")

    def __str__(self) -> str:
        return f"{self.date} {self.supplier_id} {self.amount}"

    @property
    def amount(self) -> Decimal:
        return from_ore(self.amount_ore)


class SpendSummary(models.Model):
    """The lines of one office, supplier, category, CPV division and year, added up.

    Derived from the lines and written only by the importer and `merge_suppliers`, so, like the
    lines, its foreign keys have no constraint in the database: checking four parents a row was
    half the time of writing the summary of a large import.
    """

    # The index on (organisation, year) serves every query by organisation, so it needs none of its own.
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("buyer"),
        on_delete=models.CASCADE,
        db_index=False,
        db_constraint=False,
        related_name="+",
        help_text=_("The top of the buying hierarchy, as for suppliers."),
    )
    # The unique constraint's index starts with the office, so the office needs no index of its own.
    office = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("office"),
        on_delete=models.CASCADE,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("supplier"),
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="summaries",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )
    cpv_division = models.CharField(_("CPV division"), max_length=2, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    amount_ore = models.BigIntegerField(_("amount (øre)"), default=0)
    lines = models.PositiveIntegerField(_("lines"), default=0)

    class Meta:
        verbose_name = _("spend summary")
        verbose_name_plural = _("spend summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "supplier", "category", "cpv_division", "year"], name="spend_summary_once"
            )
        ]
        indexes = [models.Index(fields=["organisation", "year"])]

    def __str__(self) -> str:
        return f"{self.year} {self.office_id} {self.supplier_id}: {self.amount_ore}"


class OpeningsVisibility(models.TextChoices):
    """How much of its openings for small suppliers a buyer shows the public."""

    HIDDEN = "hidden", _("Hidden")
    CATEGORIES = "categories", _("Categories only")
    OFFICES = "offices", _("Categories and offices")


class SpendSettings(models.Model):
    """An organisation's choices about its spend data."""

    organisation = models.OneToOneField(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="spend_settings",
    )
    openings_visibility = models.CharField(
        _("openings shown to the public"),
        max_length=12,
        choices=OpeningsVisibility.choices,
        default=OpeningsVisibility.CATEGORIES,
        help_text=_("Members of the organisation always see categories and offices."),
    )
    # Changes whenever the organisation's summary does; names the columnar copy reports read
    # (skala/spend/cube.py), so a report never reads a stale one.
    summary_version = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        verbose_name = _("spend settings")
        verbose_name_plural = _("spend settings")

    def __str__(self) -> str:
        return str(self.organisation)


class UploadStatus(models.TextChoices):
    """Where an upload from the spend page is: waiting for a worker, importing, or finished one way."""

    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    ALREADY = "already", _("Already imported")
    FAILED = "failed", _("Refused")
    # Imported, and later taken back out by an editor (skala/spend/removal.py).
    REMOVED = "removed", _("Removed")


class SpendUpload(models.Model):
    """A file an editor uploaded on the spend page, imported by a background task; kept as a record.

    The file itself is removed once the task has read it: spend lines are the buyer's internal
    accounts, and the import (`SpendImport`) keeps what the reports need.
    """

    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="spend_uploads",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("file"), max_length=300)
    # Where the file waits for the worker, in the default storage; emptied when the task is done.
    stored_name = models.CharField(max_length=500, blank=True, editable=False)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    currency = models.CharField(_("currency of the file"), max_length=3, blank=True)
    rate = models.DecimalField(_("rate"), max_digits=14, decimal_places=6, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=UploadStatus.choices, default=UploadStatus.QUEUED
    )
    lines_read = models.PositiveIntegerField(_("lines read"), default=0)
    message = models.TextField(_("message"), blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(_("problems found"), default=0)
    spend_import = models.ForeignKey(
        SpendImport,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uploads",
    )
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    # Which run of the import this is: a run that stalled and was started again must not record an
    # outcome over the new run's, should it ever finish.
    attempt = models.PositiveIntegerField(_("attempt"), default=1)
    # When the running import last said it was alive (at the start, and with each progress step
    # where the database lets another connection write: PostgreSQL).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # The uploader's language, which the task writes its messages in.
    language = models.CharField(max_length=10, blank=True, editable=False)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("spend upload")
        verbose_name_plural = _("spend uploads")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def pending(self) -> bool:
        """Still waiting or importing: the page keeps asking."""
        return self.status in (UploadStatus.QUEUED, UploadStatus.RUNNING)

    @property
    def stalled(self) -> bool:
        """Importing, but without a sign of life for SKALA_UPLOAD_STALL_MINUTES: its worker has most
        likely stopped (killed, or the machine restarted), and nothing of it was saved."""
        if self.status != UploadStatus.RUNNING:
            return False
        last = self.heartbeat_at or self.started_at
        limit = datetime.timedelta(minutes=settings.SKALA_UPLOAD_STALL_MINUTES)
        return last is None or timezone.now() - last > limit

    @property
    def lines(self) -> int:
        """Lines imported, or read so far while importing."""
        return self.spend_import.lines if self.spend_import_id and self.spend_import else self.lines_read
