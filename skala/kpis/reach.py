"""What a key-figure connector may reach. The person who sets one up is an editor of a buyer, not the
operator of the server: left unchecked, an address or a path they type would let them read Skala's
own database, its uploaded files, or services only the server can see (a request forged through the
server). So:

- HTTP and database connections go to public addresses only, or to the networks and host names the
  operator lists in ``SKALA_CONNECTOR_NETWORKS`` (a municipality's core systems are usually on its
  own network). The address is checked as connected, after DNS and after every redirect, so neither
  a name that resolves differently later nor a redirect gets round it. Skala's own site
  (``SITE_URL``) may always be pulled: it answers no more than it answers anyone.
- Files (CSV drop folders, SQLite databases) are read only below the folders the operator lists in
  ``SKALA_CONNECTOR_FOLDERS``, and never from Skala's own database or uploads.
- Skala's own database is refused even on an allowed network.
"""

import ipaddress
import socket
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class ReachError(Exception):
    """The connector points somewhere Skala does not pull from; the message says where and why."""


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_networks() -> tuple[list[Network], set[str]]:
    """The operator's list split into networks (10.20.0.0/16, 192.0.2.7) and host names."""
    networks, hosts = [], set()
    for item in settings.SKALA_CONNECTOR_NETWORKS:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            hosts.add(item.lower().rstrip("."))
    return networks, hosts


def site_origin() -> tuple[str, int]:
    parts = urlsplit(settings.SITE_URL)
    return (parts.hostname or "").lower(), parts.port or (443 if parts.scheme == "https" else 80)


def check_address(address: str, *, host: str, port: int) -> None:
    """Refuse an address on a private, loopback, link-local or reserved network unless the operator
    allows its network or its host name, or it is Skala's own site."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    ip = embedded_ipv4(ip) or ip
    networks, hosts = allowed_networks()
    if any(ip in network for network in networks) or host.lower().rstrip(".") in hosts:
        return
    if (host.lower(), port) == site_origin():
        return
    if ip.is_global and not ip.is_multicast:
        return
    raise ReachError(
        _(
            "%(host)s is on a network Skala does not pull from (%(address)s). The operator may allow it "
            "in SKALA_CONNECTOR_NETWORKS."
        )
        % {"host": host, "address": ip}
    )


# IPv6 ranges that carry an IPv4 address inside: a gateway would take them there (NAT64 to 10.0.0.5,
# 6to4, the old IPv4-compatible form), so they are judged by the IPv4 address they carry.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(ip) -> ipaddress.IPv4Address | None:
    if ip.version != 6:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to, each checked; an unknown name is refused plainly."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ReachError(_("The host %(host)s is not known.") % {"host": host}) from None
    addresses = list(dict.fromkeys(info[4][0].split("%", 1)[0] for info in found))
    for address in addresses:
        check_address(address, host=host, port=port)
    return addresses


def guarded_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None, **kwargs):
    """socket.create_connection that refuses, before a byte is sent, a peer Skala does not pull from."""
    host, port = address[0], address[1]
    resolve(host, port)  # refused before a connection is even tried: no port is probed
    connection = socket.create_connection(address, timeout, source_address, **kwargs)
    try:
        check_address(connection.getpeername()[0], host=host, port=port)
    except ReachError:
        connection.close()
        raise
    return connection


def own_database() -> dict:
    from django.db import connections

    return connections["default"].settings_dict


def server_addresses(host: str) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Where a database host is: loopback for a local socket or no host, else what the name resolves to."""
    if not host or host.startswith("/"):
        host = "localhost"
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return set()
    return {ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in found}


def same_server(ours: set, theirs: set) -> bool:
    loopback = any(ip.is_loopback for ip in ours) and any(ip.is_loopback for ip in theirs)
    return loopback or bool(ours & theirs)


# What a connector's database address may say; the rest (passfile, service, sslkey, options…) would let
# the person who types it make the server read its own files or change how it connects.
POSTGRES_PARAMETERS = {
    "host",
    "port",
    "dbname",
    "user",
    "password",
    "sslmode",
    "connect_timeout",
    "application_name",
}


def check_postgres(conninfo: dict) -> str:
    """The one checked address to connect to for a PostgreSQL connection's settings (as psycopg parses
    them); refuses a socket, several hosts, a disallowed network, parameters beyond the plain ones and
    Skala's own database."""
    unknown = sorted(set(conninfo) - POSTGRES_PARAMETERS)
    if unknown:
        raise ReachError(
            _("The database address may not set %(parameters)s.") % {"parameters": ", ".join(unknown)}
        )
    host = conninfo.get("host", "")
    if not host or host.startswith("/") or "," in host:
        raise ReachError(_("The database address must name one host: a local socket is not pulled from."))
    port = int(conninfo.get("port") or 5432)
    addresses = resolve(host, port)
    own = own_database()
    if (
        own["ENGINE"].endswith("postgresql")
        and effective_database(conninfo) == own.get("NAME")
        and int(own.get("PORT") or 5432) == port
        and same_server(server_addresses(own.get("HOST", "")), {ipaddress.ip_address(a) for a in addresses})
    ):
        raise ReachError(_("A connector never reads Skala's own database."))
    return addresses[0]


def effective_database(conninfo: dict) -> str:
    """The database libpq connects to: the one named, else the user's name, else the server's user."""
    import getpass

    return conninfo.get("dbname") or conninfo.get("user") or getpass.getuser()


def forbidden_files() -> list[Path]:
    """Skala's own database file and uploads: never read by a connector, whatever the folders say."""
    forbidden = [Path(settings.MEDIA_ROOT), Path(settings.SKALA_SPEND_DIR)]
    own = own_database()
    if own["ENGINE"].endswith("sqlite3"):
        forbidden.append(Path(own["NAME"]))
    return [path.resolve() for path in forbidden]


def folder_key(owner) -> str:
    """The name of an organisation's own folder below each connector folder: its (top organisation's)
    organisation number, or org-<id> without one. One buyer's core-system files are not another's."""
    top = owner.top()
    return top.orgnr.replace(" ", "") or f"org-{top.pk}"


def check_path(path: str | Path, owner=None) -> Path:
    """The resolved path, if it lies below one of the operator's connector folders (below the owner's
    own folder there, when the owner is given) and is not Skala's."""
    resolved = Path(path).expanduser().resolve()
    roots = [Path(root).expanduser().resolve() for root in settings.SKALA_CONNECTOR_FOLDERS]
    if owner is not None:
        roots = [root / folder_key(owner) for root in roots]
    if any(resolved == forbidden or resolved.is_relative_to(forbidden) for forbidden in forbidden_files()):
        raise ReachError(_("A connector never reads Skala's own database or uploaded files."))
    if not any(resolved.is_relative_to(root) for root in roots):
        raise ReachError(
            _(
                "%(path)s is not in a folder Skala reads from. The operator lists those in "
                "SKALA_CONNECTOR_FOLDERS (now: %(folders)s)."
            )
            % {"path": path, "folders": ", ".join(str(root) for root in roots) or _("none")}
        )
    return resolved
