"""bench/national's comparison: what it calls equal, and what it reports as different."""

from __future__ import annotations

import copy

from bench.national import duck, run


def _answer() -> duck.Answer:
    figures = {"gmv": 1000, "net_gmv": 900, "orders": 9, "units": 12, "buyers": 5000}
    return duck.Answer(
        totals=dict(figures),
        months={"2026-11": dict(figures)},
        places={"7": dict(figures)},
        tables={
            "product": [("3", {**figures, "buyers": None}), ("1", {**figures, "buyers": None})],
            "platform": [("tiktok", dict(figures))],
        },
    )


def test_equal_answers_compare_equal_and_count_their_figures() -> None:
    compared = run.compare(_answer(), _answer(), clubs_single_month=True)
    assert compared.differences == []
    # 4 additive figures in totals, 1 month, 1 place, 2 products and 1 platform
    assert compared.figures == 4 * 6
    assert compared.exact_buyers == 1  # the place (a club's single month)
    assert compared.estimated_buyers == 3  # totals, the month, the platform


def test_an_exact_figure_off_by_one_is_a_difference() -> None:
    app = _answer()
    app.places["7"]["units"] = 13
    compared = run.compare(app, _answer(), clubs_single_month=False)
    assert compared.differences == ["places[7]: units 13 vs 12"]


def test_buyers_estimates_pass_within_the_sketch_error_and_fail_beyond() -> None:
    near = _answer()
    near.totals["buyers"] = 5000 + 327  # 4 × 1.625 % of 5000 is 325, plus 2
    assert run.compare(near, _answer(), clubs_single_month=False).differences == []
    near.totals["buyers"] += 1
    assert run.compare(near, _answer(), clubs_single_month=False).differences != []
    far = _answer()
    far.totals["buyers"] = 5000 + 400
    compared = run.compare(far, _answer(), clubs_single_month=False)
    assert compared.differences == ["totals: buyers ≈5400 vs 5000"]
    assert abs(compared.worst_buyers_error - 0.08) < 1e-9
    # where the app counts exactly (a club's single month), one buyer off is a difference
    exact = _answer()
    exact.places["7"]["buyers"] = 5001
    assert run.compare(exact, _answer(), clubs_single_month=True).differences == [
        "places[7]: buyers 5001 vs 5000"
    ]


def test_the_top_list_must_come_in_the_same_order() -> None:
    app = _answer()
    app.tables["product"].reverse()
    compared = run.compare(app, copy.deepcopy(_answer()), clubs_single_month=False)
    assert compared.differences == ["product: order ['1', '3'] vs ['3', '1']"]


def test_requests_cover_the_country_and_provinces_spread_over_the_list() -> None:
    chosen = run.requests([1, 4, 8, 11, 12, 15], 3)
    assert [r.province for r in chosen] == [None] * 3 + [1] * 3 + [8] * 3 + [12] * 3
    assert chosen[2].months[0].isoformat() == "2025-12-01" and len(chosen[2].months) == 12
    assert chosen[1].utc_bounds()[0].isoformat() == "2026-08-31T17:00:00"


def test_the_daily_chart_is_compared_day_by_day_when_the_app_draws_it() -> None:
    ref = _answer()
    ref.days = {"2026-11-01": 900, "2026-11-02": 0}
    app = _answer()
    app.days = {"2026-11-01": 900, "2026-11-02": 0}
    compared = run.compare(app, ref, clubs_single_month=False)
    assert compared.differences == [] and compared.days == 2
    app.days["2026-11-02"] = 1
    assert run.compare(app, ref, clubs_single_month=False).differences == [
        "days: [] ['2026-11-02']"
    ]
    # over a long period the app draws no daily chart: nothing to compare
    app.days = {}
    assert run.compare(app, ref, clubs_single_month=False).days == 0
