"""Email addresses in one canonical form, so look-alikes are one account (full-width letters
such as U+FF21 for `A`, `ß` and `ss`, upper and lower case).

NFKC folds compatibility characters (full-width letters), case-folding folds case (`ß` → `ss`),
then `email-validator` checks the syntax (no DNS look-up) and normalises the domain (IDNA).
Both sign-up and sign-in go through `normalize_email`; migration 0002 applied it to stored rows.
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email


class InvalidEmailError(ValueError):
    """Not an email address; the message is one plain sentence."""


def _fold(value: str) -> str:
    # NFKC_Casefold as Unicode defines it (NFKC, case-fold, NFKC again).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


def normalize_email(value: str) -> str:
    """The canonical form of an address; raises `InvalidEmailError` when it is not one."""
    try:
        checked = validate_email(_fold(value.strip()), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidEmailError("This is not a valid email address.") from None
    return _fold(checked.normalized)


def lookup_form(value: str) -> str:
    """The canonical form when there is one, else the folded text (for look-ups: never raises)."""
    try:
        return normalize_email(value)
    except InvalidEmailError:
        return _fold(value.strip())
