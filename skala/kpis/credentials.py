"""Connector credentials, stored encrypted with a key derived from the site's secret key."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def fernet() -> Fernet:
    # A key of its own for credentials, derived from SECRET_KEY, so the secret key itself is never used raw.
    digest = hashlib.sha256(f"skala-connector-credentials:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    """The credentials; empty when none are stored. A token made under another secret key is refused."""
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("The stored credentials cannot be read: the secret key has changed.") from None
