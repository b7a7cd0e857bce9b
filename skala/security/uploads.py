"""Validators for uploaded files: a size limit, the file name's extension and a look at the content itself.

Every FileField in Skala's forms and models carries an UploadValidator (a test checks). The content
check is a sniff of the first bytes, not a parse: it refuses a spreadsheet renamed to .csv, a program
renamed to .pdf, or a zip that would unpack to far more than it weighs; the importer still validates
every row.
"""

import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

HEAD_BYTES = 8192
# An Office file may unpack to at most this many times the upload limit: spreadsheets compress well,
# zip bombs compress far better.
MAX_UNPACKED_RATIO = 20
# Magic numbers of files that are never text.
BINARY_SIGNATURES = (
    b"PK\x03\x04",  # zip, and so xlsx and docx
    b"%PDF-",
    b"\xd0\xcf\x11\xe0",  # old Office (xls, doc)
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",  # JPEG
    b"MZ",  # Windows programs
    b"\x7fELF",
    b"\x1f\x8b",  # gzip
)
TEXT_CONTROL_BYTES = set(range(32)) - {9, 10, 12, 13}

KINDS = {
    "csv": (".csv", ".txt", ".tsv"),
    "json": (".json", ".jsonl"),
    "xlsx": (".xlsx",),
    "docx": (".docx",),
    "pdf": (".pdf",),
}
OFFICE_PARTS = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}


def looks_like_text(head: bytes) -> bool:
    """Text in UTF-8 or a single-byte encoding: no NUL or other control bytes, no binary signature."""
    if head.startswith(BINARY_SIGNATURES):
        return False
    return not any(byte in TEXT_CONTROL_BYTES for byte in head)


def office_problem(upload, part: str) -> str | None:
    """Why a zip is not the Office file it claims to be, or None when it is."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return str(_("The file is not a readable spreadsheet or document."))
    finally:
        upload.seek(0)
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or part not in names:
        return str(_("The file is a zip archive but not the kind of Office file its name says."))
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_RATIO * settings.SKALA_MAX_UPLOAD_SIZE:
        return str(_("The file would unpack to far more than it weighs."))
    return None


def content_problem(kind: str, upload) -> str | None:
    """Why the content is not of the kind, or None when it looks right."""
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    if isinstance(head, str):
        head = head.encode("utf-8")
    if kind == "pdf":
        return None if head.startswith(b"%PDF-") else str(_("The file is not a PDF."))
    if kind in OFFICE_PARTS:
        if not head.startswith(b"PK\x03\x04"):
            return str(_("The file is not a readable spreadsheet or document."))
        return office_problem(upload, OFFICE_PARTS[kind])
    text = head.removeprefix(b"\xef\xbb\xbf")
    if not looks_like_text(text):
        return str(_("The file is not a text file."))
    if kind == "json" and text.lstrip()[:1] not in (b"{", b"[", b""):
        return str(_("The file is not JSON."))
    return None


@deconstructible
class UploadValidator:
    """Refuse a file that is too large, has another extension, or whose content is not what its name says.

    kinds are keys of KINDS ("csv", "xlsx", "pdf", ...); max_size may lower SKALA_MAX_UPLOAD_SIZE
    for one field, never raise it.
    """

    def __init__(self, kinds, max_size: int | None = None):
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"Unknown upload kinds: {', '.join(sorted(unknown))}")
        self.kinds = tuple(kinds)
        self.max_size = max_size

    def __eq__(self, other) -> bool:
        return isinstance(other, UploadValidator) and (self.kinds, self.max_size) == (
            other.kinds,
            other.max_size,
        )

    def __hash__(self) -> int:
        return hash((self.kinds, self.max_size))

    def limit(self) -> int:
        limit = settings.SKALA_MAX_UPLOAD_SIZE
        return min(limit, self.max_size) if self.max_size else limit

    def __call__(self, upload) -> None:
        limit = self.limit()
        if upload.size > limit:
            raise ValidationError(
                _("The file is larger than %(megabytes)s MB."),
                code="file_too_large",
                params={"megabytes": round(limit / 1_000_000, 1)},
            )
        suffix = PurePath(upload.name or "").suffix.lower()
        matching = [kind for kind in self.kinds if suffix in KINDS[kind]]
        if not matching:
            raise ValidationError(
                _("Files ending in %(suffix)s are not accepted here; send one of %(allowed)s."),
                code="file_extension",
                params={
                    "suffix": suffix or "''",
                    "allowed": ", ".join(ext for kind in self.kinds for ext in KINDS[kind]),
                },
            )
        problem = content_problem(matching[0], upload)
        if problem:
            raise ValidationError(problem, code="file_content")
