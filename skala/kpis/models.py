"""Key figures: their definitions, one value per figure and period, the connectors that pull values
from core systems, and the wall screens that show them."""

import secrets

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from skala.orgs.models import Organisation


class Period(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class KeyFigure(models.Model):
    """A key figure an organisation follows, with its target."""

    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="key_figures"
    )
    # A figure is named in at least one language (the form asks for one): a Swedish buyer's in Swedish.
    name_nb = models.CharField(_("name (Norwegian)"), max_length=200, blank=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=40)
    description = models.TextField(_("description"), blank=True)
    period = models.CharField(_("period"), max_length=5, choices=Period.choices, default=Period.MONTH)
    direction = models.CharField(
        _("direction"), max_length=6, choices=Direction.choices, default=Direction.HIGHER
    )
    target_value = models.DecimalField(_("target"), max_digits=18, decimal_places=4, null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    minimum = models.DecimalField(
        _("lowest allowed value"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    maximum = models.DecimalField(
        _("highest allowed value"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    sdgs = models.ManyToManyField(
        "reference.Sdg", verbose_name=_("Sustainable Development Goals"), blank=True
    )
    projects = models.ManyToManyField("portfolio.Project", verbose_name=_("portfolio projects"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["name_nb"]
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")

    def __str__(self) -> str:
        return self.name()

    def get_absolute_url(self) -> str:
        return reverse("kpis:figure", args=[self.pk])

    def name(self, language: str | None = None) -> str:
        language = (language or get_language() or "nb")[:2]
        return getattr(self, f"name_{language}", "") or self.name_nb or self.name_sv or self.name_en


class Value(models.Model):
    """One value of a figure for one period; a new pull for the same period replaces it."""

    figure = models.ForeignKey(KeyFigure, on_delete=models.CASCADE, related_name="values")
    period_start = models.DateField(_("period"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    source = models.CharField(_("source"), max_length=40)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["figure", "period_start"]
        verbose_name = _("value")
        verbose_name_plural = _("values")
        constraints = [
            models.UniqueConstraint(fields=["figure", "period_start"], name="one_value_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.figure}: {self.period_start} = {self.value}"


class ConnectorKind(models.TextChoices):
    HTTP_JSON = "http_json", _("HTTP endpoint answering JSON")
    HTTP_CSV = "http_csv", _("HTTP endpoint answering CSV")
    SQL = "sql", _("SQL query, read-only")
    FOLDER_CSV = "folder_csv", _("CSV files dropped in a folder")
    SKALA = "skala", _("Skala's own figures")


class Connector(models.Model):
    """Where a figure's values come from, and how the last pulls went."""

    figure = models.ForeignKey(KeyFigure, on_delete=models.CASCADE, related_name="connectors")
    kind = models.CharField(_("kind"), max_length=12, choices=ConnectorKind.choices)
    config = models.JSONField(
        _("settings"),
        default=dict,
        help_text=_("url, selector, date_column, value_column, query, folder or measure, as the kind needs."),
    )
    secret = models.TextField(_("credentials (encrypted)"), blank=True, editable=False)
    every_minutes = models.PositiveIntegerField(_("pull every (minutes)"), default=60)
    timeout_seconds = models.PositiveSmallIntegerField(_("timeout (seconds)"), default=10)
    retries = models.PositiveSmallIntegerField(_("retries"), default=3)
    active = models.BooleanField(_("active"), default=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("connector")
        verbose_name_plural = _("connectors")

    def __str__(self) -> str:
        return f"{self.figure}: {self.get_kind_display()}"

    @property
    def failing(self) -> bool:
        return bool(self.last_error) and (
            self.last_success_at is None
            or (self.last_attempt_at and self.last_attempt_at > self.last_success_at)
        )


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Screen(models.Model):
    """A wall screen: tiles in pages that rotate, read through a secret link that can be revoked."""

    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="screens"
    )
    name = models.CharField(_("name"), max_length=200)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    revoked = models.BooleanField(_("link revoked"), default=False)
    rotate_seconds = models.PositiveSmallIntegerField(_("rotate every (seconds)"), default=15)
    refresh_seconds = models.PositiveSmallIntegerField(_("refresh every (seconds)"), default=60)
    tiles_per_page = models.PositiveSmallIntegerField(_("tiles a page"), default=6)
    language = models.CharField(_("language"), max_length=2, default="nb")
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("wall screen")
        verbose_name_plural = _("wall screens")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("kpis:screen", args=[self.pk])

    def wall_url(self) -> str:
        """The secret link, in the screen's language: the wall speaks the language its link names."""
        with override(self.language):
            return reverse("kpis:wall", args=[self.token])


class TileKind(models.TextChoices):
    FIGURE = "figure", _("The latest value")
    TREND = "trend", _("Trend against target")
    SPARKLINE = "sparkline", _("Sparkline")
    COMPARISON = "comparison", _("Compared with a year earlier")


class Tile(models.Model):
    screen = models.ForeignKey(Screen, on_delete=models.CASCADE, related_name="tiles")
    figure = models.ForeignKey(
        KeyFigure, verbose_name=_("key figure"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=TileKind.choices, default=TileKind.SPARKLINE)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("tile")
        verbose_name_plural = _("tiles")

    def __str__(self) -> str:
        return f"{self.screen}: {self.figure}"
