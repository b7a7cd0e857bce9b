"""Importing notices: read and validate everything, then write in one transaction, keyed by import id.

The same function serves `skala import notices` and any later caller. A file with any bad record is
rejected whole, with every problem listed; a second import of the same file changes nothing.
"""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from skala.corpus import services as corpus
from skala.corpus.models import DocumentKind
from skala.procedures.models import Notice, NoticeAward
from skala.procedures.notice_formats import NoticeRecord, Problem, ReadResult, read_notices
from skala.procedures.signals import notices_imported
from skala.reference.models import CpvCode
from skala.text import lone_surrogate

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
PROGRESS_EVERY = 1000


class NoticeImportError(Exception):
    """The input has problems; nothing was written."""

    # The message names this many; `problems` holds every one (the command line prints them all).
    SHOWN = 50

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems[: self.SHOWN])
        more = f"\n  ... and {len(problems) - self.SHOWN} more" if len(problems) > self.SHOWN else ""
        super().__init__(f"{len(problems)} problem(s); nothing was imported:\n{listing}{more}")


@dataclass
class NoticeImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    dry_run: bool = False

    def __str__(self) -> str:
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {self.created + self.updated + self.unchanged} notices: {self.created} new, "
            f"{self.updated} changed, {self.unchanged} unchanged."
            + (f" Skipped {self.skipped} processes that have no tender yet." if self.skipped else "")
        )


def vocabulary_problems(records: list[NoticeRecord]) -> list[Problem]:
    """A problem for every CPV code that is not in the CPV 2008 vocabulary."""
    known = set(CpvCode.objects.values_list("code8", flat=True))
    problems = []
    for record in records:
        unknown = [code for code in record.cpv if code not in known]
        if unknown:
            problems.append(
                Problem(record.where, f"not in the CPV 2008 vocabulary: {', '.join(unknown)}", "cpv")
            )
    return problems


def duplicate_problems(records: list[NoticeRecord]) -> list[Problem]:
    """A problem for every record whose id an earlier record in the input already used."""
    seen: dict[str, str] = {}
    problems = []
    for record in records:
        if record.import_id in seen:
            problems.append(
                Problem(
                    record.where, f"the id {record.import_id!r} is also at {seen[record.import_id]}", "id"
                )
            )
        else:
            seen[record.import_id] = record.where
    return problems


SOURCE_NAMES = {"skala": "Skala's notice format", "ted": "TED XML", "ocds": "OCDS"}


def source_problems(records: list[NoticeRecord]) -> list[Problem]:
    """A problem for every record whose id a notice imported from another format already has: the
    two are most likely different notices, and the update would replace one with the other."""
    sources = dict(
        Notice.objects.filter(import_id__in=[record.import_id for record in records]).values_list(
            "import_id", "source"
        )
    )
    return [
        Problem(
            record.where,
            f"the id {record.import_id!r} belongs to a notice imported from "
            f"{SOURCE_NAMES.get(sources[record.import_id], sources[record.import_id])}; "
            f"an import from {SOURCE_NAMES.get(record.source, record.source)} may not replace it",
            "id",
        )
        for record in records
        if record.import_id in sources and sources[record.import_id] != record.source
    ]


def nul_problems(records: list[NoticeRecord]) -> list[Problem]:
    """A problem for every record with a NUL character in its text (JSON may write one as \\u0000), or
    half of a UTF-16 surrogate pair (\\ud800), which is no character: no text column keeps either, and
    the database refuses them at the write."""
    problems = []
    for record in records:
        texts = {name: value for name, value in record.values().items() if isinstance(value, str)}
        for award in record.awards:
            texts.update({f"awards.{key}": value for key, value in award.items() if isinstance(value, str)})
        for name, value in texts.items():
            if "\x00" in value:
                problems.append(Problem(record.where, "holds a NUL character", name))
                break
            if (where := lone_surrogate(value)) is not None:
                problems.append(
                    Problem(
                        record.where,
                        f"holds a lone surrogate (\\u{ord(value[where]):04x}) at character {where + 1}, "
                        "which is not a character",
                        name,
                    )
                )
                break
    return problems


def validate(path: Path, format_name: str | None = None) -> ReadResult:
    """Every record in the input, or NoticeImportError listing every problem."""
    result = read_notices(path, format_name)
    problems = (
        result.problems
        + nul_problems(result.records)
        + duplicate_problems(result.records)
        + source_problems(result.records)
        + vocabulary_problems(result.records)
    )
    if problems:
        raise NoticeImportError(problems)
    return result


def sync_to_corpus(notice: Notice) -> None:
    """Notices are public: each is in the matching corpus with its CPV codes."""
    corpus.upsert(
        notice.corpus_key,
        kind=DocumentKind.NOTICE,
        title=notice.title,
        text=notice.description,
        language=notice.language or None,
        cpv=notice.cpv,
        owner_name=notice.buyer_name,
        country=notice.buyer_country,
        is_public=True,
        # The import stamps all its notices at once when it commits.
        stamp_on_commit=False,
    )


def award_rows(awards) -> list[tuple]:
    return sorted(
        (
            a["supplier_name"],
            a["supplier_orgnr"],
            a["supplier_country"],
            a["is_sme"],
            None if a["value"] is None else Decimal(str(a["value"])).quantize(Decimal("0.01")),
            a["currency"],
            a["awarded_on"],
        )
        for a in awards
    )


def awards_changed(notice: Notice, awards: list[dict]) -> bool:
    stored = notice.awards.values(
        "supplier_name", "supplier_orgnr", "supplier_country", "is_sme", "value", "currency", "awarded_on"
    )
    return award_rows(stored) != award_rows(awards)


def save_awards(notice: Notice, awards: list[dict]) -> None:
    """The notice's awards as the file has them now."""
    notice.awards.all().delete()
    NoticeAward.objects.bulk_create(NoticeAward(notice=notice, **award) for award in awards)


def import_notices(
    path: Path, *, format_name: str | None = None, dry_run: bool = False, progress: Progress | None = None
) -> NoticeImportReport:
    """Validate the input, then create or update each notice and its corpus entry in one transaction."""
    say = progress or (lambda message: logger.info("%s", message))
    result = validate(path, format_name)
    records = result.records
    say(f"Read {len(records)} notices; every record is valid.")
    report = NoticeImportReport(dry_run=dry_run, skipped=len(result.skipped))
    counts: Counter[str] = Counter()
    created_ids: list[int] = []
    saved_keys: list[str] = []
    with transaction.atomic():
        existing = {
            notice.import_id: notice
            for notice in Notice.objects.filter(import_id__in=[r.import_id for r in records])
        }
        for done, record in enumerate(records, start=1):
            values = record.values()
            notice = existing.get(record.import_id)
            if notice is None:
                counts["created"] += 1
                if not dry_run:
                    notice = Notice.objects.create(import_id=record.import_id, **values)
                    save_awards(notice, record.awards)
                    sync_to_corpus(notice)
                    created_ids.append(notice.pk)
                    saved_keys.append(notice.corpus_key)
            elif any(getattr(notice, name) != value for name, value in values.items()) or awards_changed(
                notice, record.awards
            ):
                counts["updated"] += 1
                if not dry_run:
                    for name, value in values.items():
                        setattr(notice, name, value)
                    notice.save()
                    save_awards(notice, record.awards)
                    sync_to_corpus(notice)
                    saved_keys.append(notice.corpus_key)
            else:
                counts["unchanged"] += 1
            if done % PROGRESS_EVERY == 0:
                say(f"{done} of {len(records)} notices")
        # The import may take minutes: the indexes learn of its notices by the time they became visible.
        corpus.touch_on_commit(saved_keys)
        if created_ids:
            transaction.on_commit(lambda: notices_imported.send(sender=Notice, notice_ids=created_ids))
    report.created, report.updated, report.unchanged = (
        counts["created"],
        counts["updated"],
        counts["unchanged"],
    )
    return report
