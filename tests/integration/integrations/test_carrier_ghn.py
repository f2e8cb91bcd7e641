"""The GHN adapter against the sandbox GHN over real HTTP on 127.0.0.1: quotes, bookings
(COD, weight and size, items, 2025 and old names), the print link, cancellation, status
webhooks to a local receiver (with GHN's retries), polling, lost replies and the rate limit.

Fees are the sandbox's price list (``sandbox.carriers.ghn``), computed here by hand."""

from __future__ import annotations

import pytest
import requests

from integrations import errors
from integrations.carriers import base
from integrations.carriers.ghn import GHNCarrier
from sandbox.carriers import ghn as sandbox_ghn
from tests.support import carriers as kit

served, rig = kit.fixtures("ghn", sandbox_ghn.GHNSandbox, sandbox_ghn.demo_config)
Servers = kit.Served


def test_quote_lists_each_service_cheapest_first(rig: kit.Rig) -> None:
    quotes = rig.carrier.quote(kit.shipment("DH0000001-1"))
    # 1,200 g (volume 20×15×10 ÷ 5 = 600 g) between provinces: 2 steps of 500 g above 500 g;
    # insurance 0.5 % of 1,500,000 = 7,500
    assert [(q.service, q.fee, q.insurance_fee) for q in quotes] == [
        ("2", 30_000 + 2 * 5_000 + 7_500, 7_500),
        ("5", 40_000 + 2 * 2_500 + 7_500, 7_500),
    ]
    assert all(q.carrier == "ghn" and q.service_name for q in quotes)
    near = rig.carrier.quote(kit.shipment("DH0000001-1", recipient=kit.NEARBY))
    assert [q.fee for q in near] == [22_000 + 10_000 + 7_500, 32_000 + 5_000 + 7_500]
    bulky = rig.carrier.quote(kit.shipment("DH0000001-1", size=(40, 30, 20)))
    # volume weight 4,800 g: 9 steps; heavy goods cost less per step, so they come first
    assert [(q.service, q.fee) for q in bulky] == [
        ("5", 40_000 + 9 * 2_500 + 7_500),
        ("2", 30_000 + 9 * 5_000 + 7_500),
    ]


def test_unknown_place_is_refused(rig: kit.Rig) -> None:
    with pytest.raises(errors.ValidationFailed) as refused:
        rig.carrier.quote(kit.shipment("DH0000002-1", recipient=kit.NOWHERE))
    assert refused.value.reason == "carrier_refused" and refused.value.status == 400
    with pytest.raises(errors.ValidationFailed):
        rig.carrier.book(kit.shipment("DH0000002-1", recipient=kit.NOWHERE))
    assert rig.admin("stats")["parcels"] == 0


def test_book_sends_cod_weight_size_items_and_2025_names(rig: kit.Rig) -> None:
    booking = rig.carrier.book(kit.shipment("DH0000003-1", cod=330_000))
    assert booking.created and booking.tracking_code.startswith("GA")
    assert (booking.reference, booking.fee, booking.carrier) == ("DH0000003-1", 47_500, "ghn")
    assert booking.sort_code and booking.expected_delivery is not None
    sent = rig.parcel(booking.tracking_code)
    assert (sent["reference"], sent["cod_amount"], sent["weight_g"]) == (
        "DH0000003-1",
        330_000,
        1_200,
    )
    assert sent["status"] == "ready_to_pick"
    parcels = {p["code"]: p for p in rig.admin("parcels")}
    assert list(parcels) == [booking.tracking_code]


def test_book_uses_old_names_when_the_place_has_them(rig: kit.Rig, served: Servers) -> None:
    booking = rig.carrier.book(kit.shipment("DH0000004-1", recipient=kit.LEGACY))
    sandbox = served[0].dialect
    assert isinstance(sandbox, sandbox_ghn.GHNSandbox)
    asked = sandbox.depot.parcels[booking.tracking_code].body["request"]
    assert (asked["to_province_name"], asked["to_district_name"], asked["to_ward_name"]) == (
        "Thành phố Hồ Chí Minh",
        "Quận 5",
        "Phường 2",
    )
    assert (asked["from_district_name"], asked["from_ward_name"]) == ("", "Phường Ba Đình")
    assert asked["items"][0] == {
        "name": "Trà Shan tuyết",
        "code": "OCOP-TRA-01",
        "quantity": 2,
        "price": 90_000,
        "weight": 300,
    }
    assert (asked["length"], asked["width"], asked["height"]) == (20, 15, 10)
    assert asked["client_order_code"] == "DH0000004-1" and asked["payment_type_id"] == 1


def test_a_second_booking_finds_the_first_parcel(rig: kit.Rig) -> None:
    first = rig.carrier.book(kit.shipment("DH0000005-1"))
    again = rig.carrier.book(kit.shipment("DH0000005-1"))
    assert not again.created
    assert (again.tracking_code, again.fee) == (first.tracking_code, first.fee)
    stats = rig.admin("stats")
    assert (stats["parcels"], stats["duplicates"], stats["create_calls"]) == (1, 0, 2)
    assert rig.carrier.find("DH0000099-9") is None


def test_label_is_a_print_link_valid_30_minutes(rig: kit.Rig) -> None:
    codes = [rig.carrier.book(kit.shipment(f"DH000001{i}-1")).tracking_code for i in range(2)]
    fixed = rig.another(clock=lambda: 1_750_000_000.0)
    document = fixed.label(codes, base.Paper.A5)
    assert document.content_type == "text/uri-list" and document.content == b""
    assert document.url.startswith(f"{rig.url}/a5/public-api/printA5?token=")
    assert document.expires_at is not None
    assert document.expires_at.timestamp() == 1_750_000_000 + 30 * 60
    page = requests.get(document.url, timeout=10)
    assert page.status_code == 200 and all(code in page.text for code in codes)
    small = rig.carrier.label(codes[:1], base.Paper.A6)
    assert "/print80x80?token=" in small.url
    with pytest.raises(errors.ValidationFailed):
        rig.carrier.label(["NO-SUCH-CODE"])


def test_cancel_before_pickup_and_too_late_after(rig: kit.Rig) -> None:
    early = rig.carrier.book(kit.shipment("DH0000020-1")).tracking_code
    late = rig.carrier.book(kit.shipment("DH0000021-1")).tracking_code
    rig.carrier.cancel(early)
    assert rig.carrier.track(early)[-1].status is base.ShipStatus.CANCELLED
    rig.carrier.cancel(early)  # again: already cancelled, fine
    rig.move(late, "picked")
    with pytest.raises(errors.ValidationFailed) as refused:
        rig.carrier.cancel(late)
    assert refused.value.reason == "too_late"
    assert rig.parcel(late)["status"] == "picked"


JOURNEY = [
    ("picking", base.ShipStatus.PICKING),
    ("money_collect_picking", base.ShipStatus.PICKING),
    ("picked", base.ShipStatus.PICKED_UP),
    ("storing", base.ShipStatus.IN_TRANSIT),
    ("transporting", base.ShipStatus.IN_TRANSIT),
    ("sorting", base.ShipStatus.IN_TRANSIT),
    ("delivering", base.ShipStatus.DELIVERING),
    ("money_collect_delivering", base.ShipStatus.DELIVERING),
    ("delivery_fail", base.ShipStatus.DELIVERY_FAILED),
    ("waiting_to_return", base.ShipStatus.DELIVERY_FAILED),
    ("return", base.ShipStatus.RETURNING),
    ("return_transporting", base.ShipStatus.RETURNING),
    ("return_sorting", base.ShipStatus.RETURNING),
    ("returning", base.ShipStatus.RETURNING),
    ("return_fail", base.ShipStatus.RETURNING),
    ("returned", base.ShipStatus.RETURNED),
    ("delivered", base.ShipStatus.DELIVERED),
    ("exception", base.ShipStatus.EXCEPTION),
    ("damage", base.ShipStatus.LOST),
    ("lost", base.ShipStatus.LOST),
    ("cancel", base.ShipStatus.CANCELLED),
    ("a_code_nobody_documented", base.ShipStatus.EXCEPTION),
]


def test_every_status_webhook_is_read_and_mapped(rig: kit.Rig) -> None:
    rig.listen()
    code = rig.carrier.book(kit.shipment("DH0000030-1")).tracking_code
    for status, _ in JOURNEY:
        rig.move(code, status)
    rig.move(code, "", cod_amount=250_000)  # the buyer's COD was changed
    rig.move(code, "", fee=52_000)  # the fee was corrected
    assert rig.admin("drain")["sent"] == len(JOURNEY) + 3
    updates = rig.updates()
    assert all(call.path == "/hooks/secret-key" for call in rig.receiver.calls)
    assert [(u.carrier_status, u.status) for u in updates[1:-2]] == JOURNEY
    created, cod, fee = updates[0], updates[-2], updates[-1]
    assert (created.status, created.reference, created.tracking_code) == (
        base.ShipStatus.CREATED,
        "DH0000030-1",
        code,
    )
    assert created.event_key.startswith(f"{code}|create|")
    assert (cod.cod_amount, cod.fee, cod.event_key.split("|")[1]) == (250_000, None, "update_cod")
    assert (fee.fee, fee.cod_amount, fee.event_key.split("|")[1]) == (52_000, None, "update_fee")
    assert len({u.event_key for u in updates}) == len(updates)  # one key per update
    assert set(GHNCarrier.STATUS_MAP) == {status for status, _ in JOURNEY[:-1]} | {"ready_to_pick"}


def test_the_same_webhook_twice_has_the_same_key(rig: kit.Rig) -> None:
    rig.listen()
    rig.admin("faults", {"duplicate_rate": 1.0, "seed": 1})
    code = rig.carrier.book(kit.shipment("DH0000031-1")).tracking_code
    rig.move(code, "picked")
    rig.admin("drain")
    keys = [u.event_key for u in rig.updates()]
    assert len(keys) == 4 and len(set(keys)) == 2


def test_track_reads_the_log_with_the_webhooks_keys(rig: kit.Rig) -> None:
    rig.listen()
    code = rig.carrier.book(kit.shipment("DH0000040-1")).tracking_code
    rig.move(code, "picking")
    rig.move(code, "picked")
    rig.admin("drain")
    polled = rig.carrier.track(code)
    assert [u.status for u in polled] == [
        base.ShipStatus.CREATED,
        base.ShipStatus.PICKING,
        base.ShipStatus.PICKED_UP,
    ]
    assert [u.event_key for u in polled] == [u.event_key for u in rig.updates()]
    assert all(u.reference == "DH0000040-1" for u in polled)
    with pytest.raises(errors.NotFound):
        rig.carrier.track("GA999999VN")


def test_a_webhook_answered_500_comes_again_5_s_later(rig: kit.Rig) -> None:
    rig.listen()
    code = rig.carrier.book(kit.shipment("DH0000050-1")).tracking_code
    rig.receiver.failing[code] = 2
    rig.admin("drain")
    attempts = rig.admin("attempts")
    assert [(a["attempt"], a["http_status"]) for a in attempts] == [(0, 500), (1, 500), (2, 200)]
    assert [u.carrier_status for u in rig.updates()] == ["ready_to_pick"]


def test_a_webhook_never_taken_is_tried_11_times(rig: kit.Rig) -> None:
    rig.listen()
    code = rig.carrier.book(kit.shipment("DH0000051-1")).tracking_code
    rig.receiver.failing[code] = 100
    rig.admin("drain")
    assert [a["attempt"] for a in rig.admin("attempts")] == list(range(11))  # 1 + 10 retries
    assert rig.receiver.taken() == []


def test_lost_replies_never_make_a_second_parcel(rig: kit.Rig) -> None:
    kit.check_lost_replies_make_no_second_parcel(rig, fee=47_500)


def test_over_the_rate_limit_the_sandbox_answers_429(rig: kit.Rig) -> None:
    assert GHNCarrier.rate_limit == 5.0  # assumed: no published limit (the adapter's doc)
    kit.check_rate_limit(rig)


def test_wrong_credentials_are_refused(rig: kit.Rig) -> None:
    wrong = rig.another({"token": "not-the-token"})
    with pytest.raises(errors.PermanentError) as refused:
        wrong.quote(kit.shipment("DH0000070-1"))
    assert refused.value.reason == "credentials_refused" and refused.value.status == 401
    other_shop = rig.another({"shop_id": "1"})
    with pytest.raises(errors.PermanentError):
        other_shop.book(kit.shipment("DH0000070-1"))
    assert rig.admin("stats")["parcels"] == 0


def test_a_malformed_webhook_is_refused(rig: kit.Rig) -> None:
    from integrations import webhooks

    for body in (b"not json", b'{"Type": "switch_status", "Time": "2025-07-01T00:00:00Z"}'):
        with pytest.raises(webhooks.MalformedBody):
            rig.carrier.parse_webhook({}, body, {})
