"""The GHTK adapter against the sandbox GHTK over real HTTP on 127.0.0.1: quotes by road and
by air, bookings (COD, weight in kg, items, 2025 and old names), the PDF label, cancellation
(and too late), form-encoded status webhooks with their ``?hash=`` (to a local receiver),
polling, lost replies and the rate limit.

Fees are the sandbox's price list (``sandbox.carriers.ghtk``), computed here by hand."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from integrations import errors, webhooks
from integrations.carriers import base
from integrations.carriers.ghtk import GHTKCarrier
from sandbox.carriers import ghtk as sandbox_ghtk
from tests.support import carriers as kit

served, rig = kit.fixtures("ghtk", sandbox_ghtk.GHTKSandbox, sandbox_ghtk.demo_config)
Servers = kit.Served


def asked(served: Servers, code: str) -> dict[str, Any]:
    sandbox = served[0].dialect
    assert isinstance(sandbox, sandbox_ghtk.GHTKSandbox)
    request: dict[str, Any] = sandbox.depot.parcels[code].body["request"]
    return request


def test_quote_by_road_and_by_air_cheapest_first(rig: kit.Rig) -> None:
    quotes = rig.carrier.quote(kit.shipment("DH0000001-1"))
    # 1,200 g between provinces: 2 steps of 500 g; insurance 0.5 % of 1,500,000 = 7,500
    assert [(q.service, q.fee, q.insurance_fee) for q in quotes] == [
        ("road", 30_000 + 2 * 2_500 + 7_500, 7_500),
        ("fly", 30_000 + 2 * 5_000 + 7_500, 7_500),
    ]
    near = rig.carrier.quote(kit.shipment("DH0000001-1", recipient=kit.NEARBY))
    assert [(q.service, q.fee) for q in near] == [("road", 22_000 + 5_000 + 7_500)]  # no air
    with pytest.raises(errors.ValidationFailed) as refused:
        rig.carrier.quote(kit.shipment("DH0000001-1", recipient=kit.NOWHERE))
    assert refused.value.status == 422


def test_book_sends_cod_kilos_items_and_hamlet(rig: kit.Rig, served: Servers) -> None:
    booking = rig.carrier.book(kit.shipment("DH0000002-1", cod=330_000))
    assert booking.created and booking.tracking_code.startswith("S1.A1.")
    assert (booking.reference, booking.fee) == ("DH0000002-1", 35_000 + 7_500)
    sent = asked(served, booking.tracking_code)
    order = sent["order"]
    assert (order["id"], order["pick_money"], order["value"]) == ("DH0000002-1", 330_000, 1_500_000)
    assert (order["hamlet"], order["transport"], order["is_freeship"]) == ("Khác", "road", "1")
    assert (order["province"], order["district"], order["ward"]) == (
        "Thành phố Hồ Chí Minh",
        "",
        "Phường An Đông",
    )
    assert order["total_weight"] == 1.2
    assert [(p["product_code"], p["weight"], p["quantity"]) for p in sent["products"]] == [
        ("OCOP-TRA-01", 0.3, 2),
        ("OCOP-MO-02", 0.5, 1),
    ]
    assert rig.parcel(booking.tracking_code)["status"] == "2"


def test_book_uses_old_names_when_the_place_has_them(rig: kit.Rig, served: Servers) -> None:
    booking = rig.carrier.book(kit.shipment("DH0000003-1", recipient=kit.LEGACY, service="fly"))
    order = asked(served, booking.tracking_code)["order"]
    assert (order["province"], order["district"], order["ward"]) == (
        "Thành phố Hồ Chí Minh",
        "Quận 5",
        "Phường 2",
    )
    assert (order["pick_district"], order["pick_ward"], order["transport"]) == (
        "",
        "Phường Ba Đình",
        "fly",
    )


def test_a_second_booking_finds_the_first_parcel(rig: kit.Rig) -> None:
    first = rig.carrier.book(kit.shipment("DH0000004-1"))
    again = rig.carrier.book(kit.shipment("DH0000004-1"))  # refused: ORDER_ID_EXIST
    assert not again.created
    assert (again.tracking_code, again.fee) == (first.tracking_code, first.fee)
    stats = rig.admin("stats")
    assert (stats["parcels"], stats["duplicates"], stats["create_calls"]) == (1, 0, 2)
    assert rig.carrier.find("DH0000099-9") is None


def media_box(pdf: bytes) -> list[int]:
    found = re.search(rb"/MediaBox \[0 0 (\d+) (\d+)\]", pdf)
    assert found is not None
    return [int(found.group(1)), int(found.group(2))]


def test_label_is_the_carriers_pdf(rig: kit.Rig) -> None:
    code = rig.carrier.book(kit.shipment("DH0000010-1")).tracking_code
    small = rig.carrier.label([code], base.Paper.A6)
    assert small.content_type == "application/pdf"
    assert small.content.startswith(b"%PDF-1.4") and small.content.rstrip().endswith(b"%%EOF")
    assert code.encode() in small.content and b"DH0000010-1" in small.content
    assert media_box(small.content) == [298, 420]
    assert media_box(rig.carrier.label([code], base.Paper.A5).content) == [420, 595]
    offset = int(re.findall(rb"startxref\n(\d+)", small.content)[0])
    assert small.content[offset : offset + 4] == b"xref"  # the cross-reference table is there
    with pytest.raises(errors.NotSupported):
        rig.carrier.label([code, code])
    with pytest.raises(errors.NotSupported):
        rig.carrier.label([code], base.Paper.A4)
    with pytest.raises(errors.ValidationFailed):
        rig.carrier.label(["S1.A1.0"])


def test_cancel_in_statuses_1_2_12_only(rig: kit.Rig) -> None:
    codes = [rig.carrier.book(kit.shipment(f"DH000002{i}-1")).tracking_code for i in range(4)]
    for code, status in zip(codes, ("1", "2", "12"), strict=False):
        rig.move(code, status)
        rig.carrier.cancel(code)
        assert rig.parcel(code)["status"] == "-1"
    rig.carrier.cancel(codes[0])  # again: already cancelled, fine
    rig.move(codes[3], "3")
    with pytest.raises(errors.ValidationFailed) as refused:
        rig.carrier.cancel(codes[3])
    assert refused.value.reason == "too_late"
    assert rig.parcel(codes[3])["status"] == "3"


JOURNEY = [
    ("12", base.ShipStatus.PICKING),
    ("7", base.ShipStatus.PICKING),
    ("8", base.ShipStatus.PICKING),
    ("127", base.ShipStatus.PICKING),
    ("128", base.ShipStatus.PICKING),
    ("123", base.ShipStatus.PICKED_UP),
    ("3", base.ShipStatus.PICKED_UP),
    ("4", base.ShipStatus.DELIVERING),
    ("10", base.ShipStatus.DELIVERING),
    ("410", base.ShipStatus.DELIVERING),
    ("49", base.ShipStatus.DELIVERY_FAILED),
    ("9", base.ShipStatus.DELIVERY_FAILED),
    ("45", base.ShipStatus.DELIVERED),
    ("5", base.ShipStatus.DELIVERED),
    ("6", base.ShipStatus.DELIVERED),
    ("20", base.ShipStatus.RETURNING),
    ("21", base.ShipStatus.RETURNED),
    ("11", base.ShipStatus.RETURNED),
    ("13", base.ShipStatus.LOST),
    ("1", base.ShipStatus.CREATED),
    ("-1", base.ShipStatus.CANCELLED),
    ("777", base.ShipStatus.EXCEPTION),
]


def test_every_status_webhook_is_read_and_mapped(rig: kit.Rig) -> None:
    rig.listen("/hooks/ghtk")
    code = rig.carrier.book(kit.shipment("DH0000030-1", cod=330_000)).tracking_code
    for status, _ in JOURNEY:
        rig.move(code, status)
    rig.move(code, "5", cod_amount=200_000, partial=True)  # part delivered, part coming back
    rig.admin("drain")
    calls = rig.receiver.taken()
    assert all(call.path == "/hooks/ghtk" for call in calls)
    assert all(call.query == {"hash": sandbox_ghtk.DEMO_WEBHOOK_HASH} for call in calls)
    assert all(
        call.headers["Content-Type"] == "application/x-www-form-urlencoded" for call in calls
    )
    updates = rig.updates()
    assert [(u.carrier_status, u.status) for u in updates[1:-1]] == JOURNEY
    created, partial = updates[0], updates[-1]
    assert (created.status, created.reference, created.tracking_code) == (
        base.ShipStatus.CREATED,
        "DH0000030-1",
        code,
    )
    settled = updates[JOURNEY.index(("6", base.ShipStatus.DELIVERED)) + 1]
    assert (settled.cod_amount, settled.fee) == (330_000, 42_500)
    assert partial.partial and partial.cod_amount == 200_000
    assert not any(u.partial for u in updates[:-1])
    assert len({u.event_key for u in updates}) == len(updates)
    assert set(GHTKCarrier.STATUS_MAP) == {status for status, _ in JOURNEY[:-1]} | {"2"}


def test_a_webhook_with_a_wrong_or_missing_hash_is_refused(rig: kit.Rig) -> None:
    rig.listen("/hooks/ghtk?hash=someone-else")  # the address carries the wrong hash
    rig.carrier.book(kit.shipment("DH0000031-1"))
    rig.admin("drain")
    (call,) = rig.receiver.taken()
    assert call.query == {"hash": "someone-else"}
    with pytest.raises(webhooks.BadSignature):
        rig.carrier.parse_webhook(call.headers, call.body, call.query)
    with pytest.raises(webhooks.BadSignature):
        rig.carrier.parse_webhook(call.headers, call.body, {})
    other = rig.another({"webhook_hash": "someone-else"})
    assert [u.carrier_status for u in other.parse_webhook(call.headers, call.body, call.query)] == [
        "2"
    ]


def test_a_json_webhook_is_read_too(rig: kit.Rig) -> None:
    body = {
        "partner_id": "DH0000032-1",
        "label_id": "S1.A1.17373471",
        "status_id": 5,
        "action_time": "2025-07-01T12:18:39+07:00",
        "reason_code": "",
        "reason": "",
        "weight": 1.2,
        "fee": 42500,
        "pick_money": 330000,
        "return_part_package": 0,
    }
    query = {"hash": sandbox_ghtk.DEMO_WEBHOOK_HASH}
    headers = {"Content-Type": "application/json"}
    (update,) = rig.carrier.parse_webhook(headers, json.dumps(body).encode(), query)
    assert (update.status, update.cod_amount, update.fee, update.partial) == (
        base.ShipStatus.DELIVERED,
        330_000,
        42_500,
        False,
    )
    assert update.occurred_at.isoformat() == "2025-07-01T05:18:39+00:00"
    assert update.event_key == "S1.A1.17373471|5|2025-07-01T05:18:39+00:00"
    with pytest.raises(webhooks.MalformedBody):
        rig.carrier.parse_webhook(headers, b'{"label_id": "S1"}', query)


def test_track_reads_the_status_with_the_webhooks_key(rig: kit.Rig) -> None:
    rig.listen("/hooks/ghtk")
    code = rig.carrier.book(kit.shipment("DH0000040-1")).tracking_code
    rig.move(code, "3")
    rig.admin("drain")
    (polled,) = rig.carrier.track(code)
    assert (polled.status, polled.carrier_status, polled.reference) == (
        base.ShipStatus.PICKED_UP,
        "3",
        "DH0000040-1",
    )
    assert polled.event_key == rig.updates()[-1].event_key
    with pytest.raises(errors.NotFound):
        rig.carrier.track("S1.A1.0")


def test_a_webhook_answered_500_comes_once_more(rig: kit.Rig) -> None:
    rig.listen("/hooks/ghtk")
    first = rig.carrier.book(kit.shipment("DH0000050-1")).tracking_code
    second = rig.carrier.book(kit.shipment("DH0000051-1")).tracking_code
    rig.receiver.failing[first] = 1
    rig.receiver.failing[second] = 5
    rig.admin("drain")
    tries = [(a["code"], a["attempt"], a["http_status"]) for a in rig.admin("attempts")]
    assert sorted(tries) == sorted(
        [(first, 0, 500), (first, 1, 200), (second, 0, 500), (second, 1, 500)]
    )
    assert [u.tracking_code for u in rig.updates()] == [first]  # the second: poll for it


def test_lost_replies_never_make_a_second_parcel(rig: kit.Rig) -> None:
    kit.check_lost_replies_make_no_second_parcel(rig, fee=42_500)


def test_over_the_rate_limit_the_sandbox_answers_429(rig: kit.Rig) -> None:
    assert GHTKCarrier.rate_limit == 5.0  # assumed: no published limit (the adapter's doc)
    kit.check_rate_limit(rig)


def test_wrong_credentials_are_refused(rig: kit.Rig) -> None:
    for overrides in ({"token": "not-the-token"}, {"client_source": "S000000"}):
        with pytest.raises(errors.PermanentError) as refused:
            rig.another(overrides).book(kit.shipment("DH0000070-1"))
        assert refused.value.reason == "credentials_refused" and refused.value.status == 401
    assert rig.admin("stats")["parcels"] == 0
