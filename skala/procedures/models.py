"""Procurement notices published elsewhere (TED, OCDS publishers, Skala's own notice format).

Notices are read-only in Skala: they are imported, kept current by their import id, and searched
beside needs so a buyer sees who has already bought what.
"""

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
