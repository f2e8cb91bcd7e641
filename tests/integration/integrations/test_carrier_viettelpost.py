"""The Viettel Post adapter against its sandbox over real HTTP on 127.0.0.1.

Login and its renewal, names of the old three-level map resolved to Viettel Post's master
ids, quotes (the sandbox's documented fee rule, computed by hand here), bookings with COD,
weight and items, the same reference booked twice or after lost replies (never a second
parcel), the print link, cancel, the 429 above the rate limit, and status webhooks posted to
a small receiver that checks them with the adapter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from integrations import errors, http, ratelimit
from integrations.carriers import base as carriers
from integrations.carriers import registry
from integrations.carriers.viettelpost import ViettelPostCarrier
from sandbox import core
from sandbox.carriers import viettelpost as vtp
from tests.integration.integrations import postal_kit as kit
from vietnam import addresses

S = carriers.ShipStatus
served, server = kit.sandbox_fixtures(vtp.ViettelPostSandbox)


def config(server: core.Server[Any], **extra: str) -> dict[str, str]:
    return {
        "api_base_url": f"{server.url}{vtp.PREFIX}",
        "username": vtp.DEMO_USERNAME,
        "password": vtp.DEMO_PASSWORD,
        "webhook_token": vtp.DEMO_WEBHOOK_TOKEN,
        "print_token": vtp.DEMO_PRINT_TOKEN,
        **extra,
    }


def carrier(server: core.Server[Any], *, paced: bool = True, **extra: str) -> ViettelPostCarrier:
    """An adapter on the sandbox; ``paced`` at 200 calls/s (tests), else no limiter at all."""
    limiter = ratelimit.TokenBucket(200) if paced else None
    url = f"{server.url}{vtp.PREFIX}"
    return ViettelPostCarrier(config(server, **extra), client=http.HttpClient(url, limiter=limiter))


SENDER = kit.place(
    "HTX Chè Ba Đình",
    "Hà Nội",
    "Phường Ba Đình",
    ("Thành phố Hà Nội", "Quận Ba Đình", "Phường Phúc Xá"),
)
RECIPIENT = kit.place(
    "Lan",
    "Hồ Chí Minh",
    "Phường Sài Gòn",
    ("Thành phố Hồ Chí Minh", "Quận 1", "Phường Bến Nghé"),
)
ITEMS = (carriers.Item("Trà Shan tuyết", "OCOP-TRA-01", 2, 90_000, 500),)


def ask(reference: str, **changes: Any) -> carriers.ShipmentRequest:
    request = carriers.ShipmentRequest(
        reference=reference,
        sender=SENDER,
        recipient=RECIPIENT,
        parcel=carriers.Parcel(1200, 20, 15, 10),
        items=ITEMS,
        cod_amount=180_000,
        declared_value=180_000,
        note="Cho xem hàng",
    )
    return dataclasses.replace(request, **changes)


def legacy_ids(province: str, district: str, ward: str) -> tuple[int, int, int]:
    p = next(u for u in addresses.legacy_provinces() if u.name == province)
    d = next(u for u in addresses.legacy_districts(p.code) if u.name == district)
    w = next(u for u in addresses.legacy_wards(d.code) if u.name == ward)
    return p.code, d.code, w.code


# Hand-computed with the sandbox's rule: 1,200 g (volume 3,000 cm³ = 500 g) between provinces:
# 30,000 + 2 × 5,000 = 40,000 for VCN; VHT ×150 %, LCOD ×80 %; COD fee 1 % of 180,000.
FEES = {"LCOD": 32_000 + 1_800, "VCN": 40_000 + 1_800, "VHT": 60_000 + 1_800}


def test_registry_builds_the_adapter(server: core.Server[Any]) -> None:
    adapter = registry.create("viettelpost", config(server))
    assert isinstance(adapter, ViettelPostCarrier)
    assert adapter.secret_fields() == {"password", "webhook_token", "print_token"}
    assert adapter.client.limiter is not None and adapter.rate_limit == 5.0


def test_login_once_then_renewed_once_after_the_token_expires(server: core.Server[Any]) -> None:
    adapter = carrier(server)
    adapter.quote(ask("DH1-1"))
    adapter.quote(ask("DH1-1"))
    assert adapter.session.logins == 1
    assert kit.look(server, "stats")["logins"] == 1
    assert kit.admin(server, "expire-tokens")["expired"] == 1
    assert [q.service for q in adapter.quote(ask("DH1-1"))] == ["LCOD", "VCN", "VHT"]
    assert adapter.session.logins == 2
    assert kit.look(server, "stats")["logins"] == 2


def test_wrong_password_is_refused_as_credentials(server: core.Server[Any]) -> None:
    with pytest.raises(errors.PermanentError) as refused:
        carrier(server, password="wrong").quote(ask("DH1-2"))
    assert refused.value.reason == "credentials_refused"


def test_quote_lists_every_service_cheapest_first_with_the_sandbox_fees(
    server: core.Server[Any],
) -> None:
    quotes = carrier(server).quote(ask("DH2-1"))
    assert [(q.service, q.fee) for q in quotes] == sorted(FEES.items(), key=lambda kv: kv[1])
    assert {q.expected_days for q in quotes} == {1, 2, 3}
    one = carrier(server).quote(ask("DH2-1", service="VHT"))
    assert [(q.service, q.fee, q.cod_fee, q.expected_days) for q in one] == [
        ("VHT", FEES["VHT"], 1_800, 1)
    ]


def test_book_sends_cod_weight_items_and_master_ids_of_the_old_names(
    server: core.Server[Any],
) -> None:
    booking = carrier(server).book(ask("DH3-1"))
    assert booking.created and booking.tracking_code.startswith("18")
    assert booking.fee == FEES["VCN"] and booking.reference == "DH3-1"
    [parcel] = kit.look(server, "parcels")
    assert parcel["code"] == booking.tracking_code and parcel["status"] == "-100"
    assert parcel["cod_amount"] == 180_000 and parcel["weight_g"] == 1200
    stored = vtp_body(server, booking.tracking_code)
    assert stored["ORDER_NUMBER"] == "DH3-1" and stored["MONEY_COLLECTION"] == 180_000
    assert stored["PRODUCT_WEIGHT"] == 1200 and stored["ORDER_PAYMENT"] == 3
    assert stored["LIST_ITEM"] == [
        {
            "PRODUCT_NAME": "Trà Shan tuyết",
            "PRODUCT_PRICE": 90_000,
            "PRODUCT_WEIGHT": 500,
            "PRODUCT_QUANTITY": 2,
        }
    ]
    sender = legacy_ids("Thành phố Hà Nội", "Quận Ba Đình", "Phường Phúc Xá")
    recipient = legacy_ids("Thành phố Hồ Chí Minh", "Quận 1", "Phường Bến Nghé")
    sides = ("PROVINCE", "DISTRICT", "WARD")
    assert tuple(stored[f"SENDER_{k}"] for k in sides) == sender
    assert tuple(stored[f"RECEIVER_{k}"] for k in sides) == recipient
    assert parcel["reference"] == "DH3-1"


def vtp_body(server: core.Server[vtp.ViettelPostSandbox], code: str) -> dict[str, Any]:
    return server.dialect.depot.parcels[code].body


def test_the_same_reference_twice_gives_the_first_parcel(server: core.Server[Any]) -> None:
    adapter = carrier(server)
    first = adapter.book(ask("DH4-1"))
    again = adapter.book(ask("DH4-1"))
    assert (again.tracking_code, again.created, again.fee) == (
        first.tracking_code,
        False,
        first.fee,
    )
    stats = kit.look(server, "stats")
    assert (stats["parcels"], stats["duplicates"], stats["create_calls"]) == (1, 0, 2)
    with pytest.raises(errors.NotSupported):
        adapter.find("DH4-1")


def test_a_place_without_old_names_takes_the_old_ward_of_its_commune(
    server: core.Server[Any],
) -> None:
    recipient = dataclasses.replace(RECIPIENT, legacy=None)
    booking = carrier(server).book(ask("DH5-1", recipient=recipient))
    old = addresses.to_place_names(recipient.province_code, recipient.commune_code)
    assert old is not None
    stored = vtp_body(server, booking.tracking_code)
    assert (stored["RECEIVER_PROVINCE"], stored["RECEIVER_DISTRICT"], stored["RECEIVER_WARD"]) == (
        old.province_code,
        old.district_code,
        old.ward_code,
    )


@pytest.mark.parametrize(
    ("legacy", "level"),
    [
        (("Tỉnh Không Có", "Quận 1", "Phường Bến Nghé"), "province"),
        (("Thành phố Hồ Chí Minh", "Quận 99", "Phường Bến Nghé"), "district"),
        (("Thành phố Hồ Chí Minh", "Quận 1", "Phường Không Có"), "ward"),
    ],
)
def test_an_unknown_place_is_refused_before_any_booking(
    server: core.Server[Any], legacy: tuple[str, str, str], level: str
) -> None:
    recipient = dataclasses.replace(RECIPIENT, legacy=carriers.LegacyPlace(*legacy))
    with pytest.raises(errors.ValidationFailed) as refused:
        carrier(server).book(ask("DH6-1", recipient=recipient))
    assert refused.value.reason == "place_unknown"
    assert refused.value.params["level"] == level
    assert list(refused.value.fields) == [f"recipient.{level}"]
    assert kit.look(server, "stats")["create_calls"] == 0


def test_names_match_without_accents_case_or_unit_words(server: core.Server[Any]) -> None:
    recipient = dataclasses.replace(
        RECIPIENT, legacy=carriers.LegacyPlace("ho chi minh", "QUAN 1", "ben nghe")
    )
    booking = carrier(server).book(ask("DH6-2", recipient=recipient))
    ids = legacy_ids("Thành phố Hồ Chí Minh", "Quận 1", "Phường Bến Nghé")
    stored = vtp_body(server, booking.tracking_code)
    assert stored["RECEIVER_WARD"] == ids[2]


def test_label_is_a_print_link_and_needs_the_print_token(server: core.Server[Any]) -> None:
    adapter = carrier(server)
    booking = adapter.book(ask("DH7-1"))
    label = adapter.label([booking.tracking_code])
    assert label.content_type == "text/uri-list" and label.expires_at is not None
    page = requests.get(label.url, timeout=5)
    assert page.headers["Content-Type"] == "application/pdf"
    assert booking.tracking_code.encode() in page.content
    with pytest.raises(errors.NotSupported):
        carrier(server, print_token="").label([booking.tracking_code])


def test_cancel_before_pickup_only(server: core.Server[Any]) -> None:
    adapter = carrier(server)
    early = adapter.book(ask("DH8-1"))
    late = adapter.book(ask("DH8-2"))
    adapter.cancel(early.tracking_code)
    kit.admin(server, f"parcels/{late.tracking_code}/status", status="105")
    with pytest.raises(errors.ValidationFailed) as refused:
        adapter.cancel(late.tracking_code)
    assert refused.value.reason == "cancel_refused"
    status = {p["code"]: p["status"] for p in kit.look(server, "parcels")}
    assert status == {early.tracking_code: "107", late.tracking_code: "105"}


@pytest.fixture
def receiver(server: core.Server[Any]) -> Iterator[tuple[kit.Receiver, str]]:
    hook = kit.Receiver(carrier(server))
    with core.Server(hook) as running:
        kit.admin(server, "webhook", url=f"{running.url}/hooks/vtp")
        yield hook, running.url


def test_webhook_statuses_arrive_mapped_with_vietnam_times_read_as_utc(
    server: core.Server[Any], receiver: tuple[kit.Receiver, str]
) -> None:
    hook, _ = receiver
    booking = carrier(server).book(ask("DH9-1"))
    for code in ("105", "200", "500", "506", "508", "501"):
        kit.admin(server, f"parcels/{booking.tracking_code}/status", status=code)
    hook.fail_next = 1  # the first call fails: Viettel Post (the sandbox) tries again
    kit.admin(server, "drain")
    updates = list(hook.updates.values())
    assert {u.carrier_status: u.status for u in updates} == {
        "-100": S.CREATED,
        "105": S.PICKED_UP,
        "200": S.IN_TRANSIT,
        "500": S.DELIVERING,
        "506": S.DELIVERY_FAILED,
        "508": S.DELIVERY_FAILED,
        "501": S.DELIVERED,
    }
    assert {u.reference for u in updates} == {"DH9-1"}
    assert {u.cod_amount for u in updates} == {180_000}
    history = {e["status"]: e["at"] for e in kit.look(server, "parcels")[0]["history"]}
    for update in updates:
        assert update.occurred_at.tzinfo == dt.UTC
        assert update.occurred_at.timestamp() == int(history[update.carrier_status])
        local = dt.datetime.fromtimestamp(history[update.carrier_status], dt.UTC) + dt.timedelta(
            hours=7
        )
        assert update.event_key == (
            f"{booking.tracking_code}:{update.carrier_status}:{local:%d/%m/%Y %H:%M:%S}"
        )
    assert len(hook.arrivals) == 7  # the failed call was retried, not lost nor doubled


def test_a_webhook_with_the_wrong_token_is_refused_every_retry(server: core.Server[Any]) -> None:
    hook = kit.Receiver(carrier(server, webhook_token="not-the-portal-secret"))
    with core.Server(hook) as running:
        kit.admin(server, "webhook", url=f"{running.url}/hooks/vtp")
        carrier(server).book(ask("DH10-1"))
        kit.admin(server, "drain")
    assert hook.updates == {}
    assert hook.rejected == ["bad_signature"] * (1 + vtp.RETRIES)


def test_an_unknown_status_is_an_exception(
    server: core.Server[Any], receiver: tuple[kit.Receiver, str]
) -> None:
    hook, _ = receiver
    booking = carrier(server).book(ask("DH11-1"))
    kit.admin(server, f"parcels/{booking.tracking_code}/status", status="999")
    kit.admin(server, "drain")
    [update] = [u for u in hook.updates.values() if u.carrier_status == "999"]
    assert update.status is S.EXCEPTION


@pytest.mark.parametrize(
    ("codes", "status"),
    [
        ("501", S.DELIVERED),
        ("504", S.RETURNED),
        ("502 505 515", S.RETURNING),
        ("506 508 550", S.DELIVERY_FAILED),
        ("107 201 503", S.CANCELLED),
        ("-100 100 101 102", S.CREATED),
        ("103 104", S.PICKING),
        ("105 -108 -109 -110", S.PICKED_UP),
        ("200 202 300 301 302 303 400 401 402 403 509", S.IN_TRANSIT),
        ("500 507", S.DELIVERING),
        ("0 42 600", S.EXCEPTION),
    ],
)
def test_status_codes_map_as_shipping_md_lists_them(
    codes: str, status: carriers.ShipStatus
) -> None:
    assert {ViettelPostCarrier.map_status(code) for code in codes.split()} == {status}


def test_lost_replies_never_make_a_second_parcel(server: core.Server[Any]) -> None:
    bookings = kit.book_through_lost_replies(server, carrier(server), ask)
    assert {b.reference for b in bookings} == {f"LOST-{n}" for n in range(40)}


def test_over_the_rate_limit_the_sandbox_answers_429(server: core.Server[Any]) -> None:
    kit.rate_limited(
        server, vtp.RATE_LIMIT, lambda: carrier(server, paced=False).quote(ask("DH13-1"))
    )
    kit.admin(server, "reset")
    paced = registry.create("viettelpost", config(server))  # its own limiter at the stated rate
    for _ in range(8):
        assert paced.quote(ask("DH13-1"))
    assert kit.look(server, "stats")["calls"]["/v2/order/getPriceAll"] == 8
