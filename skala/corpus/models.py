"""The corpus the matcher searches: every need and notice, analysed once and kept ready."""

import numpy as np
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    NEED = "need", _("Need")
    NOTICE = "notice", _("Notice")
    SOLUTION = "solution", _("Supplier's solution")


class CorpusDocument(models.Model):
    """One need or notice as the matcher sees it: its analysed terms, CPV codes and embedding."""

    key = models.CharField(
        max_length=300, unique=True, help_text="need:<id>, notice:<import id> or solution:<id>"
    )
    kind = models.CharField(max_length=10, choices=DocumentKind.choices)
    title = models.CharField(max_length=500)
    text = models.TextField()
    language = models.CharField(max_length=3)
    terms = models.TextField(help_text="The analysed terms, separated by spaces.")
    cpv = models.JSONField(default=list, help_text="Eight-digit CPV codes, the main one first.")
    owner_id = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="The owning organisation: the buyer of a need, the supplier of a solution.",
    )
    owner_name = models.CharField(max_length=300, blank=True)
    country = models.CharField(max_length=2, blank=True)
    is_public = models.BooleanField(default=True)
    vector = models.BinaryField(null=True, blank=True)
    vector_model = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("corpus document")
        verbose_name_plural = _("corpus documents")
        indexes = [models.Index(fields=["kind"])]

    def __str__(self) -> str:
        return self.key

    def embedding(self) -> np.ndarray | None:
        """The stored embedding as a vector, or None."""
        return np.frombuffer(bytes(self.vector), dtype=np.float32) if self.vector else None


class IndexBuild(models.Model):
    """One run of the index rebuild task, with its progress for the command line and the page."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("index build")
        verbose_name_plural = _("index builds")

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.done}/{self.total}"
