"""Signed session and CSRF tokens, with no I/O: who is signed in, until when, and which form is theirs.

A session is a token the browser keeps in an HttpOnly cookie: the reviewer's
id, when it expires and a random nonce, signed with the console's secret
(HMAC-SHA256), so a cookie cannot be forged or extended and an expired one is
refused without a server-side table. Every POST must also carry the session's
CSRF token, derived from the session with the same secret: a page of another
site can make the browser send the cookie, never read the token, so it cannot
decide in a reviewer's name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

_SEPARATOR = "|"


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in reviewer, until ``expires_at``; ``nonce`` makes each sign-in's tokens distinct."""

    reviewer_id: str
    expires_at: datetime
    nonce: str


class SessionSigner:
    """Issues and checks session and CSRF tokens with one secret (random per process by default)."""

    def __init__(self, secret: bytes | None = None, ttl_s: float = 8 * 3600) -> None:
        self.secret = secret or secrets.token_bytes(32)
        self.ttl_s = ttl_s

    def _sign(self, purpose: str, message: str) -> str:
        digest = hmac.new(self.secret, f"{purpose}{_SEPARATOR}{message}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, reviewer_id: str, now: datetime) -> tuple[str, Session]:
        session = Session(reviewer_id, now + timedelta(seconds=self.ttl_s), secrets.token_urlsafe(12))
        body = _SEPARATOR.join((_b64(reviewer_id), str(int(session.expires_at.timestamp())), session.nonce))
        return f"{body}.{self._sign('session', body)}", session

    def check(self, token: str | None, now: datetime) -> Session | None:
        """The session a token stands for, or None if it is forged, malformed or expired."""
        if not token or "." not in token:
            return None
        body, signature = token.rsplit(".", 1)
        if not hmac.compare_digest(signature, self._sign("session", body)):
            return None
        try:
            reviewer, expires, nonce = body.split(_SEPARATOR)
            session = Session(_unb64(reviewer), datetime.fromtimestamp(int(expires), timezone.utc), nonce)
        except ValueError:
            return None
        return session if now < session.expires_at else None

    def csrf_token(self, session: Session) -> str:
        return self._sign("csrf", _SEPARATOR.join((session.reviewer_id, session.nonce)))

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(str(token), self.csrf_token(session))


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(text: str) -> str:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
