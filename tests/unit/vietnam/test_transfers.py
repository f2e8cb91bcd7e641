"""Order codes in transfer content: made short and checkable, found again after the banks
have mangled them, and never matched to another order when truncated or mistyped."""

from __future__ import annotations

import random

import pytest

from vietnam import transfers
from vietnam.transfers import Problem, find_codes, make_code, normalise, order_ids

CODE = make_code(1042)  # DH0010429


def test_codes_are_short_uppercase_ascii_with_a_check_digit() -> None:
    assert CODE == "DH0010429"
    assert make_code(1) == "DH0000013"
    assert make_code(999_999) == "DH9999990"  # the last 9-character code (payOS's limit)
    assert make_code(1_000_000) == "DH10000004"
    assert make_code(999_999_999) == "DH9999999990"
    assert make_code(42, prefix="OCOP") == "OCOP0000427"
    for order_id in (0, 7, 1042, 123_456, 10**6, 98_765_432, 10**9 - 1):
        code = make_code(order_id)
        assert len(code) <= 12 and code.isascii() and code.isupper() and code.isalnum()
        assert transfers.damm_digit(code[2:]) == 0


@pytest.mark.parametrize(
    ("order_id", "prefix"), [(-1, "DH"), (10**9, "DH"), (5, "D"), (5, "dh"), (5, "DH1")]
)
def test_bad_input_is_refused(order_id: int, prefix: str) -> None:
    with pytest.raises(ValueError):
        make_code(order_id, prefix=prefix)


def test_normalise_follows_the_contract() -> None:
    assert normalise("Dh-0010 429 chuyển tiền") == "DH0010429CHUYENTIEN"
    assert normalise("Đơn đặt hàng #42") == "DONDATHANG42"
    assert normalise("đ") == "D"
    decomposed = "Thanh toa\u0301n"  # NFD input gives the same result as NFC
    assert normalise(decomposed) == normalise("Thanh toán") == "THANHTOAN"
    assert normalise("MBVCB.3278907687/IBFT_x") == "MBVCB3278907687IBFTX"
    assert normalise("😀 DH１２") == "DH"  # other scripts' digits are not ASCII digits


# Real-looking contents as buyers' apps and banks deliver them, each naming order 1042.
MANGLED = [
    CODE,
    f"{CODE} chuyen tien",
    "dh-001042 9",
    "D H0010429",
    "Dh0010429 chuyen tien",
    "dh_001042_9",
    "DH#001042/9",
    f"IBFT {CODE}",
    f"MBVCB.3278907687.{CODE}.CT tu 0011004123456 NGUYEN VAN A toi 0123499999",
    f"NGUYEN VAN A chuyen tien {CODE.lower()}",
    f"APPMB 1234567 {CODE} FT24123456789",
    f"{CODE}-NGUYEN THI HOA-Thanh toán đơn hàng",
    f"Thanh toán đơn {CODE[:4]} {CODE[4:]}",
    f"TKThe :0011004123456, tai VCB. {CODE} -CTLNHIDI000012345678",
    f"{CODE}1234",  # a trace number glued to the code
    f"{CODE} 20260412 1530",  # digits after a space: spaces are deleted too
    f"REM Tfr Ac: 123456789 {CODE} O@L",
]


SMALL_CLUB = 10**6 - 1  # every order id below a million: every code 9 characters


@pytest.mark.parametrize("content", MANGLED)
def test_the_code_survives_what_banks_do(content: str) -> None:
    assert order_ids(content, max_id=SMALL_CLUB) == [1042]
    hit = next(h for h in find_codes(content, max_id=SMALL_CLUB) if h.valid)
    assert (hit.code, hit.order_id, hit.ambiguous) == (CODE, 1042, False)
    if not hit.extra_digits:  # nothing glued: no doubt even when longer codes may exist
        assert order_ids(content) == [1042]


def test_glued_digits_are_reported_and_ignored_by_the_length_rule() -> None:
    hits = find_codes(f"IBFT {CODE}1234", max_id=SMALL_CLUB)
    assert len(hits) == 1
    assert (hits[0].order_id, hits[0].extra_digits, hits[0].start) == (1042, "1234", 4)
    # every digit string glued after a code leaves one reading while codes are 9 characters
    rng = random.Random(3)
    for _ in range(300):
        order_id = rng.randrange(10**6)
        tail = str(rng.randrange(10**6))
        found = find_codes(make_code(order_id) + tail, max_id=SMALL_CLUB)
        assert [(h.valid, h.order_id, h.ambiguous) for h in found] == [(True, order_id, False)]


def test_glued_digits_are_ambiguous_once_longer_codes_may_exist() -> None:
    # a mistyped long code can read as a short code plus a glued digit: never matched blindly
    hits = find_codes("DH35056093")  # DH35006093 (order 3500609) with one digit mistyped
    assert [(h.valid, h.order_id, h.extra_digits, h.ambiguous) for h in hits] == [
        (True, 350560, "3", True)
    ]
    assert order_ids("DH35056093") == [] and order_ids(f"{CODE}1234") == []
    assert order_ids("DH35056093", max_id=SMALL_CLUB) == [350560]  # the caller's knowledge
    assert [h.problem for h in find_codes(make_code(900), max_id=500)] == [Problem.UNKNOWN_ID]
    assert order_ids(make_code(2_000_000), max_id=SMALL_CLUB) == []  # longer than any code


def test_long_codes_with_glued_digits_can_be_ambiguous_and_say_so() -> None:
    rng = random.Random(11)
    seen_ambiguous = 0
    for _ in range(400):
        order_id = rng.randrange(10**6, 10**8)
        content = make_code(order_id) + str(rng.randrange(100, 1000))
        found = find_codes(content)
        assert order_id in [h.order_id for h in found]
        if len(found) > 1:
            seen_ambiguous += 1
            assert all(h.ambiguous and h.valid for h in found)
            assert order_ids(content) == []  # never picked blindly
    assert seen_ambiguous > 0  # one in ten or so: the caller decides by amount, or a person


def test_truncation_at_vietqrs_25_characters_is_detected_not_misread() -> None:
    content = f"APPMB123456789012 NGUYEN VAN A {CODE}"[:25]
    assert normalise(content) == "APPMB123456789012NGUYEN"
    assert find_codes(content) == [] and order_ids(content) == []
    content = f"MBVCB.3278907687.{CODE}"[:25]  # the code loses its check digit and more
    hits = find_codes(content)
    assert [(h.valid, h.problem, h.code) for h in hits] == [(False, Problem.TOO_SHORT, "DH001042")]
    for cut in range(3, len(CODE)):
        assert [h.valid for h in find_codes(CODE[:cut])] in ([], [False])


def test_a_long_trace_id_before_the_code() -> None:
    content = f"0011004123456-20260412153012-FT24123456789012-APPMB99887766 {CODE}"
    assert order_ids(content) == [1042]
    hit = find_codes(content)[0]
    assert normalise(content)[hit.start :].startswith(CODE)


def test_two_codes_in_one_content_are_both_found_in_order() -> None:
    content = f"{make_code(17)} {make_code(4711)} hai don"
    assert order_ids(content) == [17, 4711]
    assert order_ids(f"{CODE} {CODE.lower()}") == [1042]  # once each


@pytest.mark.parametrize("order_id", [1042, 7, 555_555, 1_234_567])
def test_every_single_digit_error_and_adjacent_swap_is_detected(order_id: int) -> None:
    code = make_code(order_id)
    digits = code[2:]
    for i in range(len(digits)):
        for d in "0123456789":
            if d != digits[i]:
                typo = digits[:i] + d + digits[i + 1 :]
                assert order_ids("DH" + typo) == [], typo
        if i + 1 < len(digits) and digits[i] != digits[i + 1]:
            swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
            assert order_ids("DH" + swapped) == [], swapped


def test_a_dropped_or_added_zero_is_not_another_order() -> None:
    assert [h.problem for h in find_codes("DH010429")] == [Problem.TOO_SHORT]
    assert [h.problem for h in find_codes("DH00010429")] == [Problem.NOT_CANONICAL]
    assert order_ids("DH00010429") == []


def test_broken_candidates_are_reported_with_their_problem() -> None:
    hits = find_codes(f"DH0010428 {CODE}")  # a typo and the right code
    assert [(h.valid, h.problem, h.order_id) for h in hits] == [
        (False, Problem.CHECK_DIGIT, None),
        (True, "", 1042),
    ]
    assert find_codes("chuyen tien DH mua hang") == []
    assert find_codes("DH") == []


def test_another_prefix_is_read_only_when_asked_for() -> None:
    content = f"{make_code(42, prefix='OCOP')} {make_code(43)}"
    assert order_ids(content, prefix="OCOP") == [42]
    assert order_ids(content) == [43]


def test_random_codes_never_match_another_order_after_one_random_change() -> None:
    rng = random.Random(20)
    for _ in range(2000):
        order_id = rng.randrange(10**7)
        code = make_code(order_id)
        i = rng.randrange(2, len(code))
        changed = code[:i] + rng.choice("0123456789") + code[i + 1 :]
        found = order_ids(changed + " chuyen tien")
        assert found in ([order_id], []), (code, changed, found)
        if changed != code:
            assert found == []
