"""The live desk's API on both databases: the feed with proposals and figures, confirm once
under two staff, take, dismiss, typed comments, replies, captures, club scope, permissions and
the OpenAPI document."""

from __future__ import annotations

import dataclasses
from typing import Any

import flask
import flask.testing
import pytest

from app.models import accounts
from tests import conftest
from tests.integration.app import test_live_desk as desk_tests
from tests.support import clubs as clubs_support

Role = accounts.Role
board = desk_tests.board


@dataclasses.dataclass
class Api:
    board: desk_tests.Desk
    client: flask.testing.FlaskClient
    tokens: dict[str, dict[str, str]]  # by role: the Authorization header

    def get(self, path: str, role: str = "seller") -> Any:
        return self.client.get(path, headers=self.tokens[role])

    def post(self, path: str, role: str = "seller", **kwargs: Any) -> Any:
        return self.client.post(path, headers=self.tokens[role], **kwargs)


@pytest.fixture
def api(app: flask.Flask, board: desk_tests.Desk, client: flask.testing.FlaskClient) -> Api:
    tokens = {
        role: {"Authorization": f"Bearer {conftest.issue_token(app, board.people.username(role))}"}
        for role in ("seller", "coordinator", "producer")
    }
    return Api(board, client, tokens)


def desk_path(board: desk_tests.Desk, rest: str = "") -> str:
    return f"/api/v1/live/sessions/{board.shop.session_id}/desk{rest}"


def test_the_feed_gives_new_comments_with_their_proposals_and_the_figures(api: Api) -> None:
    board = api.board
    with board.app.app_context():
        first = board.comment("chốt 2 NM1, sđt 0912 345 678")
        chatter = board.comment("shop ơi đẹp quá", author="UC-hoa")
    answer = api.get(desk_path(board))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert [item["id"] for item in body["items"]] == [first, chatter]
    coded = body["items"][0]
    assert coded["proposals"] == [
        {
            "code": "NM1",
            "slot_id": coded["proposals"][0]["slot_id"],
            "product_name": coded["proposals"][0]["product_name"],
            "quantity": 2,
            "unit_price": 79_000,
            "amount": 158_000,
            "from_slot_on_air": False,
        }
    ]
    assert coded["phone"] == "0912345678" and coded["state"] == "new"
    assert body["items"][1]["proposals"] == []
    assert body["last"] == chatter
    assert body["figures"]["comments"] == 2 and body["figures"]["orders"] == 0
    later = api.get(desk_path(board, f"?after={chatter}"))
    assert later.get_json()["items"] == [] and later.get_json()["last"] == chatter
    one = api.get(desk_path(board, "?after=0&limit=1")).get_json()
    assert [item["id"] for item in one["items"]] == [first]
    bad = api.get(desk_path(board, "?limit=0"))
    assert bad.status_code == 422 and "limit" in bad.get_json()["error"]["fields"]


def test_confirm_makes_one_order_and_the_second_staff_gets_409(api: Api) -> None:
    board = api.board
    with board.app.app_context():
        comment = board.comment("NM1 x2")
    done = api.post(f"/api/v1/live/comments/{comment}/confirm")
    assert done.status_code == 200, done.get_json()
    item = done.get_json()
    assert item["state"] == "confirmed" and item["order_code"] and item["order_id"]
    again = api.post(f"/api/v1/live/comments/{comment}/confirm", "coordinator")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    with board.app.app_context():
        assert board.stock("NM-500") == 8
    figures = api.get(desk_path(board, "/figures")).get_json()
    assert figures["orders"] == 1 and figures["gmv"] == 158_000
    nm1 = next(slot for slot in figures["slots"] if slot["code"] == "NM1")
    assert (nm1["units"], nm1["stock"]) == (2, 8)


def test_take_dismiss_and_a_comment_taken_by_another(api: Api) -> None:
    board = api.board
    with board.app.app_context():
        comment = board.comment("NM1")
        chatter = board.comment("đẹp quá", author="UC-hoa")
    taken = api.post(f"/api/v1/live/comments/{comment}/take")
    assert taken.status_code == 200 and taken.get_json()["state"] == "taken"
    assert taken.get_json()["taken_by"] == board.people.username("seller")
    other = api.post(f"/api/v1/live/comments/{comment}/take", "coordinator")
    assert other.status_code == 409
    gone = api.post(f"/api/v1/live/comments/{chatter}/dismiss", "coordinator")
    assert gone.status_code == 200 and gone.get_json()["state"] == "dismissed"
    missing = api.post("/api/v1/live/comments/999999/take")
    assert missing.status_code == 404


def test_typed_comments_and_a_reply_to_copy(api: Api) -> None:
    board = api.board
    added = api.post(
        desk_path(board, "/comments"), json={"comments": "Lan: chốt 1 NM1\n\n  CH2 2  "}
    )
    assert added.status_code == 201, added.get_json()
    rows = added.get_json()
    assert [(r["author_name"], r["text"], r["origin"]) for r in rows] == [
        ("Lan", "chốt 1 NM1", "manual"),
        (None, "CH2 2", "manual"),
    ]
    empty = api.post(desk_path(board, "/comments"), json={"comments": " \n "})
    assert empty.status_code in {400, 422} and "comments" in empty.get_json()["error"]["fields"]
    first = rows[0]["id"]
    unconfirmed = api.post(f"/api/v1/live/comments/{first}/reply")
    assert unconfirmed.status_code == 409
    api.post(f"/api/v1/live/comments/{first}/confirm")
    sent = api.post(f"/api/v1/live/comments/{first}/reply")
    assert sent.status_code == 200, sent.get_json()
    body = sent.get_json()
    assert body["to_copy"] is True and body["message"]["status"] == "to_copy"
    assert "/pay/" in body["message"]["text"]
    item = api.get(desk_path(board)).get_json()["items"][0]
    assert item["reply"]["id"] == body["message"]["id"]


def test_captures_list_start_refusal_and_scope(
    api: Api, other_club: clubs_support.OtherClub
) -> None:
    board, client = api.board, api.client
    listed = api.get(f"/api/v1/live/sessions/{board.shop.session_id}/captures")
    assert listed.status_code == 200 and listed.get_json() == []
    refused = api.post(
        f"/api/v1/live/sessions/{board.shop.session_id}/captures", json={"account_id": 999}
    )
    assert (
        refused.status_code in {400, 422} and "account_id" in refused.get_json()["error"]["fields"]
    )
    stranger = {"Authorization": f"Bearer {conftest.issue_token(board.app, other_club.seller)}"}
    for path in (desk_path(board), desk_path(board, "/figures"), desk_path(board, "/waitlist")):
        assert client.get(path, headers=stranger).status_code == 404, path
    producer = api.get(desk_path(board), "producer")
    assert producer.status_code == 403
    anonymous = client.get(desk_path(board))
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"]


def test_the_desk_api_is_in_the_openapi_document(client: flask.testing.FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/live/sessions/{session_id}/desk",
        "/api/v1/live/sessions/{session_id}/desk/figures",
        "/api/v1/live/sessions/{session_id}/desk/waitlist",
        "/api/v1/live/sessions/{session_id}/desk/comments",
        "/api/v1/live/comments/{comment_id}/confirm",
        "/api/v1/live/comments/{comment_id}/reply",
        "/api/v1/live/sessions/{session_id}/captures",
        "/api/v1/live/captures/{capture_id}/stop",
    ):
        assert path in paths, path
