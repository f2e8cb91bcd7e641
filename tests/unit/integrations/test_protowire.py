"""The protobuf wire codec TikTok's webcast messages are read with: known bytes, round trips,
and typed errors for what is not a message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.comments import protowire as pw


def test_the_documented_examples_read_and_write_as_protobuf_does() -> None:
    # Field 1 = 150 and field 2 = "testing": the examples of the protobuf encoding guide.
    assert pw.encode([(1, 150)]) == bytes.fromhex("089601")
    assert pw.encode([(2, "testing")]) == bytes.fromhex("120774657374696e67")
    fields = pw.decode(bytes.fromhex("089601120774657374696e67"))
    assert fields == {1: [150], 2: [b"testing"]}
    assert pw.integer(fields, 1) == 150 and pw.text(fields, 2) == "testing"


def test_negative_int64_takes_ten_bytes_and_reads_back_signed() -> None:
    data = pw.encode([(4, -2)])
    assert len(data) == 11
    assert pw.signed(pw.decode(data), 4) == -2
    assert pw.integer(pw.decode(data), 4) == (1 << 64) - 2


def test_nested_messages_repeated_fields_and_maps() -> None:
    user = pw.encode([(1, 6_900_000_000_000_000_001), (3, "Lan"), (38, "lan.vn")])
    chat = pw.encode([(2, user), (3, "chốt 2 NM01")])
    outer = pw.encode([(1, chat), (1, chat), *pw.map_entries(5, {"compress_type": "gzip"})])
    fields = pw.decode(outer)
    assert len(pw.messages(fields, 1)) == 2
    first = pw.messages(fields, 1)[0]
    assert pw.text(first, 3) == "chốt 2 NM01"
    assert pw.text(pw.message(first, 2), 38) == "lan.vn"
    assert pw.string_map(fields, 5) == {"compress_type": "gzip"}
    assert pw.integer(fields, 9) == 0 and pw.raw(fields, 9) == b"" and pw.message(fields, 9) == {}


def test_fixed_width_fields_round_trip() -> None:
    data = pw.encode([(3, pw.Fixed64(2**63 + 5)), (4, pw.Fixed32(7))])
    assert pw.decode(data) == {3: [pw.Fixed64(2**63 + 5)], 4: [pw.Fixed32(7)]}


values = st.one_of(
    st.integers(min_value=0, max_value=2**64 - 1),
    st.binary(max_size=40),
    st.builds(pw.Fixed64, st.integers(min_value=0, max_value=2**64 - 1)),
    st.builds(pw.Fixed32, st.integers(min_value=0, max_value=2**32 - 1)),
)


@given(st.lists(st.tuples(st.integers(min_value=1, max_value=2**29 - 1), values), max_size=20))
def test_any_message_round_trips(pairs: list[tuple[int, pw.Value]]) -> None:
    expected: dict[int, list[pw.Value]] = {}
    for number, value in pairs:
        expected.setdefault(number, []).append(value)
    assert pw.decode(pw.encode(pairs)) == expected


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (bytes.fromhex("0896"), "truncated"),  # a varint cut short
        (bytes.fromhex("1207746573"), "truncated"),  # seven bytes announced, three there
        (bytes.fromhex("19" + "00" * 4), "truncated"),  # a fixed64 cut short
        (bytes.fromhex("08" + "ff" * 10 + "01"), "bad_varint"),  # more than ten bytes
        (bytes.fromhex("0f"), "bad_wire_type"),  # wire type 7
        (bytes.fromhex("0b"), "bad_wire_type"),  # a group start (deprecated)
        (bytes.fromhex("0001"), "bad_field"),  # field number 0
    ],
)
def test_what_is_not_a_message_is_a_typed_error(data: bytes, code: str) -> None:
    with pytest.raises(pw.WireError) as caught:
        pw.decode(data)
    assert caught.value.code == code


@given(st.binary(max_size=60))
def test_arbitrary_bytes_decode_or_raise_wire_error_only(data: bytes) -> None:
    try:
        fields = pw.decode(data)
    except pw.WireError as exc:
        assert exc.code in {"truncated", "bad_varint", "bad_wire_type", "bad_field"}
    else:
        assert all(number >= 1 for number in fields)


def test_a_truncated_nested_message_fails_when_it_is_read() -> None:
    chat = pw.encode([(3, "chốt 1 MO02")])
    outer = pw.encode([(2, chat[:-2])])  # the outer message is whole, the inner is not
    fields = pw.decode(outer)
    with pytest.raises(pw.WireError):
        pw.message(fields, 2)
