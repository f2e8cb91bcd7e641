"""Payment webhooks are verified byte for byte: the services' published vectors reproduce,
a tampered body, a wrong key or a stale timestamp is refused with its reason code, and a
good call gives the transfer in UTC with the service's dedupe key."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import hmac
import json
import random
from typing import Any

import pytest

from integrations import errors, webhooks
from integrations.payments import base, casso, payos, registry, sepay

# ../shared/docs/payments-and-messages.md, "Casso webhooks (v2)": the verified vector.
CASSO_KEY = "mgExMrjj4i7a1p8Cs6LmFbpCd8lbw4sSX4LZXPag7TKazeIogtR90tvWYTkwQbvs"
CASSO_T = "1727948258788"
CASSO_BODY: dict[str, Any] = {
    "error": 0,
    "data": {
        "id": 0,
        "reference": "MA_GIAO_DICH_THU_NGHIEM",
        "description": "giao dich thu nghiem",
        "amount": 599000,
        "runningBalance": 25000000,
        "transactionDateTime": "2024-10-03 15:06:37",
        "accountNumber": "88888888",
        "bankName": "VPBank",
        "bankAbbreviation": "VPB",
        "virtualAccountNumber": "",
        "virtualAccountName": "",
        "counterAccountName": "NGUYEN VAN A",
        "counterAccountNumber": "8888888888",
        "counterAccountBankId": "970415",
        "counterAccountBankName": "VietinBank",
    },
}
CASSO_V1 = (
    "ed0a4bd2e826d5cb69988cdb141e6c1a080e21f3b57eb72cd78192220042b9e7"
    "dde0868fc667faea8e224900fa7904e7c88dfa098032fb2d6b6996856e8b7ff3"
)
CASSO_SIGNED_AT = dt.datetime.fromtimestamp(int(CASSO_T) / 1000, dt.UTC)

# "payOS": the verified vectors from the payOS SDK's tests.
PAYOS_KEY = "test_checksum_key"
PAYOS_DATA: dict[str, Any] = {
    "accountNumber": "0123456789",
    "amount": 20000,
    "description": "thanh toan",
    "reference": "FT-REFERENCE",
    "transactionDateTime": "2025-12-12 09:00:00",
    "virtualAccountNumber": "",
    "counterAccountBankId": "01202001",
    "counterAccountBankName": "",
    "counterAccountName": "NGUYEN VAN A",
    "counterAccountNumber": "9876543210",
    "virtualAccountName": "",
    "currency": "VND",
    "orderCode": 0,
    "paymentLinkId": "payment-link-id",
    "code": "00",
    "desc": "success",
}
PAYOS_WEBHOOK_SIGNATURE = "302b3becca1672dff99daafae2965f40e48ea3ca39453e4bf37fbcc26807a0e8"
PAYOS_LINK_SIGNATURE = "d8b7b0e5d19edfe7b1f53dedeb8d1c7c2b62fabd7eb320dbc514c58f13e9e2c5"

# "SePay webhooks": the documented body.
SEPAY_SECRET = "sepay-test-secret"
SEPAY_BODY = (
    b'{"id":92704,"gateway":"Vietcombank","transactionDate":"2023-03-25 14:02:37",'
    b'"accountNumber":"0123499999","code":"DH1042","content":"DH1042 chuyen tien",'
    b'"transferType":"in","transferAmount":180000,"accumulated":19077000,"subAccount":null,'
    b'"referenceCode":"MBVCB.3278907687","description":"<full bank text>"}'
)
SEPAY_NOW = dt.datetime(2023, 3, 25, 7, 2, 40, tzinfo=dt.UTC)


def rejected(call: Any, *args: Any, **kwargs: Any) -> webhooks.WebhookRejected:
    with pytest.raises(webhooks.WebhookRejected) as caught:
        call(*args, **kwargs)
    assert isinstance(caught.value, errors.PermanentError)
    return caught.value


# --- Casso ---------------------------------------------------------------------------------


def casso_source(**extra: str) -> casso.CassoSource:
    return casso.CassoSource({"checksum_key": CASSO_KEY, **extra})


def casso_headers(v1: str = CASSO_V1, t: str = CASSO_T) -> dict[str, str]:
    return {"X-Casso-Signature": f"t={t},v1={v1}"}


def test_casso_vector_reproduces() -> None:
    assert casso.signature(CASSO_KEY, CASSO_T, CASSO_BODY) == CASSO_V1


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps(CASSO_BODY).encode(),  # spaced, keys in the sender's order
        json.dumps(CASSO_BODY, indent=2, sort_keys=True).encode(),
        json.dumps(dict(reversed(list(CASSO_BODY.items()))), separators=(",", ":")).encode(),
    ],
)
def test_casso_verifies_the_body_whatever_its_layout(raw: bytes) -> None:
    now = CASSO_SIGNED_AT + dt.timedelta(seconds=100)
    [transfer] = casso_source().verify(casso_headers(), raw, now=now)
    assert transfer.provider == "casso" and transfer.transaction_id == "0"
    assert (transfer.amount, transfer.direction) == (599000, base.Direction.IN)
    assert transfer.account_number == "88888888"
    assert transfer.content == "giao dich thu nghiem"
    assert transfer.reference == "MA_GIAO_DICH_THU_NGHIEM"
    assert transfer.counter_account_name == "NGUYEN VAN A"
    assert transfer.occurred_at == dt.datetime(2024, 10, 3, 8, 6, 37, tzinfo=dt.UTC)  # 15:06 +7
    assert transfer.provider_code is None and transfer.raw["bankName"] == "VPBank"


def test_casso_header_names_are_case_insensitive() -> None:
    headers = {"x-casso-signature": f"v1={CASSO_V1.upper()}, t={CASSO_T}"}
    now = CASSO_SIGNED_AT
    assert casso_source().verify(headers, json.dumps(CASSO_BODY).encode(), now=now)


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b["data"].update(amount=5_990_000),
        lambda b: b["data"].update(description="DH0010429"),
        lambda b: b.update(extra=1),
        lambda b: b["data"].update(id=1),
    ],
)
def test_casso_tampered_body_is_refused(change: Any) -> None:
    body = json.loads(json.dumps(CASSO_BODY))
    change(body)
    error = rejected(
        casso_source().verify, casso_headers(), json.dumps(body).encode(), now=CASSO_SIGNED_AT
    )
    assert isinstance(error, webhooks.BadSignature) and error.reason == "bad_signature"


def test_casso_wrong_key_missing_header_and_shifted_time_are_refused() -> None:
    raw = json.dumps(CASSO_BODY).encode()
    wrong = casso.CassoSource({"checksum_key": "another-key"})
    assert rejected(wrong.verify, casso_headers(), raw, now=CASSO_SIGNED_AT).reason == (
        "bad_signature"
    )
    assert rejected(casso_source().verify, {}, raw, now=CASSO_SIGNED_AT).reason == "bad_signature"
    # the timestamp is signed: moving it breaks the signature, not just the drift check
    later = str(int(CASSO_T) + 1)
    error = rejected(casso_source().verify, casso_headers(t=later), raw, now=CASSO_SIGNED_AT)
    assert error.reason == "bad_signature"


@pytest.mark.parametrize("seconds", [-301, 301, 86_400])
def test_casso_outside_the_drift_is_stale(seconds: int) -> None:
    now = CASSO_SIGNED_AT + dt.timedelta(seconds=seconds)
    raw = json.dumps(CASSO_BODY).encode()
    error = rejected(casso_source().verify, casso_headers(), raw, now=now)
    assert isinstance(error, webhooks.StaleTimestamp)
    assert error.reason == "stale_timestamp"
    assert error.params == {"drift_seconds": abs(seconds), "allowed_seconds": 300}


@pytest.mark.parametrize("seconds", [-299, 0, 299])
def test_casso_inside_the_drift_is_fine(seconds: int) -> None:
    now = CASSO_SIGNED_AT + dt.timedelta(seconds=seconds)
    assert casso_source().verify(casso_headers(), json.dumps(CASSO_BODY).encode(), now=now)


def test_casso_malformed_bodies() -> None:
    source = casso_source()
    t = CASSO_T
    for raw in (b"not json", b"[1,2]", '{"a": "\u00e9"}'.encode("latin-1")):
        error = rejected(source.verify, casso_headers(), raw, now=CASSO_SIGNED_AT)
        assert isinstance(error, webhooks.MalformedBody) and error.reason == "malformed_body"
    # well signed but without the fields a transfer needs
    for body, field in (({"error": 0, "data": []}, "data"), ({"error": 0}, "data")):
        headers = casso_headers(v1=casso.signature(CASSO_KEY, t, body))
        error = rejected(source.verify, headers, json.dumps(body).encode(), now=CASSO_SIGNED_AT)
        assert isinstance(error, webhooks.MalformedBody) and error.params["field"] == field
    body = json.loads(json.dumps(CASSO_BODY))
    body["data"]["amount"] = "nhieu"
    headers = casso_headers(v1=casso.signature(CASSO_KEY, t, body))
    error = rejected(source.verify, headers, json.dumps(body).encode(), now=CASSO_SIGNED_AT)
    assert error.params == {"field": "data.amount"}


def test_casso_money_out_is_negative() -> None:
    body = json.loads(json.dumps(CASSO_BODY))
    body["data"]["amount"] = -120000
    headers = casso_headers(v1=casso.signature(CASSO_KEY, CASSO_T, body))
    [transfer] = casso_source().verify(headers, json.dumps(body).encode(), now=CASSO_SIGNED_AT)
    assert (transfer.amount, transfer.direction) == (120000, base.Direction.OUT)


def test_casso_legacy_secure_token() -> None:
    body = {
        "error": 0,
        "data": [
            {
                "id": 11,
                "tid": "FT1",
                "description": "DH0010429",
                "amount": 180000,
                "cusum_balance": 1,
                "when": "2024-10-03 15:06:37",
                "bank_sub_acc_id": "0123",
            },
            {
                "id": 12,
                "tid": "FT2",
                "description": "rut tien",
                "amount": -5000,
                "cusum_balance": 1,
                "when": "2024-10-03 15:07:00",
                "bank_sub_acc_id": "0123",
            },
        ],
    }
    raw = json.dumps(body).encode()
    source = casso_source(secure_token="legacy-token")
    transfers = source.verify({"secure-token": "legacy-token"}, raw, now=CASSO_SIGNED_AT)
    assert [(t.transaction_id, t.amount, t.direction) for t in transfers] == [
        ("11", 180000, base.Direction.IN),
        ("12", 5000, base.Direction.OUT),
    ]
    assert rejected(source.verify, {"secure-token": "nope"}, raw, now=CASSO_SIGNED_AT).reason == (
        "bad_signature"
    )
    # without a configured token, v1 calls are not taken at all
    assert rejected(casso_source().verify, {"secure-token": ""}, raw, now=CASSO_SIGNED_AT)


# --- payOS ---------------------------------------------------------------------------------


def payos_source() -> payos.PayOSSource:
    return payos.PayOSSource({"client_id": "c", "api_key": "k", "checksum_key": PAYOS_KEY})


def payos_body(data: dict[str, Any], signature: str) -> bytes:
    body = {"code": "00", "desc": "success", "success": True, "data": data}
    return json.dumps({**body, "signature": signature}).encode()


def test_payos_vectors_reproduce() -> None:
    assert payos.data_signature(PAYOS_KEY, PAYOS_DATA) == PAYOS_WEBHOOK_SIGNATURE
    request = {
        "amount": 2000,
        "description": "Thanh toán đơn hàng",
        "orderCode": 0,
        "cancelUrl": "http://localhost",
        "returnUrl": "http://localhost",
        "items": [{"name": "not signed", "quantity": 1, "price": 2000}],
    }
    assert payos.link_signature(PAYOS_KEY, request) == PAYOS_LINK_SIGNATURE


def test_payos_webhook_verifies() -> None:
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)  # no timestamp: any time verifies
    raw = payos_body(PAYOS_DATA, PAYOS_WEBHOOK_SIGNATURE)
    [transfer] = payos_source().verify({}, raw, now=now)
    assert transfer.transaction_id == "payment-link-id:FT-REFERENCE"
    assert (transfer.amount, transfer.direction, transfer.provider_code) == (
        20000,
        base.Direction.IN,
        "0",
    )
    assert transfer.occurred_at == dt.datetime(2025, 12, 12, 2, 0, tzinfo=dt.UTC)
    assert transfer.counter_account_number == "9876543210"


def test_payos_tampered_or_unsigned_webhooks_are_refused() -> None:
    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    source = payos_source()
    tampered = {**PAYOS_DATA, "amount": 200000}
    assert rejected(source.verify, {}, payos_body(tampered, PAYOS_WEBHOOK_SIGNATURE), now=now)
    assert rejected(source.verify, {}, payos_body(PAYOS_DATA, ""), now=now).reason == (
        "bad_signature"
    )
    added = {**PAYOS_DATA, "note": None}  # a null counts as an empty value, and is signed
    assert rejected(source.verify, {}, payos_body(added, PAYOS_WEBHOOK_SIGNATURE), now=now)
    signed = payos.data_signature(PAYOS_KEY, added)
    assert signed != PAYOS_WEBHOOK_SIGNATURE
    assert source.verify({}, payos_body(added, signed), now=now)
    error = rejected(source.verify, {}, b'{"data": "x"}', now=now)
    assert isinstance(error, webhooks.MalformedBody)


def test_payos_unsuccessful_data_reports_nothing() -> None:
    data = {**PAYOS_DATA, "code": "01", "desc": "failed"}
    raw = payos_body(data, payos.data_signature(PAYOS_KEY, data))
    assert payos_source().verify({}, raw, now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)) == []


# --- SePay ---------------------------------------------------------------------------------


def sepay_source(**config: str) -> sepay.SePaySource:
    return sepay.SePaySource({"webhook_secret": SEPAY_SECRET, **config})


def sepay_headers(stamp: int, body: bytes = SEPAY_BODY) -> dict[str, str]:
    return {
        "X-SePay-Timestamp": str(stamp),
        "X-SePay-Signature": sepay.signature(SEPAY_SECRET, str(stamp), body),
    }


def test_sepay_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(b"k", b"1700000000." + SEPAY_BODY, hashlib.sha256).hexdigest()
    assert sepay.signature("k", "1700000000", SEPAY_BODY) == f"sha256={expected}"


def test_sepay_hmac_verifies_the_documented_body() -> None:
    stamp = int(SEPAY_NOW.timestamp())
    [transfer] = sepay_source().verify(sepay_headers(stamp), SEPAY_BODY, now=SEPAY_NOW)
    assert transfer.transaction_id == "92704"
    assert (transfer.amount, transfer.direction) == (180000, base.Direction.IN)
    assert transfer.provider_code == "DH1042" and transfer.content == "DH1042 chuyen tien"
    assert transfer.reference == "MBVCB.3278907687"
    assert transfer.occurred_at == dt.datetime(2023, 3, 25, 7, 2, 37, tzinfo=dt.UTC)


def test_sepay_tampered_body_wrong_secret_and_drift() -> None:
    stamp = int(SEPAY_NOW.timestamp())
    source = sepay_source()
    tampered = SEPAY_BODY.replace(b"180000", b"1800000")
    assert rejected(source.verify, sepay_headers(stamp), tampered, now=SEPAY_NOW).reason == (
        "bad_signature"
    )
    other = sepay_source(webhook_secret="other")
    assert rejected(other.verify, sepay_headers(stamp), SEPAY_BODY, now=SEPAY_NOW)
    for shift in (-301, 301, 3600):
        error = rejected(source.verify, sepay_headers(stamp + shift), SEPAY_BODY, now=SEPAY_NOW)
        assert isinstance(error, webhooks.StaleTimestamp) and error.params["allowed_seconds"] == 300
    for shift in (-300, 300):
        assert source.verify(sepay_headers(stamp + shift), SEPAY_BODY, now=SEPAY_NOW)
    headers = {
        "X-SePay-Timestamp": "abc",
        "X-SePay-Signature": sepay.signature(SEPAY_SECRET, "abc", SEPAY_BODY),
    }
    assert rejected(source.verify, headers, SEPAY_BODY, now=SEPAY_NOW).code == "bad_timestamp"


def test_sepay_api_key_mode() -> None:
    source = sepay.SePaySource({"auth": "api_key", "api_key": "KEY-1"})
    assert source.verify({"authorization": "Apikey KEY-1"}, SEPAY_BODY, now=SEPAY_NOW)
    for given in ("Apikey KEY-2", "Bearer KEY-1", "KEY-1", ""):
        error = rejected(source.verify, {"Authorization": given}, SEPAY_BODY, now=SEPAY_NOW)
        assert error.code == "bad_api_key"


def test_sepay_bodies_that_are_not_transfers() -> None:
    stamp = int(SEPAY_NOW.timestamp())
    source = sepay_source()
    for change, field in (
        ({"transferType": "sideways"}, "transferType"),
        ({"transferAmount": 1.5}, "transferAmount"),
        ({"transferAmount": "1e400"}, "transferAmount"),
        ({"transferAmount": "NaN"}, "transferAmount"),
        ({"transferAmount": [1]}, "transferAmount"),
        ({"transactionDate": "25/03/2023"}, "transactionDate"),
        ({"id": None}, "id"),
    ):
        body = json.dumps({**json.loads(SEPAY_BODY), **change}).encode()
        error = rejected(source.verify, sepay_headers(stamp, body), body, now=SEPAY_NOW)
        assert isinstance(error, webhooks.MalformedBody) and error.params["field"] == field
    body = json.dumps({**json.loads(SEPAY_BODY), "transferType": "out"}).encode()
    [out] = source.verify(sepay_headers(stamp, body), body, now=SEPAY_NOW)
    assert out.direction is base.Direction.OUT


def test_sepay_config_needs_the_key_of_its_mode() -> None:
    with pytest.raises(errors.ValidationFailed) as caught:
        sepay.SePaySource({"auth": "hmac"})
    assert list(caught.value.fields) == ["webhook_secret"]
    with pytest.raises(errors.ValidationFailed) as caught:
        sepay.SePaySource({"auth": "api_key", "webhook_secret": "x"})
    assert list(caught.value.fields) == ["api_key"]
    with pytest.raises(errors.ValidationFailed) as caught:
        sepay.SePaySource({"auth": "oauth", "webhook_secret": "x"})
    assert list(caught.value.fields) == ["auth"]


# --- the registry and the contract ---------------------------------------------------------


def test_registry_lists_the_sources_with_their_secrets_marked() -> None:
    assert registry.names() == ["sepay", "casso", "payos"]
    assert registry.get("sepay").secret_fields() == {"webhook_secret", "api_key"}
    assert registry.get("casso").secret_fields() == {"checksum_key", "secure_token"}
    assert registry.get("payos").secret_fields() == {"client_id", "api_key", "checksum_key"}
    assert registry.LINKS.get("payos").secret_fields() == {"client_id", "api_key", "checksum_key"}
    source = registry.create("casso", {"checksum_key": CASSO_KEY})
    assert source.success_reply() == (200, {"success": True})
    assert base.Capability.TIMESTAMPED in source.capabilities
    assert base.Capability.TIMESTAMPED not in registry.get("payos").capabilities
    with pytest.raises(errors.ValidationFailed):
        registry.create("payos", {"checksum_key": "only"})


ODD_VALUES: tuple[Any, ...] = (
    None, True, [], {}, [1, 2], {"a": 1}, "", "x" * 500, -1, 0, 10**30, 1.5, "12", "2024-13-45",
    "2024-10-03 15:06:37.123", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", float("1e300"),
)  # fmt: skip


def test_well_signed_odd_bodies_give_transfers_or_malformed_never_a_crash() -> None:
    """Past a good signature, any field of any JSON type either reads or is MalformedBody."""
    rng = random.Random(7)
    now_sepay = SEPAY_NOW
    stamp = int(now_sepay.timestamp())
    outcomes: collections.Counter[str] = collections.Counter()
    for _ in range(400):
        sepay_body = json.loads(SEPAY_BODY)
        casso_body = json.loads(json.dumps(CASSO_BODY))
        payos_data = dict(PAYOS_DATA)
        for target in (sepay_body, casso_body["data"], payos_data):
            for key in rng.sample(sorted(target), rng.randint(1, 3)):
                if rng.random() < 0.2:
                    del target[key]
                else:
                    target[key] = rng.choice(ODD_VALUES)
        raw = json.dumps(sepay_body).encode()
        calls = [
            (sepay_source(), sepay_headers(stamp, raw), raw, now_sepay),
            (
                casso_source(),
                casso_headers(v1=casso.signature(CASSO_KEY, CASSO_T, casso_body)),
                json.dumps(casso_body).encode(),
                CASSO_SIGNED_AT,
            ),
            (
                payos_source(),
                {},
                payos_body(payos_data, payos.data_signature(PAYOS_KEY, payos_data)),
                now_sepay,
            ),
        ]
        for source, headers, body, now in calls:
            try:
                found = source.verify(headers, body, now=now)
            except webhooks.MalformedBody:
                outcomes["malformed"] += 1
                continue
            outcomes["read"] += 1
            for transfer in found:
                assert transfer.amount >= 0 and transfer.transaction_id
                assert transfer.occurred_at.tzinfo is not None
    assert outcomes["malformed"] > 100 and outcomes["read"] > 100
