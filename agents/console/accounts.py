"""Reviewer accounts: a file of ids and Argon2 password hashes, checked with argon2-cffi.

Only a hash is ever stored (Argon2id, the password-hashing competition's
winner, with argon2-cffi's tuned defaults), so a leaked file does not give
away a password. An unknown reviewer id costs as long to refuse as a wrong
password, so the sign-in page does not tell which ids exist.
"""

from __future__ import annotations

import re
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

REVIEWER_ID = re.compile(r"[A-Za-z0-9._@-]{1,128}")


class AccountsError(ValueError):
    """The accounts file cannot be read, or a line of it is not ``id:hash``."""


class Accounts:
    """Reviewer ids and their password hashes, from a file of ``id:argon2-hash`` lines (``#`` comments)."""

    def __init__(self, hashes: dict[str, str], hasher: PasswordHasher | None = None) -> None:
        self.hashes = hashes
        self.hasher = hasher or PasswordHasher()
        self._dummy: str | None = None  # hashed on the first unknown id: as slow to refuse as a known one

    @classmethod
    def load(cls, path: Path) -> Accounts:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise AccountsError(f"cannot read the accounts file {path}: {exc}") from exc
        hashes: dict[str, str] = {}
        for number, line in enumerate(lines, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            reviewer, _, digest = line.partition(":")
            if not REVIEWER_ID.fullmatch(reviewer) or not digest.startswith("$argon2"):
                raise AccountsError(f"{path}:{number}: not `reviewer-id:argon2-hash`")
            hashes[reviewer] = digest
        return cls(hashes)

    def verify(self, reviewer_id: str, password: str) -> bool:
        digest = self.hashes.get(reviewer_id)
        if digest is None and self._dummy is None:
            self._dummy = self.hasher.hash("no such reviewer")
        try:
            return self.hasher.verify(digest or self._dummy or "", password) and digest is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def account_line(reviewer_id: str, password: str, hasher: PasswordHasher | None = None) -> str:
    """The line of the accounts file for this reviewer."""
    if not REVIEWER_ID.fullmatch(reviewer_id):
        raise AccountsError(f"a reviewer id is 1-128 letters, digits or . _ @ -, got {reviewer_id!r}")
    if not password:
        raise AccountsError("an empty password is not a password")
    return f"{reviewer_id}:{(hasher or PasswordHasher()).hash(password)}\n"


def add_account(path: Path, reviewer_id: str, password: str) -> None:
    """Append (or replace) the reviewer's line in the accounts file, created if missing."""
    kept = []
    if path.exists():
        kept = [line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                if line.partition(":")[0].strip() != reviewer_id]
    path.write_text("".join(kept) + account_line(reviewer_id, password), encoding="utf-8")
    path.chmod(0o600)
