"""OCOP rules: score bands, certified stars, levels, expiry clamp, status."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from vietnam import ocop

D = dt.date


@pytest.mark.parametrize(
    ("score", "stars"),
    [
        (100, 5),
        (90, 5),
        (decimal.Decimal("90.00"), 5),
        (89.99, 4),
        (decimal.Decimal("89.5"), 4),
        (70, 4),
        (69.99, 3),  # exactly as entered: rounding to one decimal first would make it 70.0, 4★
        (decimal.Decimal("69.95"), 3),
        (69.9, 3),
        (50, 3),
        ("50.00", 3),
        (49.99, 2),
        (49.95, 2),  # rounding first would make it 50.0, 3★
        (30, 2),
        (29.9, 1),
        (0, 1),
    ],
)
def test_score_bands_are_half_open_on_the_score_as_entered(score: float, stars: int) -> None:
    assert ocop.stars_for_score(score) == stars


@pytest.mark.parametrize("score", [-1, -0.01, 100.01, 250, "NaN", "Infinity", "abc"])
def test_score_outside_0_100_is_refused(score: float) -> None:
    with pytest.raises(ocop.RuleError) as raised:
        ocop.stars_for_score(score)
    assert (raised.value.field, raised.value.code) == ("score", "score_range")


@pytest.mark.parametrize("score", [69.999, decimal.Decimal("49.951"), "89.995", 0.1 + 0.2])
def test_a_score_with_more_than_two_decimals_is_refused_not_rounded(score: object) -> None:
    with pytest.raises(ocop.RuleError) as raised:
        ocop.stars_for_score(score)  # type: ignore[arg-type]
    assert (raised.value.field, raised.value.code) == ("score", "score_precision")


def test_trailing_zeros_are_not_extra_decimals() -> None:
    assert ocop.stars_for_score(decimal.Decimal("69.9900")) == 3


@pytest.mark.parametrize(("score", "stars"), [(49.95, None), (49.99, None), (49.95, 3)])
def test_just_below_fifty_is_not_certifiable(score: float, stars: int | None) -> None:
    with pytest.raises(ocop.RuleError) as raised:
        ocop.certificate_stars(score, stars)
    assert raised.value.field in ("score", "stars")
    assert raised.value.code in ("not_certified", "mismatch")


@pytest.mark.parametrize(("score", "stars"), [(50, 3), (69.99, 3), (70, 4), (89.99, 4), (90, 5)])
def test_certified_stars_at_the_band_edges(score: float, stars: int) -> None:
    assert ocop.certificate_stars(score, None) == stars
    assert ocop.certificate_stars(score, stars) == stars


def test_69_99_entered_with_4_stars_is_a_mismatch() -> None:
    with pytest.raises(ocop.RuleError) as raised:
        ocop.certificate_stars(69.99, 4)
    assert (raised.value.field, raised.value.code) == ("stars", "mismatch")
    assert raised.value.params["derived"] == 3


def test_stars_derived_from_score_or_entered_and_checked() -> None:
    assert ocop.certificate_stars(72, None) == 4
    assert ocop.certificate_stars(None, 3) == 3
    assert ocop.certificate_stars(91, 5) == 5
    with pytest.raises(ocop.RuleError, match="gives 4★, not 5★") as raised:
        ocop.certificate_stars(85, 5)
    assert raised.value.field == "stars"


@pytest.mark.parametrize(("score", "stars"), [(45, None), (None, 2), (None, 1), (None, None)])
def test_only_three_to_five_stars_are_certified(score: float | None, stars: int | None) -> None:
    with pytest.raises(ocop.RuleError):
        ocop.certificate_stars(score, stars)


def test_levels() -> None:
    ocop.check_level(5, "central", D(2025, 9, 1))
    ocop.check_level(4, "province", D(2025, 9, 1))
    ocop.check_level(3, "district", D(2024, 3, 1))  # an older record
    for stars, level, day in [
        (4, "central", D(2024, 1, 1)),
        (5, "province", D(2024, 1, 1)),
        (4, "district", D(2024, 1, 1)),
        (3, "district", D(2025, 7, 6)),
    ]:
        with pytest.raises(ocop.RuleError) as raised:
            ocop.check_level(stars, level, day)
        assert raised.value.field == "level"


@pytest.mark.parametrize(
    ("decided", "expires"),
    [
        (D(2023, 2, 24), D(2026, 2, 24)),
        (D(2024, 2, 29), D(2027, 2, 28)),
        (D(2023, 5, 31), D(2026, 5, 31)),
        (D(2022, 12, 31), D(2025, 12, 31)),
        (D(2023, 3, 31), D(2026, 3, 31)),
    ],
)
def test_expiry_is_36_months_clamped_to_month_end(decided: dt.date, expires: dt.date) -> None:
    assert ocop.expires_on(decided) == expires


def test_add_months_clamps() -> None:
    assert ocop.add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert ocop.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert ocop.add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (D(2026, 1, 1), ocop.Status.ACTIVE),
        (D(2026, 3, 2), ocop.Status.ACTIVE),
        (D(2026, 3, 3), ocop.Status.EXPIRING),
        (D(2026, 5, 31), ocop.Status.EXPIRING),
        (D(2026, 6, 1), ocop.Status.EXPIRED),
    ],
)
def test_status_on_a_given_day(today: dt.date, status: ocop.Status) -> None:
    expiry = D(2026, 5, 31)  # 90 days after 2026-03-02
    assert ocop.status(expiry, today) == status


def test_status_bounds_agree_with_status() -> None:
    today = D(2026, 11, 28)
    for offset in range(-5, 100, 7):
        expiry = today + dt.timedelta(days=offset)
        wanted = ocop.status(expiry, today)
        low, high = ocop.status_bounds(wanted, today)
        assert (low is None or expiry >= low) and (high is None or expiry < high)
