"""Login throttling: after too many failed logins for one account, or from one address, refuse for a while.

The counters live in the default cache (Redis when REDIS_URL is set, otherwise each process's memory).
A window opens at the first failure and lasts SKALA_LOGIN_LOCKOUT_SECONDS; when the account or the
address has failed its limit within it, every login attempt for it is refused until the window ends,
even with the right password. Failures while refused are not counted, so the lock never outlasts
its window. A successful login clears the account's counter.
"""

import hashlib
import math
import time

from django.conf import settings
from django.contrib.auth.backends import BaseBackend, ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.dispatch import receiver
from django.utils.translation import ngettext

# Set on the request by ThrottleBackend when it refused, so the login form can say why.
REFUSED_ATTRIBUTE = "skala_login_refused_for"


def client_address(request) -> str:
    """Where a request came from: REMOTE_ADDR, or the last hop of SKALA_CLIENT_IP_HEADER behind a proxy."""
    if request is None:
        return ""
    header = settings.SKALA_CLIENT_IP_HEADER
    if header:
        # The right-most entry is the one our own proxy added; entries to its left are the client's word.
        forwarded = request.META.get(header, "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")


def cache_key(kind: str, value: str) -> str:
    # Hashed, so the cache holds no e-mail addresses and no key has characters a cache refuses.
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"skala:login-failures:{kind}:{digest}"


def subjects(username: str | None, address: str) -> list[tuple[str, int]]:
    """The counters one attempt touches, each with its limit."""
    found = []
    if username:
        found.append((cache_key("account", username), settings.SKALA_LOGIN_FAILURES_PER_ACCOUNT))
    if address:
        found.append((cache_key("address", address), settings.SKALA_LOGIN_FAILURES_PER_ADDRESS))
    return found


def refused_for(username: str | None, address: str) -> int:
    """Seconds until a login for this account from this address is allowed again; 0 when it is allowed now."""
    now = time.time()
    waits = []
    for key, limit in subjects(username, address):
        window = cache.get(key)
        if window is not None and window[0] >= limit:
            waits.append(max(1, math.ceil(window[1] - now)))
    return max(waits, default=0)


def record_failure(username: str | None, address: str) -> None:
    """Count one failed login against the account and the address."""
    lockout = settings.SKALA_LOGIN_LOCKOUT_SECONDS
    now = time.time()
    for key, _limit in subjects(username, address):
        count, ends = cache.get(key) or (0, now + lockout)
        if ends <= now:
            count, ends = 0, now + lockout
        # The window's end is kept with the count, so a later failure never extends the window.
        cache.set(key, (count + 1, ends), timeout=max(1, math.ceil(ends - now)))


def clear_account(username: str) -> None:
    """Forget an account's failures, after it logged in."""
    cache.delete(cache_key("account", username))


def refusal_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed logins for this account or from this address. Try again in %(minutes)s minute.",
        "Too many failed logins for this account or from this address. Try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


def refusal_error(request) -> ValidationError | None:
    """The login form's error when the last attempt was refused for throttling, else None."""
    seconds = getattr(request, REFUSED_ATTRIBUTE, 0)
    if not seconds:
        return None
    return ValidationError(refusal_message(seconds), code="throttled")


class ThrottleBackend(BaseBackend):
    """First of the authentication backends: it authenticates no one, but stops the others while locked.

    Raising PermissionDenied makes django.contrib.auth.authenticate() return None without asking
    any later backend, for every way in: the login page, the admin's login and anything else.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        seconds = refused_for(username, client_address(request))
        if seconds:
            if request is not None:
                setattr(request, REFUSED_ATTRIBUTE, seconds)
            raise PermissionDenied
        return None

    def get_user(self, user_id):
        # Being first, this backend is the one login() records when it is given none (force_login):
        # the session's person is then found as ModelBackend finds them.
        return ModelBackend().get_user(user_id)


@receiver(user_login_failed, dispatch_uid="skala.security.throttle.failed")
def count_failed_login(sender, credentials, request=None, **kwargs):
    if request is not None and getattr(request, REFUSED_ATTRIBUTE, 0):
        return
    record_failure(credentials.get("username"), client_address(request))


@receiver(user_logged_in, dispatch_uid="skala.security.throttle.logged_in")
def clear_after_login(sender, request, user, **kwargs):
    clear_account(user.get_username())
