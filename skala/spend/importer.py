"""Importing spend extracts: stream the rows, validate every one, bulk-insert, all in one transaction.

`skala import spend FILE --org ORG`, uploads on the spend pages (skala/spend/tasks.py) and the demo
data write through `import_spend`. The file is recognised by the SHA-256 of its bytes: a second
import of the same file for the same organisation is reported as already imported and changes
nothing. Every row is checked; every problem is collected with its row and column, and if there is
any, nothing is written (the transaction rolls back, offices and suppliers created on the way
included).

Ten million lines fit in bounded memory: rows are read one at a time, validated and written in
batches of a few thousand with one prepared statement (SQLite, executemany) or streamed through one
COPY that stays open across the file (PostgreSQL, `LineWriter`).
What repeats is resolved once and kept in dictionaries: dates, offices, categories and suppliers
(by the pair of organisation number and name as the file writes them). Memory grows with the
distinct suppliers, offices and categories, not with the lines. The yearly summary
(`SpendSummary`) is added up on the way and written at the end.
"""

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from django.db import connections, transaction
from django.utils.translation import gettext as _

from skala.orgs.models import Organisation, OrganisationUnit
from skala.reference.models import CpvCode
from skala.spend import cube
from skala.spend.models import Category, SpendImport, SpendLine, Supplier, currency_of
from skala.spend.reading import (
    TEXT_LIMITS,
    FieldError,
    Problem,
    SpendFormatError,
    clean_text,
    file_hashes,
    open_sheet,
    parse_amount,
    parse_cpv,
    parse_currency,
    parse_date,
    parse_size,
    read_mapping,
    recognise,
)
from skala.spend.suppliers import SupplierBook, add_summaries, merge_suppliers

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
BATCH_SIZE = 5_000
PROGRESS_EVERY = 500_000
# Problems kept for the report; every problem is counted, only these many are listed.
KEPT_PROBLEMS = 1_000
LISTED_PROBLEMS = 50
DESCRIPTION_LIMIT = TEXT_LIMITS["description"]
LINE_COLUMNS = (
    "batch_id",
    "row",
    "date",
    "office_id",
    "supplier_id",
    "category_id",
    "amount_ore",
    "cpv",
    "description",
)


class SpendImportError(Exception):
    """The file cannot be imported: every problem found (the first ones listed); nothing was written."""

    def __init__(self, problems: list[Problem], count: int | None = None):
        self.problems = problems
        self.count = len(problems) if count is None else count
        listing = "\n".join(f"  {problem}" for problem in problems[:LISTED_PROBLEMS])
        more = self.count - min(len(problems), LISTED_PROBLEMS)
        more_text = "\n  " + _("… and %(count)s more") % {"count": f"{more:,}"} if more > 0 else ""
        super().__init__(
            _("%(count)s problem(s); nothing was imported:") % {"count": f"{self.count:,}"}
            + f"\n{listing}{more_text}"
        )


@dataclass
class SpendImportReport:
    """What an import read and wrote (or would write, in a dry run), for the command and the tests."""

    file_name: str
    organisation: str
    currency: str
    lines: int = 0
    credit_lines: int = 0
    total_ore: int = 0
    first_date: str = ""
    last_date: str = ""
    suppliers: int = 0
    new_suppliers: int = 0
    unresolved: int = 0
    linked_by_name: int = 0
    offices_created: list[str] = field(default_factory=list)
    unused_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False
    already_imported: SpendImport | None = None
    batch: SpendImport | None = None

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        if self.already_imported is not None:
            earlier = self.already_imported
            return _(
                "%(file)s is already imported for %(organisation)s (import %(id)s on %(day)s, %(lines)s "
                "lines): nothing changed."
            ) % {
                "file": self.file_name,
                "organisation": self.organisation,
                "id": earlier.pk,
                "day": earlier.imported_at.date().isoformat(),
                "lines": f"{earlier.lines:,}",
            }
        values = {
            "lines": f"{self.lines:,}",
            "credits": f"{self.credit_lines:,}",
            "organisation": self.organisation,
            "currency": self.currency,
            "total": f"{self.total_ore / 100:,.2f}",
            "first": self.first_date or "–",
            "last": self.last_date or "–",
            "suppliers": f"{self.suppliers:,}",
            "new": f"{self.new_suppliers:,}",
            "unresolved": f"{self.unresolved:,}",
            "linked": f"{self.linked_by_name:,}",
            "seconds": f"{self.seconds:.1f}",
            "rate": f"{self.lines_per_second:,.0f}",
            "offices": len(self.offices_created),
            "names": ", ".join(self.offices_created),
        }
        if self.dry_run:
            text = _(
                "Would import %(lines)s lines (%(credits)s credit notes) for %(organisation)s: "
                "%(currency)s %(total)s from %(first)s to %(last)s, %(suppliers)s suppliers (%(new)s new; "
                "%(unresolved)s known only by name, %(linked)s linked by name), checked in %(seconds)s s "
                "(%(rate)s lines/s). Nothing was saved."
            )
            offices = _("Would create %(offices)s procurement offices under %(organisation)s: %(names)s.")
        else:
            text = _(
                "Imported %(lines)s lines (%(credits)s credit notes) for %(organisation)s: "
                "%(currency)s %(total)s from %(first)s to %(last)s, %(suppliers)s suppliers (%(new)s new; "
                "%(unresolved)s known only by name, %(linked)s linked by name), in %(seconds)s s "
                "(%(rate)s lines/s)."
            )
            offices = _("Created %(offices)s procurement offices under %(organisation)s: %(names)s.")
        text %= values
        if self.offices_created:
            text += "\n" + offices % values
        if self.unused_columns:
            text += "\n" + _("Columns not used: %(columns)s.") % {"columns": ", ".join(self.unused_columns)}
        return text


def normal_office_name(name: str) -> str:
    return " ".join(name.casefold().split())


class Offices:
    """The importing organisation and its units by name; a name not found becomes a procurement office."""

    def __init__(self, organisation: Organisation, *, is_demo: bool):
        self.organisation = organisation
        self.is_demo = is_demo
        self.created: list[str] = []
        # Called before a write of its own, so the import can pause what it has open on the connection.
        self.before_write: Callable[[], None] = lambda: None
        self.ids = {normal_office_name(organisation.name): organisation.pk}
        frontier = [organisation.pk]
        while frontier:
            children = list(Organisation.objects.filter(parent_id__in=frontier).values_list("pk", "name"))
            for pk, name in children:
                self.ids.setdefault(normal_office_name(name), pk)
            frontier = [pk for pk, _name in children]

    def resolve(self, value) -> int:
        name = clean_text(value, "office")
        if not name:
            return self.organisation.pk
        key = normal_office_name(name)
        if key not in self.ids:
            self.before_write()
            office = Organisation.objects.create(
                name=name,
                kind=self.organisation.kind,
                unit=OrganisationUnit.PROCUREMENT_OFFICE,
                parent=self.organisation,
                country=self.organisation.country,
                municipality=self.organisation.municipality,
                is_demo=self.is_demo,
            )
            self.ids[key] = office.pk
            self.created.append(name)
        return self.ids[key]


class Categories:
    """The buyer's categories by name; created when new."""

    def __init__(self, top: Organisation):
        self.top = top
        self.before_write: Callable[[], None] = lambda: None
        self.ids = dict(Category.objects.filter(organisation=top).values_list("name", "pk"))

    def resolve(self, value) -> int:
        name = clean_text(value, "category")
        if name not in self.ids:
            self.before_write()
            self.ids[name] = Category.objects.create(organisation=self.top, name=name).pk
        return self.ids[name]


def quoted_table(connection, model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class LineWriter:
    """Writes the lines as the loop validates them, and finishes the writing when the loop ends.

    On PostgreSQL one COPY stays open across the file, so the server stores lines while the loop
    reads the next ones; batches of a few thousand, each its own COPY, waited for the server at
    every batch's end. The COPY pauses only when the import needs the connection for something
    else (a new office or category, a block of supplier ids), which is rare after the first lines.
    SQLite takes batches through one prepared statement. Leaving with an exception aborts the COPY.
    """

    def __init__(self, connection, batch_size: int = BATCH_SIZE):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.batch_size = batch_size
        table = quoted_table(connection, SpendLine)
        names = ", ".join(connection.ops.quote_name(name) for name in LINE_COLUMNS)
        marks = ", ".join(["?"] * len(LINE_COLUMNS))
        self.copy_statement = f"COPY {table} ({names}) FROM STDIN"
        self.insert_statement = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        self.rows: list[tuple] = []
        self.copy = None
        self.stack: ExitStack | None = None

    def __enter__(self) -> "LineWriter":
        return self

    def __exit__(self, kind, error, trace) -> bool:
        if error is None:
            self.pause()
            self.insert_rows()
        elif self.stack is not None:
            stack, self.stack, self.copy = self.stack, None, None
            stack.__exit__(kind, error, trace)
        return False

    def add(self, row: tuple) -> None:
        """Write one line (buffered)."""
        if self.postgres:
            if self.copy is None:
                self.stack = ExitStack()
                cursor = self.stack.enter_context(self.connection.cursor())
                self.copy = self.stack.enter_context(cursor.copy(self.copy_statement))
            self.copy.write_row(row)
        else:
            self.rows.append(row)
            if len(self.rows) >= self.batch_size:
                self.insert_rows()

    def pause(self) -> None:
        """Finish the open COPY, so the connection can run another statement; the next line opens another."""
        if self.stack is not None:
            stack, self.stack, self.copy = self.stack, None, None
            stack.close()

    def insert_rows(self) -> None:
        if self.rows:
            with self.connection.cursor() as cursor:
                # sqlite3's own cursor: Django's wrapper feeds executemany through an iterator (to peek
                # at the first row), which costs a third of the insert.
                cursor.connection.executemany(self.insert_statement, self.rows)
            self.rows = []


def check_currency(organisation: Organisation, currency: str | None, rate: Decimal | None) -> tuple[str, str]:
    """The organisation's currency and the file's; SpendFormatError for a foreign currency without a rate."""
    own = currency_of(organisation)
    source = parse_currency(currency) if currency else own
    if rate is not None and rate <= 0:
        raise SpendFormatError(_("The rate must be more than zero."))
    if rate is not None and source == own:
        raise SpendFormatError(
            _("--rate converts from the file's currency: name it with --currency (it is not %(own)s).")
            % {"own": own}
        )
    if source != own and rate is None:
        raise SpendFormatError(
            _(
                "The file is in %(source)s but %(organisation)s keeps its accounts in %(own)s: give the "
                "rate with --rate (1 %(source)s = RATE %(own)s)."
            )
            % {"source": source, "own": own, "organisation": organisation.name}
        )
    return own, source


def import_spend(
    path: Path,
    organisation: Organisation,
    *,
    mapping: Path | dict[str, str] | None = None,
    currency: str | None = None,
    rate: Decimal | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    is_demo: bool = False,
    progress_every: int = PROGRESS_EVERY,
    on_lines: Callable[[int], None] | None = None,
) -> SpendImportReport:
    """Import a CSV or XLSX extract of spend lines for an organisation; SpendImportError lists every problem.

    `currency` is the file's currency (the organisation's by default); lines in another currency
    than the organisation's are converted with `rate` (1 unit of `currency` = `rate` of the
    organisation's), and refused without it. Every `progress_every` lines, `progress` gets a message
    and `on_lines` (when given) the number of lines read so far; `on_lines` hears the last count too.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be 1 or more, not {batch_size}.")
    say = progress or (lambda message: logger.info("%s", message))
    path = Path(path)
    started = time.perf_counter()
    try:
        own, source = check_currency(organisation, currency, rate)
        names = read_mapping(mapping) if isinstance(mapping, Path | str) else mapping
    except (SpendFormatError, FieldError) as error:
        raise SpendImportError([Problem(0, "", str(error))]) from None
    report = SpendImportReport(
        file_name=path.name, organisation=organisation.name, currency=own, dry_run=dry_run
    )
    if not path.is_file():
        reason = _("is a folder, not a file") if path.is_dir() else _("no such file")
        raise SpendImportError([Problem(0, "", f"{path}: {reason}")])
    digest, raw_digest = file_hashes(path)
    # Imports before content hashes were kept by the bytes' hash: both are looked for.
    earlier = SpendImport.objects.filter(
        organisation=organisation, content_hash__in={digest, raw_digest}
    ).first()
    if earlier is not None:
        report.already_imported = earlier
        return report
    top = organisation.top()
    connection = connections[SpendLine.objects.db]
    try:
        with open_sheet(path) as sheet, transaction.atomic(using=connection.alias):
            columns = recognise(sheet.headers, names)
            report.unused_columns = columns.unused
            batch = SpendImport.objects.create(
                organisation=organisation,
                file_name=path.name[:300],
                content_hash=digest,
                currency=own,
                source_currency=source,
                rate=rate if rate is not None else Decimal(1),
                is_demo=is_demo,
            )
            offices = Offices(organisation, is_demo=is_demo)
            book = SupplierBook(top, is_demo=is_demo)
            known_suppliers = len(book.by_orgnr) + len(book.unresolved)
            context = Context(
                batch=batch,
                offices=offices,
                book=book,
                categories=Categories(top),
                report=report,
                own=own,
                source=source,
                rate=rate,
                connection=connection,
                say=say,
                batch_size=batch_size,
                started=started,
                progress_every=progress_every,
                on_lines=on_lines,
            )
            read_lines(sheet, columns, context)
            merges, numbered = book.settle()
            merge_suppliers(top, merges)
            report.linked_by_name = len(merges) + numbered
            report.offices_created = offices.created
            report.unresolved = Supplier.objects.filter(organisation=top).unresolved().count()
            report.suppliers = len(book.by_orgnr) + len(book.unresolved)
            report.new_suppliers = max(0, report.suppliers - known_suppliers)
            batch.lines, batch.credit_lines, batch.total_ore = (
                report.lines,
                report.credit_lines,
                report.total_ore,
            )
            batch.first_date = report.first_date or None
            batch.last_date = report.last_date or None
            batch.save()
            report.batch = batch
            if dry_run:
                transaction.set_rollback(True, using=connection.alias)
    except SpendFormatError as error:
        raise SpendImportError([Problem(0, "", str(error))]) from None
    if not dry_run:
        # The reports' columnar copy, written now rather than by the first report to ask.
        cube.ensure(top)
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class Context:
    """What the loop over the rows needs besides the rows: where to put them and how to convert them."""

    batch: SpendImport
    offices: Offices
    book: SupplierBook
    categories: Categories
    report: SpendImportReport
    own: str
    source: str
    rate: Decimal | None
    connection: object
    say: Progress
    batch_size: int
    started: float
    progress_every: int = PROGRESS_EVERY
    on_lines: Callable[[int], None] | None = None


def read_lines(sheet, columns, context: Context) -> None:
    """Validate every row and insert the valid ones in batches; SpendImportError if any row is bad.

    This loop runs once a line: it keeps what it needs in local names and looks up what repeats in
    dictionaries before calling a parser. After the first problem it stops inserting but goes on
    validating, so the report lists every problem in the file.
    """
    index, headers = columns.index, columns.headers
    width = len(headers)
    i_date, i_amount = index["date"], index["amount"]
    i_orgnr, i_supplier = index.get("orgnr", -1), index.get("supplier", -1)
    i_office, i_category = index.get("office", -1), index.get("category", -1)
    i_description, i_cpv = index.get("description", -1), index.get("cpv", -1)
    i_currency, i_size = index.get("currency", -1), index.get("size", -1)
    own, source, rate, connection = context.own, context.source, context.rate, context.connection
    book, batch_size = context.book, context.batch_size
    convert_all = rate is not None and i_currency < 0
    one = Decimal(1)
    vocabulary = set(CpvCode.objects.values_list("code8", flat=True))
    dates: dict = {}
    suppliers: dict = {}
    office_ids: dict = {}
    category_ids: dict = {}
    cpvs: dict = {"": "", None: ""}
    currencies: dict = {"": "", None: "", own: own}
    sizes: dict[int, str] = {}
    summary: dict[tuple, list[int]] = {}
    problems: list[Problem] = []
    problem_count = 0
    batch_id = context.batch.pk
    home = context.offices.organisation.pk
    lines = credits = total = 0
    first = last = ""
    writing = not context.report.dry_run
    every = context.progress_every
    next_progress = every

    def problem(number: int, position: int, reason: str) -> None:
        nonlocal problem_count
        problem_count += 1
        if len(problems) < KEPT_PROBLEMS:
            problems.append(Problem(number, headers[position] if position >= 0 else "", reason))

    with LineWriter(connection, batch_size) as writer:
        # A new office, category or block of supplier ids needs the connection: the COPY pauses.
        context.offices.before_write = context.categories.before_write = writer.pause
        book.before_write = writer.pause
        add = writer.add
        for number, cells in sheet.rows:
            if len(cells) < width:
                if not any(cells):
                    continue
                cells = [*cells, *[""] * (width - len(cells))]
            value = cells[i_date]
            day = dates.get(value)
            if day is None:
                try:
                    parsed = parse_date(value)
                    day = dates[value] = (parsed.isoformat(), parsed.year)
                except FieldError as error:
                    if all(cell in (None, "") for cell in cells):
                        continue
                    problem(number, i_date, error.reason)
            try:
                ore = parse_amount(cells[i_amount])
            except FieldError as error:
                problem(number, i_amount, error.reason)
                ore = 0
            if convert_all:
                ore = int((ore * rate).quantize(one, ROUND_HALF_EVEN))
            elif i_currency >= 0:
                value = cells[i_currency]
                code = currencies.get(value)
                if code is None:
                    try:
                        code = currencies[value] = parse_currency(value)
                    except FieldError as error:
                        problem(number, i_currency, error.reason)
                if code and code != own:
                    if code == source and rate is not None:
                        ore = int((ore * rate).quantize(one, ROUND_HALF_EVEN))
                    else:
                        problem(
                            number,
                            i_currency,
                            _(
                                "%(code)s is not %(own)s: give the file's currency and rate with "
                                "--currency and --rate"
                            )
                            % {"code": code, "own": own},
                        )
            key = (cells[i_orgnr] if i_orgnr >= 0 else "", cells[i_supplier] if i_supplier >= 0 else "")
            supplier = suppliers.get(key)
            if supplier is None:
                try:
                    supplier = suppliers[key] = book.resolve(*key)
                except FieldError as error:
                    position = i_orgnr if error.field == "orgnr" or i_supplier < 0 else i_supplier
                    problem(number, position, error.reason)
            if i_size >= 0 and cells[i_size]:
                try:
                    if (size := parse_size(cells[i_size])) and supplier is not None:
                        sizes[supplier] = size
                except FieldError as error:
                    problem(number, i_size, error.reason)
            office = home
            if i_office >= 0:
                value = cells[i_office]
                office = office_ids.get(value)
                if office is None:
                    try:
                        office = office_ids[value] = context.offices.resolve(value)
                    except FieldError as error:
                        problem(number, i_office, error.reason)
            value = cells[i_category] if i_category >= 0 else ""
            category = category_ids.get(value)
            if category is None:
                try:
                    category = category_ids[value] = context.categories.resolve(value)
                except FieldError as error:
                    problem(number, i_category, error.reason)
            cpv = ""
            if i_cpv >= 0:
                value = cells[i_cpv]
                cpv = cpvs.get(value)
                if cpv is None:
                    cpv = ""
                    try:
                        code = parse_cpv(value)
                        if vocabulary and code not in vocabulary:
                            raise FieldError(_("%(code)s is not in the CPV 2008 vocabulary") % {"code": code})
                        cpv = cpvs[value] = code
                    except FieldError as error:
                        problem(number, i_cpv, error.reason)
            description = cells[i_description] if i_description >= 0 else ""
            if description:
                if type(description) is not str or len(description) > DESCRIPTION_LIMIT:
                    try:
                        description = clean_text(description, "description")
                    except FieldError as error:
                        problem(number, i_description, error.reason)
                else:
                    description = description.strip()
            if problem_count:
                # Nothing will be written: the rest of the file is only checked, for the report.
                writing = False
                continue
            iso, year = day
            lines += 1
            total += ore
            if ore < 0:
                credits += 1
            if not first or iso < first:
                first = iso
            if iso > last:
                last = iso
            summary_key = (office, supplier, category, cpv[:2], year)
            sums = summary.get(summary_key)
            if sums is None:
                summary[summary_key] = [ore, 1]
            else:
                sums[0] += ore
                sums[1] += 1
            if writing:
                add((batch_id, number, iso, office, supplier, category, ore, cpv, description))
            if lines >= next_progress:
                next_progress += every
                if context.on_lines is not None:
                    context.on_lines(lines)
                elapsed = time.perf_counter() - context.started
                context.say(
                    _("%(lines)s lines, %(rate)s lines/s")
                    % {"lines": f"{lines:,}", "rate": f"{lines / elapsed:,.0f}"}
                )
        if problem_count:
            raise SpendImportError(problems, problem_count)
    if context.on_lines is not None:
        context.on_lines(lines)
    if writing:
        book.flush()
        add_summaries(book.top.pk, summary)
        for size in set(sizes.values()):
            Supplier.objects.filter(pk__in=[pk for pk, value in sizes.items() if value == size]).update(
                size_class=size
            )
    report = context.report
    report.lines, report.credit_lines, report.total_ore = lines, credits, total
    report.first_date, report.last_date = first, last


def parse_rate(text: str) -> Decimal:
    """A conversion rate from the command line: 11.52 or 11,52."""
    try:
        rate = Decimal(text.strip().replace(",", "."))
    except ArithmeticError:
        raise ValueError(text) from None
    if not rate.is_finite() or rate <= 0:
        raise ValueError(text)
    return rate
