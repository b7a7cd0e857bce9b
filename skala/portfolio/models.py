"""Innovation projects from idea to standard service, the gate decisions between stages, the actors of
the quadruple helix, benefits, programmes across municipalities, and adoption by other organisations."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from skala.orgs.models import Organisation


class Stage(models.TextChoices):
    IDEA = "idea", _("Idea")
    EXPLORATION = "exploration", _("Exploration")
    PILOT = "pilot", _("Pilot")
    SCALE_UP = "scale_up", _("Scale-up")
    STANDARD = "standard", _("Standard service")
    STOPPED = "stopped", _("Stopped")


# The path a project walks; "stopped" can follow any stage.
PATH = [Stage.IDEA, Stage.EXPLORATION, Stage.PILOT, Stage.SCALE_UP, Stage.STANDARD]


class Programme(models.Model):
    """A facilitator's programme over several municipalities, with its own portfolio."""

    name = models.CharField(_("name"), max_length=300)
    facilitator = models.ForeignKey(
        Organisation, verbose_name=_("run by"), on_delete=models.PROTECT, related_name="programmes_run"
    )
    members = models.ManyToManyField(
        Organisation, verbose_name=_("members"), related_name="programmes", blank=True
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    portfolio_built_by = models.DateField(
        _("portfolio built by"), null=True, blank=True, help_text=_("Often the first six months.")
    )
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("portfolio:programme", args=[self.pk])


class Project(models.Model):
    """An innovation project, walking from idea to standard service, or stopped and learnt from."""

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owners = models.ManyToManyField(Organisation, verbose_name=_("owners"), related_name="projects")
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    needs = models.ManyToManyField("needs.Need", verbose_name=_("needs"), blank=True, related_name="projects")
    procurements = models.ManyToManyField(
        "procedures.Procurement", verbose_name=_("procurements"), blank=True, related_name="projects"
    )
    sdgs = models.ManyToManyField(
        "reference.Sdg", verbose_name=_("Sustainable Development Goals"), blank=True
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.IDEA)
    stage_since = models.DateField(_("in this stage since"))
    budget = models.DecimalField(_("budget (NOK)"), max_digits=14, decimal_places=0, null=True, blank=True)
    risks = models.TextField(_("risks"), blank=True)
    lessons = models.TextField(_("lessons learnt"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("innovation project")
        verbose_name_plural = _("innovation projects")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portfolio:project", args=[self.pk])


class HelixRole(models.TextChoices):
    PUBLIC = "public", _("Public sector")
    BUSINESS = "business", _("Business")
    ACADEMIA = "academia", _("Academia")
    CIVIL = "civil", _("Civil society")


class Actor(models.Model):
    """An organisation taking part in a project, with its place in the quadruple helix."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="actors")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT)
    helix = models.CharField(_("helix role"), max_length=10, choices=HelixRole.choices)
    part = models.CharField(_("part"), max_length=300, blank=True)

    class Meta:
        ordering = ["helix", "pk"]
        verbose_name = _("actor")
        verbose_name_plural = _("actors")

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_helix_display()})"


class FundingSource(models.TextChoices):
    OWN = "own", _("Own budget")
    NATIONAL = "national", _("National programme")
    RESEARCH = "research", _("Research council")
    EU = "eu", _("EU")


class Funding(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(_("source"), max_length=10, choices=FundingSource.choices)
    amount = models.DecimalField(_("amount (NOK)"), max_digits=14, decimal_places=0)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("funding")
        verbose_name_plural = _("funding")

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.amount}"


class BenefitUnit(models.TextChoices):
    NOK = "nok", _("NOK saved")
    HOURS = "hours", _("hours freed")
    USERS = "users", _("users served")
    CO2 = "co2_tonnes", _("tonnes CO2 avoided")


class Benefit(models.Model):
    """A benefit, expected and realised, measured in one unit against a baseline."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="benefits")
    description = models.CharField(_("benefit"), max_length=300)
    unit = models.CharField(_("unit"), max_length=12, choices=BenefitUnit.choices)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, default=0)
    expected = models.DecimalField(_("expected a year"), max_digits=14, decimal_places=2)
    realised = models.DecimalField(
        _("realised a year"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    key_figure = models.ForeignKey(
        "kpis.KeyFigure",
        verbose_name=_("key figure"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="benefits",
        help_text=_("The key figure that measures the benefit, if one does."),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")

    def __str__(self) -> str:
        return self.description


class Decision(models.TextChoices):
    GO = "go", _("Go")
    STOP = "stop", _("Stop")
    REWORK = "rework", _("Rework")


class GateDecision(models.Model):
    """A recorded decision at a stage gate. History is never rewritten: a correction is a new record
    that points to the decision it corrects."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="decisions")
    from_stage = models.CharField(_("from"), max_length=12, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=12, choices=Stage.choices)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    reason = models.TextField(_("reason"))
    evidence = models.TextField(_("evidence"), blank=True)
    decided_on = models.DateField(_("decided"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["decided_on", "pk"]
        verbose_name = _("gate decision")
        verbose_name_plural = _("gate decisions")

    def __str__(self) -> str:
        return f"{self.project}: {self.get_decision_display()} ({self.from_stage} → {self.to_stage})"


class Adoption(models.Model):
    """Another organisation adopts a scaled solution: "when Oslo does it, many follow"."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="adoptions")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("adopted by"), on_delete=models.PROTECT, related_name="+"
    )
    adopted_on = models.DateField(_("adopted"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["adopted_on", "pk"]
        verbose_name = _("adoption")
        verbose_name_plural = _("adoptions")
        constraints = [models.UniqueConstraint(fields=["project", "organisation"], name="adopted_once")]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.project}"
