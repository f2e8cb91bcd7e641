"""The Vietnam Post (MyVNPost) adapter against its sandbox over real HTTP on 127.0.0.1.

Login and its renewal, quotes (the sandbox's documented fee rule, computed by hand here),
bookings with COD, weight and names of places old or new, an unknown place refused, the same
reference booked twice or after lost replies (found with ``getOrder``, never a second parcel),
cancel, polling the status history, status webhooks (our shape; VNPost's is unconfirmed)
through a small receiver, the 429 above the rate limit.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from integrations import errors, http, ratelimit
from integrations.carriers import base as carriers
from integrations.carriers import registry
from integrations.carriers.vnpost import VNPostCarrier
from sandbox import core
from sandbox.carriers import vnpost as vnp
from tests.integration.integrations import postal_kit as kit

S = carriers.ShipStatus
served, server = kit.sandbox_fixtures(vnp.VNPostSandbox)


def config(server: core.Server[Any], **extra: str) -> dict[str, str]:
    return {
        "api_base_url": server.url,
        "username": vnp.DEMO_USERNAME,
        "password": vnp.DEMO_PASSWORD,
        "customer_code": vnp.DEMO_CUSTOMER_CODE,
        "webhook_token": vnp.DEMO_WEBHOOK_TOKEN,
        **extra,
    }


def carrier(server: core.Server[Any], *, paced: bool = True, **extra: str) -> VNPostCarrier:
    """An adapter on the sandbox; ``paced`` at 200 calls/s (tests), else no limiter at all."""
    limiter = ratelimit.TokenBucket(200) if paced else None
    return VNPostCarrier(
        config(server, **extra), client=http.HttpClient(server.url, limiter=limiter)
    )


SENDER = kit.place("HTX Nước mắm", "Khánh Hòa", "Phường Nha Trang", None)
RECIPIENT_OLD = kit.place(
    "Lan",
    "Hồ Chí Minh",
    "Phường Sài Gòn",
    ("Thành phố Hồ Chí Minh", "Quận 1", "Phường Bến Nghé"),
)
RECIPIENT_NEW = dataclasses.replace(RECIPIENT_OLD, legacy=None)
ITEMS = (carriers.Item("Nước mắm Nha Trang", "OCOP-NM-01", 3, 60_000, 400),)


def ask(reference: str, **changes: Any) -> carriers.ShipmentRequest:
    request = carriers.ShipmentRequest(
        reference=reference,
        sender=SENDER,
        recipient=RECIPIENT_OLD,
        parcel=carriers.Parcel(1300, 30, 20, 10),
        items=ITEMS,
        cod_amount=180_000,
        declared_value=180_000,
    )
    return dataclasses.replace(request, **changes)


# By hand with the sandbox's rule: 1,300 g (volume 6,000 cm³ = 1,000 g), provinces differ:
# 32,000 + 2 × 6,000 = 44,000 for CTN009, ×140 % = 61,600 for EMS; COD 0.8 % of 180,000.
FEES = {"CTN009": 44_000 + 1_440, "EMS": 61_600 + 1_440}


def booked(server: core.Server[vnp.VNPostSandbox], code: str) -> dict[str, Any]:
    return server.dialect.depot.parcels[code].body


def test_registry_builds_the_adapter(server: core.Server[Any]) -> None:
    adapter = registry.create("vnpost", config(server))
    assert isinstance(adapter, VNPostCarrier)
    assert adapter.secret_fields() == {"password", "webhook_token"}
    assert carriers.Capability.POLL in adapter.capabilities
    with pytest.raises(errors.NotSupported):
        adapter.label(["EP000000001VN"])


def test_login_once_then_renewed_once_after_the_token_expires(server: core.Server[Any]) -> None:
    adapter = carrier(server)
    adapter.quote(ask("VN1-1"))
    adapter.quote(ask("VN1-1"))
    assert adapter.session.logins == 1 and kit.look(server, "stats")["logins"] == 1
    kit.admin(server, "expire-tokens")
    assert adapter.quote(ask("VN1-1"))
    assert adapter.session.logins == 2 and kit.look(server, "stats")["logins"] == 2
    with pytest.raises(errors.PermanentError) as refused:
        carrier(server, password="wrong").quote(ask("VN1-1"))
    assert refused.value.reason == "credentials_refused"


def test_quote_every_service_cheapest_first(server: core.Server[Any]) -> None:
    quotes = carrier(server).quote(ask("VN2-1"))
    assert [(q.service, q.fee, q.cod_fee) for q in quotes] == [
        ("CTN009", FEES["CTN009"], 1_440),
        ("EMS", FEES["EMS"], 1_440),
    ]
    same = dataclasses.replace(SENDER, name="Chị Hoa")
    near = carrier(server).quote(ask("VN2-2", recipient=same, cod_amount=0, service="CTN009"))
    assert [(q.service, q.fee) for q in near] == [("CTN009", 18_000 + 2 * 3_000)]


@pytest.mark.parametrize("recipient", [RECIPIENT_OLD, RECIPIENT_NEW], ids=["old", "new"])
def test_book_with_cod_weight_and_names_old_or_new(
    server: core.Server[Any], recipient: carriers.Place
) -> None:
    booking = carrier(server).book(ask("VN3-1", recipient=recipient))
    assert booking.created and booking.tracking_code.startswith("EP")
    assert booking.fee == FEES["CTN009"] and booking.reference == "VN3-1"
    order = booked(server, booking.tracking_code)
    assert order["saleOrderCode"] == "VN3-1" and order["weight"] == "1300"
    assert order["addonService"] == [{"code": "GTG021", "propValue": "PROP0018:180000"}]
    assert order["receiverDistrictName"] == (recipient.legacy.district if recipient.legacy else "")
    assert order["receiverCommuneName"] == (
        recipient.legacy.ward if recipient.legacy else "Phường Sài Gòn"
    )
    [parcel] = kit.look(server, "parcels")
    assert (parcel["cod_amount"], parcel["weight_g"], parcel["status"]) == (180_000, 1300, "1")


def test_an_unknown_place_is_refused(server: core.Server[Any]) -> None:
    lost = dataclasses.replace(
        RECIPIENT_OLD,
        legacy=carriers.LegacyPlace("Thành phố Hồ Chí Minh", "Quận 1", "Phường Xa Lạ"),
    )
    with pytest.raises(errors.ValidationFailed) as refused:
        carrier(server).book(ask("VN4-1", recipient=lost))
    assert refused.value.reason == "booking_refused" and refused.value.status == 400
    assert kit.look(server, "stats")["parcels"] == 0


def test_the_same_reference_twice_gives_the_first_parcel(server: core.Server[Any]) -> None:
    adapter = carrier(server)
    first = adapter.book(ask("VN5-1"))
    again = adapter.book(ask("VN5-1"))
    assert (again.tracking_code, again.created) == (first.tracking_code, False)
    found = adapter.find("VN5-1")
    assert found is not None and found.tracking_code == first.tracking_code
    assert adapter.find("VN5-404") is None
    stats = kit.look(server, "stats")
    assert (stats["parcels"], stats["duplicates"]) == (1, 0)


def test_cancel_before_collection_only(server: core.Server[Any]) -> None:
    adapter = carrier(server)
    early = adapter.book(ask("VN6-1"))
    late = adapter.book(ask("VN6-2"))
    adapter.cancel(early.tracking_code)
    kit.admin(server, f"parcels/{late.tracking_code}/status", status="6")
    with pytest.raises(errors.ValidationFailed) as refused:
        adapter.cancel(late.tracking_code)
    assert refused.value.reason == "cancel_refused"
    status = {p["code"]: p["status"] for p in kit.look(server, "parcels")}
    assert status == {early.tracking_code: "9", late.tracking_code: "6"}


def test_polling_reads_the_status_history(server: core.Server[Any]) -> None:
    adapter = carrier(server)
    booking = adapter.book(ask("VN7-1"))
    for code in ("6", "10", "12", "20"):
        kit.admin(server, f"parcels/{booking.tracking_code}/status", status=code)
    updates = adapter.track(booking.tracking_code)
    assert [(u.carrier_status, u.status) for u in updates] == [
        ("1", S.CREATED),
        ("6", S.PICKED_UP),
        ("10", S.IN_TRANSIT),
        ("12", S.DELIVERING),
        ("20", S.DELIVERED),
    ]
    assert updates[-1].partial and not updates[0].partial
    assert len({u.event_key for u in updates}) == 5


def test_webhook_statuses_mapped_retried_and_bad_tokens_refused(server: core.Server[Any]) -> None:
    hook = kit.Receiver(carrier(server))
    with core.Server(hook) as running:
        kit.admin(server, "webhook", url=f"{running.url}/hooks/vnpost")
        booking = carrier(server).book(ask("VN8-1"))
        for code in ("6", "12", "15", "18", "19", "77"):
            kit.admin(server, f"parcels/{booking.tracking_code}/status", status=code)
        hook.fail_next = 2
        kit.admin(server, "drain")
    assert {u.carrier_status: u.status for u in hook.updates.values()} == {
        "1": S.CREATED,
        "6": S.PICKED_UP,
        "12": S.DELIVERING,
        "15": S.DELIVERY_FAILED,
        "18": S.RETURNING,
        "19": S.RETURNED,
        "77": S.EXCEPTION,
    }
    assert {u.reference for u in hook.updates.values()} == {"VN8-1"}
    assert len(hook.arrivals) == 7
    stranger = kit.Receiver(carrier(server, webhook_token="guess"))
    with core.Server(stranger) as running:
        kit.admin(server, "webhook", url=f"{running.url}/hooks/vnpost")
        carrier(server).book(ask("VN8-2"))
        kit.admin(server, "drain")
    assert stranger.updates == {}
    assert stranger.rejected == ["bad_signature"] * (1 + vnp.RETRIES)


def test_lost_replies_never_make_a_second_parcel(server: core.Server[Any]) -> None:
    bookings = kit.book_through_lost_replies(server, carrier(server), ask)
    assert {b.reference for b in bookings} == {f"LOST-{n}" for n in range(40)}


def test_over_the_rate_limit_the_sandbox_answers_429(server: core.Server[Any]) -> None:
    kit.rate_limited(
        server, vnp.RATE_LIMIT, lambda: carrier(server, paced=False).quote(ask("VN10-1"))
    )
    kit.admin(server, "reset")
    paced = registry.create("vnpost", config(server))  # its own limiter at the stated rate
    for _ in range(8):
        assert paced.quote(ask("VN10-1"))
    assert kit.look(server, "stats")["calls"]["/customer-partner/ServicesCharge"] == 8
