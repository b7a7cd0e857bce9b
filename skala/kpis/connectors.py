"""Connectors pull values from core systems: an HTTP endpoint answering JSON (a JMESPath selector) or
CSV (column mapping), an SQL query through a read-only connection, CSV files dropped in a folder, and
Skala's own figures. A pull has a timeout and retries with back-off; a failed pull is recorded on the
connector with its reason and never deletes a value."""

import csv
import http.client
import io
import json
import logging
import os
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import jmespath
from django.utils import timezone
from django.utils.translation import gettext as _

from skala.kpis.credentials import decrypt
from skala.kpis.models import Connector, ConnectorKind
from skala.kpis.reach import ReachError, check_path, check_postgres, guarded_connection, resolve
from skala.kpis.series import FigureValueError, store

logger = logging.getLogger(__name__)


class PullError(Exception):
    """A pull failed; the message says why, for the figure's page."""


class GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = guarded_connection


class GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = guarded_connection


class GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(GuardedHTTPConnection, req)


class GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(GuardedHTTPSConnection, req, context=self._context)


class HttpOnlyRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Redirects are followed to http and https only: urllib would follow one to ftp, whose connection
    no guard sees (and which answers with whatever an internal service says first)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        scheme = urlsplit(newurl).scheme
        if scheme not in ("http", "https"):
            raise ReachError(
                _("The endpoint redirects to %(scheme)s, which Skala does not pull from.")
                % {"scheme": scheme or "?"}
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def guarded_opener() -> urllib.request.OpenerDirector:
    """An opener with nothing but the guarded http and https handlers: no proxy from the environment
    (the address checked must be the address connected to), no ftp, file or data handlers."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        GuardedHTTPHandler(),
        GuardedHTTPSHandler(),
        HttpOnlyRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


opener = guarded_opener()


def check_url(url: str) -> None:
    """An http(s) address whose host Skala may pull from (skala.kpis.reach)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PullError(_("Only http and https addresses are pulled."))
    try:
        port = parts.port
    except ValueError:
        raise PullError(_("The address %(url)s has no valid port.") % {"url": url[:200]}) from None
    try:
        resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    except ReachError as error:
        raise PullError(str(error)) from None


def fetch(connector: Connector) -> bytes:
    config = connector.config
    check_url(config["url"])
    request = urllib.request.Request(config["url"], headers={"Accept": "application/json, text/csv"})
    token = decrypt(connector.secret)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with opener.open(request, timeout=connector.timeout_seconds) as response:
            return response.read(10_000_000)
    except ReachError as error:  # a redirect, or a name that now resolves elsewhere
        raise PullError(str(error)) from None
    except urllib.error.HTTPError as error:
        raise PullError(_("The endpoint answered HTTP %(status)s.") % {"status": error.code}) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise PullError(
            _("The endpoint could not be reached: %(reason)s") % {"reason": getattr(error, "reason", error)}
        ) from None
    except (http.client.HTTPException, ValueError) as error:  # a broken answer, or a UnicodeDecodeError
        raise PullError(
            _("The endpoint's answer could not be read (%(kind)s).") % {"kind": type(error).__name__}
        ) from None


def points_from_json(body: bytes, config: dict) -> list[tuple]:
    """Points from JSON: the selector yields a list of objects, each with a period and a value field."""
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PullError(_("The answer is not JSON: %(error)s") % {"error": error}) from None
    selected = jmespath.search(config.get("selector", "@"), document)
    if not isinstance(selected, list):
        raise PullError(
            _("The selector %(selector)s did not find a list.") % {"selector": config.get("selector")}
        )
    period_field, value_field = config.get("period_field", "period"), config.get("value_field", "value")
    points = []
    for item in selected:
        if not isinstance(item, dict) or period_field not in item or value_field not in item:
            raise PullError(
                _("An item lacks %(period)s or %(value)s.") % {"period": period_field, "value": value_field}
            )
        points.append((item[period_field], item[value_field]))
    return points


def points_from_csv(text: str, config: dict) -> list[tuple]:
    """Points from CSV with a date column and a value column, named in the connector's settings."""
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    period_column, value_column = config.get("date_column", "date"), config.get("value_column", "value")
    if (
        reader.fieldnames is None
        or period_column not in reader.fieldnames
        or value_column not in reader.fieldnames
    ):
        raise PullError(
            _("The CSV has columns %(found)s; expected %(date)s and %(value)s.")
            % {"found": ", ".join(reader.fieldnames or []), "date": period_column, "value": value_column}
        )
    return [
        (row[period_column], row[value_column]) for row in reader if (row.get(value_column) or "").strip()
    ]


# What a query may do in SQLite: read tables and call functions; never ATTACH another file, write or
# change settings (the connection is read-only as well).
SQLITE_READING = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}


# Functions no query for a figure needs, some of them dangerous (fts3_tokenizer hands out pointers).
SQLITE_FORBIDDEN_FUNCTIONS = {"fts3_tokenizer", "load_extension", "readfile", "writefile", "edit"}


def only_reading(action, first, second, *_args) -> int:
    if action not in SQLITE_READING:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_FUNCTION and (second or "").lower() in SQLITE_FORBIDDEN_FUNCTIONS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def sqlite_path(url: str, owner=None) -> Path:
    raw = url.removeprefix("sqlite:///")
    if any(character in raw for character in "%?#"):
        # SQLite opens a URI, which would decode %2e%2e to .. after the folder was checked.
        raise PullError(_("A database path may not hold a percent sign, a question mark or a hash."))
    try:
        return check_path(raw, owner)
    except ReachError as error:
        raise PullError(str(error)) from None


def postgres_address(url: str) -> str:
    from psycopg import conninfo

    try:
        return check_postgres(conninfo.conninfo_to_dict(url))
    except ReachError as error:
        raise PullError(str(error)) from None
    except Exception as error:  # psycopg's own parse errors
        raise PullError(_("The database address cannot be read: %(error)s") % {"error": error}) from None


def check_database(url: str, owner=None) -> None:
    if url.startswith("sqlite:///"):
        sqlite_path(url, owner)
    elif url.startswith(("postgres://", "postgresql://")):
        postgres_address(url)
    else:
        raise PullError(_("The database address must be sqlite:/// or postgres://."))


def points_from_sql(connector: Connector) -> list[tuple]:
    """Rows of (period, value) from a query run through a read-only connection."""
    config = connector.config
    url = decrypt(connector.secret) or config.get("database", "")
    query = config["query"]
    if url.startswith("sqlite:///"):
        path = sqlite_path(url, connector.figure.owner)
        try:
            uri = f"file:{urllib.parse.quote(str(path))}?mode=ro"
            connection = sqlite3.connect(uri, uri=True, timeout=connector.timeout_seconds)
            try:
                connection.set_authorizer(only_reading)
                return [tuple(row[:2]) for row in connection.execute(query).fetchall()]
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise PullError(_("The query failed: %(error)s") % {"error": error}) from None
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        address = postgres_address(url)
        try:
            # No password file of the server's: only what the editor typed is sent.
            with psycopg.connect(
                url, hostaddr=address, connect_timeout=connector.timeout_seconds, passfile=os.devnull
            ) as connection:
                connection.read_only = True
                with connection.cursor() as cursor:
                    cursor.execute(f"SET statement_timeout = {int(connector.timeout_seconds) * 1000}")
                    cursor.execute(query)
                    return [tuple(row[:2]) for row in cursor.fetchall()]
        except psycopg.Error as error:
            raise PullError(_("The query failed: %(error)s") % {"error": error}) from None
    raise PullError(_("The database address must be sqlite:/// or postgres://."))


def drop_folder(config: dict, owner=None) -> Path:
    try:
        folder = check_path(config["folder"], owner)
    except ReachError as error:
        raise PullError(str(error)) from None
    if not folder.is_dir():
        raise PullError(_("The folder %(folder)s does not exist.") % {"folder": config["folder"]})
    return folder


def points_from_folder(connector: Connector) -> list[tuple]:
    """Every CSV file in the folder, oldest first; later files win for the same period."""
    owner = connector.figure.owner
    folder = drop_folder(connector.config, owner)
    points = []
    for path in sorted(folder.glob("*.csv"), key=lambda item: item.stat().st_mtime):
        try:
            check_path(path, owner)  # a link in the folder may point anywhere
        except ReachError as error:
            raise PullError(str(error)) from None
        try:
            points.extend(points_from_csv(path.read_text(encoding="utf-8-sig"), connector.config))
        except UnicodeDecodeError as error:
            raise PullError(
                _("%(file)s is not UTF-8 text (byte %(byte)s).") % {"file": path.name, "byte": error.start}
            ) from None
        except PullError as error:
            raise PullError(f"{path.name}: {error}") from None
    return points


def check_settings(kind: str, config: dict, credentials: str = "", owner=None) -> None:
    """Refuse, when the connector is set up, what a pull would refuse: an address or a path Skala does
    not read from, or a missing setting. Raises PullError with the reason."""
    try:
        if kind in (ConnectorKind.HTTP_JSON, ConnectorKind.HTTP_CSV):
            check_url(config["url"])
        elif kind == ConnectorKind.SQL:
            if "query" not in config:
                raise KeyError("query")
            check_database(credentials or config.get("database", ""), owner)
        elif kind == ConnectorKind.FOLDER_CSV:
            drop_folder(config, owner)
    except KeyError as missing:
        raise PullError(_("The settings lack %(key)s.") % {"key": missing}) from None


def points_for(connector: Connector) -> list[tuple]:
    kind = connector.kind
    if kind == ConnectorKind.HTTP_JSON:
        return points_from_json(fetch(connector), connector.config)
    if kind == ConnectorKind.HTTP_CSV:
        return points_from_csv(fetch(connector).decode("utf-8", errors="replace"), connector.config)
    if kind == ConnectorKind.SQL:
        return points_from_sql(connector)
    if kind == ConnectorKind.FOLDER_CSV:
        return points_from_folder(connector)
    if kind == ConnectorKind.SKALA:
        from skala.kpis.own import measure

        return measure(connector.config.get("measure", ""), connector.figure)
    raise PullError(_("Unknown connector kind %(kind)s.") % {"kind": kind})


def pull(connector: Connector, *, pause: float = 1.0) -> int:
    """Pull once, retrying with a growing pause; record success or why it failed. Returns the points read."""
    connector.last_attempt_at = timezone.now()
    error = ""
    for attempt in range(1, connector.retries + 2):
        try:
            points = points_for(connector)
            report = store(connector.figure, points, source=connector.kind, unit=connector.config.get("unit"))
        except (PullError, FigureValueError) as failure:
            error = str(failure)
        except KeyError as missing:
            error = _("The settings lack %(key)s.") % {"key": missing}
        except Exception:
            # A fault of ours or a source's we did not foresee: the other connectors still pull, and the
            # figure's page says so without showing details an editor should not see.
            logger.exception("Pull of connector %s crashed", connector.pk)
            error = _("The pull failed in a way Skala did not foresee; the details are in the server's log.")
        else:
            connector.last_success_at, connector.last_error = timezone.now(), ""
            connector.save(update_fields=["last_attempt_at", "last_success_at", "last_error"])
            return report.created + report.updated + report.unchanged
        logger.warning("Pull of connector %s failed (attempt %s): %s", connector.pk, attempt, error)
        if attempt <= connector.retries:
            time.sleep(pause * 2 ** (attempt - 1))
    connector.last_error = error
    connector.save(update_fields=["last_attempt_at", "last_error"])
    return 0


def due(now=None):
    """Active connectors whose time has come."""
    now = now or timezone.now()
    return [
        connector
        for connector in Connector.objects.filter(active=True).select_related("figure")
        if connector.last_attempt_at is None
        or (now - connector.last_attempt_at).total_seconds() >= connector.every_minutes * 60
    ]
