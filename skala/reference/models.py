"""Reference data: CPV codes, the Sustainable Development Goals, counties and municipalities."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

CPV_LANGUAGES = ("en", "nb", "sv", "da", "fi")


class Country(models.TextChoices):
    """The countries Skala serves; others may join by adding their reference data."""

    NORWAY = "NO", _("Norway")
    SWEDEN = "SE", _("Sweden")
    DENMARK = "DK", _("Denmark")
    FINLAND = "FI", _("Finland")
    ICELAND = "IS", _("Iceland")


def label_language(language: str | None = None) -> str:
    """Map the active UI language to a label column; labels exist in en, nb, sv (and da, fi for CPV)."""
    language = (language or get_language() or "nb").split("-")[0]
    return "nb" if language in {"no", "nn"} else language


class CpvLevel(models.TextChoices):
    """The CPV hierarchy, named by how many leading digits of the code are significant."""

    DIVISION = "division", _("Division")
    GROUP = "group", _("Group")
    CLASS = "class", _("Class")
    CATEGORY = "category", _("Category")
    SUBCATEGORY = "sub-category", _("Sub-category")


def cpv_level(code8: str) -> CpvLevel:
    """Division XX000000, group XXX00000, class XXXX0000, category XXXXX000; finer is a sub-category."""
    significant = max(2, len(code8.rstrip("0")))
    by_digits = {2: CpvLevel.DIVISION, 3: CpvLevel.GROUP, 4: CpvLevel.CLASS, 5: CpvLevel.CATEGORY}
    return by_digits.get(significant, CpvLevel.SUBCATEGORY)


class CpvCodeQuerySet(models.QuerySet):
    def search(self, text: str, language: str = "nb") -> "CpvCodeQuerySet":
        """Codes whose label in the language holds every word of the text, or whose code starts with it."""
        text = text.strip()
        digits = text.replace("-", "")
        if digits.isdigit():
            return self.filter(code8__startswith=digits[:8])
        column = f"search_{label_language(language) if language in CPV_LANGUAGES else 'en'}"
        queryset = self
        for word in text.casefold().split():
            queryset = queryset.filter(**{f"{column}__contains": word})
        return queryset


class CpvCode(models.Model):
    """One code of the Common Procurement Vocabulary 2008, with labels and its place in the tree."""

    code8 = models.CharField(_("code"), max_length=8, primary_key=True)
    check_digit = models.CharField(_("check digit"), max_length=1)
    level = models.CharField(_("level"), max_length=12, choices=CpvLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    label_en = models.CharField(_("label (English)"), max_length=400)
    label_nb = models.CharField(_("label (Norwegian)"), max_length=400)
    label_sv = models.CharField(_("label (Swedish)"), max_length=400)
    label_da = models.CharField(_("label (Danish)"), max_length=400)
    label_fi = models.CharField(_("label (Finnish)"), max_length=400)
    # Case-folded copies of the labels: SQLite's LIKE folds only ASCII, so æøå need this.
    search_en = models.CharField(max_length=400, editable=False)
    search_nb = models.CharField(max_length=400, editable=False)
    search_sv = models.CharField(max_length=400, editable=False)
    search_da = models.CharField(max_length=400, editable=False)
    search_fi = models.CharField(max_length=400, editable=False)

    objects = CpvCodeQuerySet.as_manager()

    class Meta:
        ordering = ["code8"]
        verbose_name = _("CPV code")
        verbose_name_plural = _("CPV codes")

    def __str__(self) -> str:
        return f"{self.code} {self.label()}"

    @property
    def code(self) -> str:
        """The code as published, with its check digit: 03000000-1."""
        return f"{self.code8}-{self.check_digit}"

    @property
    def division(self) -> str:
        """The two-digit division the code belongs to."""
        return self.code8[:2]

    def label(self, language: str | None = None) -> str:
        """The label in the language asked for, or the active one."""
        return getattr(self, f"label_{label_language(language)}", self.label_en) or self.label_en

    def labels(self) -> dict[str, str]:
        """Every label, keyed by language code."""
        return {language: getattr(self, f"label_{language}") for language in CPV_LANGUAGES}


class Sdg(models.Model):
    """One of the 17 Sustainable Development Goals of Agenda 2030."""

    number = models.PositiveSmallIntegerField(_("number"), primary_key=True)
    colour = models.CharField(_("colour"), max_length=7)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_nb = models.CharField(_("name (Norwegian)"), max_length=200)
    name_sv = models.CharField(_("name (Swedish)"), max_length=200)

    class Meta:
        ordering = ["number"]
        verbose_name = _("Sustainable Development Goal")
        verbose_name_plural = _("Sustainable Development Goals")

    def __str__(self) -> str:
        return f"{self.number}. {self.name()}"

    def name(self, language: str | None = None) -> str:
        """The goal's name in the language asked for, or the active one; English otherwise."""
        return getattr(self, f"name_{label_language(language)}", self.name_en)


class County(models.Model):
    """A Norwegian fylke or a Swedish län."""

    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    number = models.CharField(_("number"), max_length=4)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["country", "number"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        constraints = [models.UniqueConstraint(fields=["country", "number"], name="county_unique_number")]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A municipality (kommune, kommun) with its official number and, where known, its orgnr."""

    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    number = models.CharField(_("municipality number"), max_length=4)
    name = models.CharField(_("name"), max_length=200)
    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="municipalities"
    )
    orgnr = models.CharField(_("organisation number"), max_length=11, blank=True)

    class Meta:
        ordering = ["country", "number"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.UniqueConstraint(fields=["country", "number"], name="municipality_unique_number")
        ]

    def __str__(self) -> str:
        return self.name


class LegalFactKind(models.TextChoices):
    THRESHOLD = "threshold", _("Threshold in kroner")
    THRESHOLD_EUR = "threshold_eur", _("Threshold in euro")
    RULE = "rule", _("Rule")


class LegalFactQuerySet(models.QuerySet):
    def in_force(self, day) -> "LegalFactQuerySet":
        """The facts in force on the day."""
        return self.filter(valid_from__lte=day).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day)
        )


class LegalFact(models.Model):
    """A dated, sourced fact of procurement law: a threshold or a rule, valid from one day to another."""

    key = models.CharField(_("key"), max_length=60)
    kind = models.CharField(_("kind"), max_length=15, choices=LegalFactKind.choices)
    buyer_type = models.CharField(_("buyer type"), max_length=20, default="any")
    contract_type = models.CharField(_("contract type"), max_length=20, default="any")
    amount_nok = models.DecimalField(_("amount (NOK excl. VAT)"), max_digits=14, decimal_places=0, null=True)
    amount_eur = models.DecimalField(_("amount (EUR excl. VAT)"), max_digits=14, decimal_places=0, null=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    statement_en = models.TextField(_("statement (English)"))
    statement_nb = models.TextField(_("statement (Norwegian)"))
    source_title = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(_("source address"), max_length=500)

    objects = LegalFactQuerySet.as_manager()

    class Meta:
        ordering = ["key", "valid_from"]
        verbose_name = _("legal fact")
        verbose_name_plural = _("legal facts")
        constraints = [
            models.UniqueConstraint(fields=["key", "valid_from"], name="legal_fact_once_per_start")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.valid_from})"

    def statement(self, language: str | None = None) -> str:
        """The statement in Norwegian for nb/nn, in English otherwise."""
        from django.utils.translation import get_language

        return (
            self.statement_nb
            if (language or get_language() or "nb")[:2] in {"nb", "nn"}
            else self.statement_en
        )
