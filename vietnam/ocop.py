"""OCOP rules (Decision 148/QĐ-TTg as amended by 1489/QĐ-TTg): the one place they live.

Score → stars bands, which stars and levels a certificate may carry, when it
expires and what its status is on a given day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import enum

VALIDITY_MONTHS = 36
EXPIRING_DAYS = 90
SCORE_PLACES = 2  # a score is entered with at most two decimals (69.99) and never rounded
CERTIFIED_STARS = (3, 4, 5)
# From 6 Jul 2025 only province (3★, 4★) and central (5★) assessments exist.
AMENDMENT_DATE = dt.date(2025, 7, 6)

Number = int | float | decimal.Decimal


class Status(enum.StrEnum):
    ACTIVE = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"


class RuleError(ValueError):
    """A certificate breaks an OCOP rule.

    ``field`` names the offending input and ``code`` the rule, so each interface
    can word it in its own language; ``params`` carries the numbers involved.
    """

    def __init__(self, field: str, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.params = params


def stars_for_score(score: Number) -> int:
    """[90, 100] → 5★, [70, 90) → 4★, [50, 70) → 3★, [30, 50) → 2★, below 30 → 1★.

    The bands apply to the score exactly as entered (at most two decimals, never rounded
    first): 69.99 is 3★, 89.99 is 4★, 49.95 is 2★ (not certifiable).
    """
    try:
        value = decimal.Decimal(str(score))
    except decimal.InvalidOperation:
        raise RuleError("score", "score_range", "score must be between 0 and 100") from None
    if not value.is_finite() or value < 0 or value > 100:
        raise RuleError("score", "score_range", "score must be between 0 and 100")
    if value != value.quantize(decimal.Decimal(1).scaleb(-SCORE_PLACES)):
        raise RuleError(
            "score",
            "score_precision",
            f"a score has at most {SCORE_PLACES} decimals (as written on the decision)",
        )
    for floor, stars in ((90, 5), (70, 4), (50, 3), (30, 2)):
        if value >= floor:
            return stars
    return 1


def certificate_stars(score: Number | None, stars: int | None) -> int:
    """The stars a certificate carries: derived from the score, or entered and checked.

    Only 3★–5★ are certified; an entered rating must agree with the score's band.
    """
    if score is None and stars is None:
        raise RuleError("stars", "missing", "enter the score or the star rating")
    derived = stars_for_score(score) if score is not None else None
    if stars is not None and derived is not None and stars != derived:
        raise RuleError(
            "stars",
            "mismatch",
            f"a score of {score} gives {derived}★, not {stars}★",
            score=score,
            derived=derived,
            stars=stars,
        )
    result = stars if stars is not None else derived
    assert result is not None
    if result not in CERTIFIED_STARS:
        raise RuleError(
            "score" if score is not None else "stars",
            "not_certified",
            f"{result}★ is not certified: OCOP certifies 3★ to 5★ (score 50+)",
        )
    return result


def check_level(stars: int, level: str, decision_date: dt.date) -> None:
    """Central ⇔ 5★; district only for 3★ decided before the 2025 amendment."""
    if level == "central" and stars != 5:
        raise RuleError("level", "central_is_5", "central-level certificates are 5★")
    if stars == 5 and level != "central":
        raise RuleError("level", "five_is_central", "5★ is assessed at central level")
    if level == "district":
        if stars != 3:
            raise RuleError("level", "district_is_3", "district-level certificates are 3★")
        if decision_date >= AMENDMENT_DATE:
            raise RuleError(
                "level", "district_abolished", "there is no district level after 6 Jul 2025"
            )


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` later, clamped to the month's last day (29 Feb → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expires_on(decision_date: dt.date) -> dt.date:
    """A certificate is valid 36 months from its decision date."""
    return add_months(decision_date, VALIDITY_MONTHS)


def status(expiry: dt.date, today: dt.date) -> Status:
    """Expired after the expiry date; expiring while fewer than 90 days are left."""
    days_left = (expiry - today).days
    if days_left < 0:
        return Status.EXPIRED
    if days_left < EXPIRING_DAYS:
        return Status.EXPIRING
    return Status.ACTIVE


def status_bounds(wanted: Status, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """Expiry dates [low, high) that have status ``wanted`` today (for database filters)."""
    soon = today + dt.timedelta(days=EXPIRING_DAYS)
    if wanted == Status.EXPIRED:
        return None, today
    if wanted == Status.EXPIRING:
        return today, soon
    return soon, None
