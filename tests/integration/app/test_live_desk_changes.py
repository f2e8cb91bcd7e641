"""What one staff member does shows on every open desk, on both databases: a feed read with
``since`` (when the last read began) brings back the rows already shown that changed (taken,
confirmed, a hold released), a waiting read wakes for such a change, and the page's feed and
the API carry them with the captures' status."""

from __future__ import annotations

import datetime as dt
from typing import Any

import flask.testing

from app import extensions
from app.core import clock
from app.live import desk, holds
from tests import conftest
from tests.integration.app import test_live_desk as desk_tests

board = desk_tests.board
Desk = desk_tests.Desk


def _ids(items: list[desk.Item]) -> list[int]:
    return [item.comment.id for item in items]


def test_rows_changed_after_a_read_come_back_and_wake_a_waiting_read(board: Desk) -> None:
    with board.app.app_context():
        ordered = board.comment("NM1 x1")
        chatter = board.comment("đẹp quá", author="UC-hoa")
        later = board.comment("NM1 x2", author="UC-minh")
        session_id = board.shop.session_id
        read = clock.utcnow()

        def changed(after_id: int, since: dt.datetime) -> list[int]:
            return _ids(
                board.as_("seller", desk.changed, session_id, after_id=after_id, since=since)
            )

        clock_ = desk_tests.WaitClock(board)
        naps = clock_.naps

        def waits(since: dt.datetime) -> bool:
            return clock_.waits(later, 0.5, since=since)

        assert changed(later, read + dt.timedelta(minutes=1)) == []
        assert not waits(read) and naps, "nothing changed: the read waits to its bound"
        board.as_("seller", desk.confirm, ordered)
        board.as_("coordinator", desk.take, later)
        assert changed(later, read) == [ordered, later]
        states = {
            i.comment.id: i.comment.state.value
            for i in board.as_("seller", desk.changed, session_id, after_id=later, since=read)
        }
        assert states == {ordered: "confirmed", later: "taken"}
        assert chatter not in changed(later, read)
        assert changed(ordered, read) == [ordered], "rows after after_id are new, not changed"
        assert waits(read) and naps == [], "a change after the last read wakes it at once"
        assert not waits(clock.utcnow() + dt.timedelta(seconds=1)), "not one before it"

        # The hold runs out: the order changes, so its comment comes back to every desk.
        after_confirm = clock.utcnow() + dt.timedelta(seconds=10)
        assert changed(later, after_confirm) == []
        start = clock.utcnow()
        released = [
            order_id
            for moment in (start + dt.timedelta(hours=2), start + dt.timedelta(hours=3))
            for order_id in holds.release_due(extensions.session(), now=lambda at=moment: at)
        ]  # reminded, then released
        assert len(released) == 1
        assert ordered in changed(later, clock.utcnow())


def test_the_feed_sends_changed_rows_the_captures_and_when_it_read(
    board: Desk, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> None:
    auth.login(board.people.username("seller"))
    feed = f"/live/sessions/{board.shop.session_id}/desk/feed"
    page = client.get(f"/live/sessions/{board.shop.session_id}/desk").get_data(as_text=True)
    assert 'data-since="' in page and 'id="desk-captures-list"' in page
    with board.app.app_context():
        first = board.comment("chốt 1 NM1")
        second = board.comment("NM1 x2", author="UC-hoa")
    body: dict[str, Any] = client.get(f"{feed}?after=0").get_json()
    assert body["rows"].index(f'id="comment-{first}"') < body["rows"].index(
        f'id="comment-{second}"'
    ), "oldest first: desk.js puts each on top"
    assert "changed" not in body and "captures" in body and body["since"]
    since = body["since"]
    with board.app.app_context():
        board.as_("coordinator", desk.confirm, first)
    again = client.get(feed, query_string={"after": second, "since": since}).get_json()
    assert 'data-testid="desk-row"' not in again["rows"], "nothing new"
    assert f'id="comment-{first}"' in again["changed"]
    assert 'data-state="confirmed"' in again["changed"]
    assert f'id="comment-{second}"' not in again["changed"]
    quiet = client.get(
        feed, query_string={"after": second, "since": again["since"], "figures": 0}
    ).get_json()
    assert "figures" not in quiet and "captures" not in quiet


def test_the_api_feed_sends_changed_comments_with_since(
    board: Desk, client: flask.testing.FlaskClient
) -> None:
    token = conftest.issue_token(board.app, board.people.username("seller"))
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/live/sessions/{board.shop.session_id}/desk"
    with board.app.app_context():
        first = board.comment("NM1")
    body = client.get(path, headers=headers).get_json()
    assert body["last"] == first and "changed" not in body
    with board.app.app_context():
        board.as_("coordinator", desk.take, first)
    again = client.get(
        path, query_string={"after": first, "since": body["since"]}, headers=headers
    ).get_json()
    assert again["items"] == []
    assert [(c["id"], c["state"]) for c in again["changed"]] == [(first, "taken")]
