"""The live selling desk's pages on both databases: the feed and its JSON refresh, actions by
form and in place, comments typed by hand, a capture started from the desk against the YouTube
sandbox, and the comment accounts page with Facebook's consent flow."""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qs, urlsplit

import flask
import pytest
import requests
import sqlalchemy as sa

from app import extensions
from app.jobs import tasks
from app.live import capture, holds, replies
from app.models import comments as models
from app.models import orders
from sandbox import core, livechat
from tests import conftest
from tests.integration.app import test_jobs
from tests.integration.app import test_live_desk as desk_tests
from tests.support import payments as payment_support
from vietnam import transfers


@pytest.fixture
def signed_in(
    board: desk_tests.Desk, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> flask.testing.FlaskClient:
    auth.login(board.people.username("seller"))
    return client


board = desk_tests.board


def desk_url(board: desk_tests.Desk) -> str:
    return f"/live/sessions/{board.shop.session_id}/desk"


def test_the_desk_shows_comments_with_their_proposals_and_refreshes(
    board: desk_tests.Desk, signed_in: flask.testing.FlaskClient
) -> None:
    empty = signed_in.get(desk_url(board))
    assert empty.status_code == 200
    assert 'data-testid="desk-empty"' in empty.get_data(as_text=True)
    with board.app.app_context():
        first = board.comment("chốt 2 NM1")
        board.comment("shop ơi đẹp quá", author="UC-hoa")
    page = signed_in.get(desk_url(board)).get_data(as_text=True)
    assert "chốt 2 NM1" in page and 'data-testid="desk-confirm"' in page
    assert "158.000" in page  # 2 × 79.000 đ, proposed
    fresh = signed_in.get(f"{desk_url(board)}/feed?after={first}")
    assert fresh.status_code == 200 and fresh.headers["Cache-Control"] == "no-store"
    body = fresh.get_json()
    assert "shop ơi đẹp quá" in body["rows"] and "chốt 2 NM1" not in body["rows"]
    assert body["last"] > first
    assert 'data-testid="desk-figures"' in body["figures"]


def test_the_feed_waits_for_news_when_asked_and_leaves_the_figures_out_when_told(
    board: desk_tests.Desk, signed_in: flask.testing.FlaskClient
) -> None:
    with board.app.app_context():
        first = board.comment("chốt 2 NM1")
    feed = f"{desk_url(board)}/feed"
    # A long poll with something new answers with it at once, as a plain read does.
    news = signed_in.get(f"{feed}?after=0&wait=20", headers={"Accept": "application/json"})
    assert news.status_code == 200 and news.headers["Cache-Control"] == "no-store"
    assert "chốt 2 NM1" in news.get_json()["rows"] and news.get_json()["last"] == first
    # Nothing new within the wait: no rows, the same place, and the figures unless told not.
    quiet = signed_in.get(f"{feed}?after={first}&wait=0.3").get_json()
    assert quiet["rows"].strip() == "" and quiet["last"] == first
    assert 'data-testid="desk-figures"' in quiet["figures"]
    bare = signed_in.get(f"{feed}?after={first}&wait=0.3&figures=0").get_json()
    assert "figures" not in bare and bare["last"] == first
    # A wait that is not a number is no wait; the desk page still loads its script.
    assert signed_in.get(f"{feed}?after={first}&wait=soon").status_code == 200
    page = signed_in.get(desk_url(board)).get_data(as_text=True)
    assert "desk.js" in page and f'data-last="{first}"' in page


def test_confirm_in_place_and_by_form(
    board: desk_tests.Desk, signed_in: flask.testing.FlaskClient
) -> None:
    with board.app.app_context():
        first = board.comment("NM1 x2")
        second = board.comment("CH2", author="UC-hoa", minute=30)
    answer = signed_in.post(
        f"/live/comments/{first}/confirm", headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200
    assert 'data-testid="desk-done"' in answer.get_json()["row"]
    assert 'data-testid="desk-hold"' in answer.get_json()["row"]  # "giữ hàng đến …"
    again = signed_in.post(
        f"/live/comments/{first}/confirm", headers={"Accept": "application/json"}
    )
    assert again.status_code == 409 and again.get_json()["error"]
    assert 'data-testid="desk-done"' in again.get_json()["row"]  # the row as it now stands
    by_form = signed_in.post(f"/live/comments/{second}/confirm")
    assert by_form.status_code == 302 and by_form.location.endswith(desk_url(board))
    dismissed = signed_in.post(f"/live/comments/{second}/dismiss", follow_redirects=True)
    assert "Người dùng seller đã chốt bình luận này vào đơn LIVE" in dismissed.get_data(
        as_text=True
    )
    with board.app.app_context():
        assert extensions.session().scalar(sa.select(sa.func.count(orders.Order.id))) == 2
    figures = signed_in.get(f"{desk_url(board)}/feed").get_json()["figures"]
    assert "208.000" in figures  # 158.000 + 50.000 đ so far


def test_a_comment_confirmed_by_someone_else_answers_with_its_row_and_who_did_it(
    board: desk_tests.Desk, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> None:
    with board.app.app_context():
        comment_id = board.comment("NM1 x1")
        order = board.as_("seller", desk_tests.desk.confirm, comment_id)
        code = order.external_id
    auth.login(board.people.username("coordinator"))
    late = client.post(
        f"/live/comments/{comment_id}/confirm", headers={"Accept": "application/json"}
    )
    assert late.status_code == 409
    body = late.get_json()
    assert body["error"] == f"Người dùng seller đã chốt bình luận này vào đơn {code}."
    assert 'data-testid="desk-done"' in body["row"]
    assert 'data-testid="desk-confirm"' not in body["row"]
    assert 'data-testid="desk-notice"' in body["row"] and code in body["row"]
    with board.app.app_context():
        assert extensions.session().scalar(sa.select(sa.func.count(orders.Order.id))) == 1


def test_the_figures_show_comments_per_minute_with_their_decimal(
    board: desk_tests.Desk, signed_in: flask.testing.FlaskClient
) -> None:
    with board.app.app_context():
        board.comment("shop ơi")  # received now: 1 comment in the last 5 minutes
    figures = signed_in.get(f"{desk_url(board)}/feed").get_json()["figures"]
    assert '<dd data-testid="desk-rate">0,2</dd>' in figures


def test_comments_typed_by_hand_join_the_feed(
    board: desk_tests.Desk, signed_in: flask.testing.FlaskClient
) -> None:
    response = signed_in.post(
        f"{desk_url(board)}/manual",
        data={"comments": "Lan: chốt 1 NM1\nlấy 2 CH2 nhé\n\n"},
        follow_redirects=True,
    )
    assert "Đã thêm 2 bình luận." in response.get_data(as_text=True)
    with board.app.app_context():
        rows = extensions.session().scalars(sa.select(models.LiveComment)).all()
        assert sorted((r.author_name or "", r.text, r.origin.value) for r in rows) == [
            ("", "lấy 2 CH2 nhé", "manual"),
            ("Lan", "chốt 1 NM1", "manual"),
        ]
    nothing = signed_in.post(f"{desk_url(board)}/manual", data={"comments": "  "})
    assert nothing.status_code == 302


def test_a_capture_starts_and_stops_from_the_desk(
    board: desk_tests.Desk,
    signed_in: flask.testing.FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = test_jobs.FakeDispatch()
    monkeypatch.setattr(tasks, "dispatch", fake)
    chat = livechat.LiveChat(livechat.scripted_chat(30, seconds=40, seed=2))
    with core.Server(livechat.YouTubeLive(chat)) as server:
        with board.app.app_context():
            account = board.as_(
                "coordinator",
                capture.comment_accounts.add_account,
                platform="youtube",
                name="Kênh CLB",
                settings={"api_key": livechat.DEMO_API_KEY, "api_base_url": server.url},
            )
            account_id = account.id
        page = signed_in.get(desk_url(board)).get_data(as_text=True)
        assert "Kênh CLB (youtube)" in page
        started = signed_in.post(
            f"/live/sessions/{board.shop.session_id}/captures",
            data={"account_id": account_id, "live_ref": livechat.DEMO_VIDEO_ID},
            follow_redirects=True,
        )
        assert "Đã bắt đầu thu bình luận." in started.get_data(as_text=True)
        assert [queue for _, queue in fake.sent] == ["live"]
        with board.app.app_context():
            row = extensions.session().scalars(sa.select(models.CommentCapture)).one()
            capture.run(extensions.session(), row.id, sleep=chat.advance)
            capture_id = row.id
        page = signed_in.get(desk_url(board)).get_data(as_text=True)
        assert 'data-testid="desk-capture"' in page and "Buổi live đã kết thúc" in page
        assert page.count('data-testid="desk-row"') == 30
        stopped = signed_in.post(f"/live/captures/{capture_id}/stop")
        assert stopped.status_code == 302


def consent(client: flask.testing.FlaskClient, server: core.Server) -> SplitResult:
    """Start connecting a Facebook Page through the page's form and go through the sandbox's
    consent dialog as a browser would: where Facebook sends the browser back."""
    begin = client.post(
        "/live/comment-accounts/facebook",
        data={
            "app_id": livechat.DEMO_APP_ID,
            "app_secret": livechat.DEMO_APP_SECRET,
            "api_base_url": server.url,
            "authorize_url_base": server.url,
        },
    )
    assert begin.status_code == 302 and begin.location.startswith(server.url)
    answer = requests.get(begin.location, allow_redirects=False, timeout=5)
    return urlsplit(answer.headers["Location"])


def test_comment_accounts_connect_a_facebook_page(
    board: desk_tests.Desk, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> None:
    auth.login(board.people.username("coordinator"))
    assert client.get("/live/comment-accounts").status_code == 200
    chat = livechat.LiveChat(livechat.scripted_chat(5, seconds=10))
    with core.Server(livechat.FacebookLive(chat)) as server:
        back = consent(client, server)
        assert back.path == "/live/comment-accounts/facebook/callback"
        query = parse_qs(back.query)
        done = client.get(
            f"{back.path}?state={query['state'][0]}&code={query['code'][0]}",
            follow_redirects=True,
        )
        text = done.get_data(as_text=True)
        assert "Đã kết nối Trang HTX Nước mắm Móng Cái." in text
        assert livechat.DEMO_APP_SECRET not in text
    youtube = client.post(
        "/live/comment-accounts/youtube",
        data={"name": "Kênh", "api_key": "k-123"},
        follow_redirects=True,
    )
    assert "Đã lưu kênh YouTube." in youtube.get_data(as_text=True)
    assert "k-123" not in youtube.get_data(as_text=True)


def test_sellers_use_the_desk_but_do_not_manage_accounts(
    board: desk_tests.Desk, signed_in: flask.testing.FlaskClient
) -> None:
    assert signed_in.get("/live/comment-accounts").status_code == 403
    assert signed_in.get(desk_url(board)).status_code == 200
    assert signed_in.get("/live/sessions/987654/desk").status_code == 404


def test_the_host_screen_and_the_desk_show_the_live_figures(
    board: desk_tests.Desk, signed_in: flask.testing.FlaskClient
) -> None:
    host_url = f"/live/sessions/{board.shop.session_id}/host"
    before = signed_in.get(f"{host_url}/state").get_json()
    assert before["figures"]["orders"] == 0 and before["figures"]["gmv"] == 0
    with board.app.app_context():
        board.as_("seller", desk_tests.desk.confirm, board.comment("NM1 x4"))
        board.comment("đẹp quá", author="UC-hoa")
    state = signed_in.get(f"{host_url}/state").get_json()
    assert state["next"]["code"] == "NM1" and state["next"]["stock_left"] == 6
    assert state["next"]["units_sold"] == 4
    assert state["figures"]["gmv"] == 4 * 79_000 and state["figures"]["orders"] == 1
    assert state["figures"]["gmv_label"].startswith("316.000")
    assert state["figures"]["comments"] == 2
    screen = signed_in.get(host_url).get_data(as_text=True)
    assert 'data-testid="host-gmv">316.000' in screen and "1 đơn" in screen
    figures = signed_in.get(f"{desk_url(board)}/feed").get_json()["figures"]
    assert "còn 6" in figures and "đã bán 4" in figures


def _pay_into_the_club(board: desk_tests.Desk) -> None:
    with board.app.app_context():
        extensions.session().add(
            orders.PaymentAccount(
                club_id=board.club_id(),
                bank_bin="970436",
                account_number="0011004455667",
                account_name="CLB LIVESTREAM MONG CAI",
            )
        )
        extensions.session().commit()


def test_a_facebook_buyer_gets_a_private_reply_with_the_payment_link_once(
    board: desk_tests.Desk,
    client: flask.testing.FlaskClient,
    auth: conftest.Auth,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tasks, "dispatch", test_jobs.FakeDispatch())
    _pay_into_the_club(board)
    auth.login(board.people.username("coordinator"))
    script = livechat.scripted_chat(20, seconds=30, codes=("NM1",), seed=4)
    chat = livechat.LiveChat(script)
    with core.Server(livechat.FacebookLive(chat)) as server, board.app.app_context():
        back = consent(client, server)
        client.get(f"{back.path}?{back.query}")
        account = extensions.session().scalars(sa.select(models.CommentAccount)).one()
        row = board.as_("coordinator", capture.start, board.shop.session_id, account_id=account.id)
        capture.run(extensions.session(), row.id, sleep=chat.advance)
        ordering = [
            c
            for c in extensions.session().scalars(sa.select(models.LiveComment))
            if desk_tests.desk.propose(c.session, c)[0]
        ]
        comment_id = ordering[0].id
        order = board.as_("coordinator", desk_tests.desk.confirm, comment_id)
        answer = client.post(
            f"/live/comments/{comment_id}/reply", headers={"Accept": "application/json"}
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.get_json()["message"] == "Đã gửi tin nhắn riêng cho người mua."
        assert 'data-testid="desk-reply-status"' in answer.get_json()["row"]
        [sent] = chat.replies
        assert transfers.make_code(order.id) in sent["text"] and "/pay/" in sent["text"]
        again = client.post(
            f"/live/comments/{comment_id}/reply", headers={"Accept": "application/json"}
        )
        assert again.status_code == 409 and len(chat.replies) == 1
        detail = client.get(f"/orders/{order.id}").get_data(as_text=True)
        assert 'data-testid="order-message"' in detail and "Đã gửi tin nhắn riêng" in detail

        # The link in the reply: the buyer's payment page, no sign-in.
        link = urlsplit(next(word for word in sent["text"].split() if "/pay/" in word))
        anonymous = board.app.test_client()
        page = anonymous.get(link.path)
        assert page.status_code == 200
        assert transfers.make_code(order.id) in page.get_data(as_text=True)
        assert anonymous.get("/pay/forged-token").status_code == 404
        order.status = orders.OrderStatus.PAID
        extensions.session().commit()
        assert anonymous.get(link.path).status_code == 404  # nothing left to pay


def test_a_comment_without_a_private_channel_gets_a_message_to_copy(
    board: desk_tests.Desk, signed_in: flask.testing.FlaskClient
) -> None:
    _pay_into_the_club(board)
    with board.app.app_context():
        comment = board.comment("NM1 x2")
        board.as_("seller", desk_tests.desk.confirm, comment)
    answer = signed_in.post(f"/live/comments/{comment}/reply", follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "hãy sao chép tin nhắn và gửi tay" in page
    assert 'data-testid="desk-reply-text"' in page and "158.000" in page
    with board.app.app_context():
        [message] = extensions.session().scalars(sa.select(models.OrderMessage)).all()
        assert message.status is models.MessageStatus.TO_COPY and message.channel == "copy"


def test_a_reply_needs_a_confirmed_comment_and_a_valid_template(
    board: desk_tests.Desk, signed_in: flask.testing.FlaskClient
) -> None:
    with board.app.app_context():
        comment = board.comment("NM1")
    refused = signed_in.post(
        f"/live/comments/{comment}/reply", headers={"Accept": "application/json"}
    )
    assert refused.status_code == 409
    assert holds.template_problem("Chào {ten}, đơn {ma_don}") is None
    assert holds.template_problem("Chào {ten") is not None
    assert "khong_co" in (holds.template_problem("{khong_co}") or "")
    settings = signed_in.post(
        "/live/desk-settings", data={"hold_minutes": "45", "reply_template": "Chào {ten"}
    )
    assert settings.status_code == 403  # sellers use the desk; coordinators set it


def test_the_coordinator_sets_the_hold_time_and_the_reply(
    board: desk_tests.Desk, client: flask.testing.FlaskClient, auth: conftest.Auth
) -> None:
    auth.login(board.people.username("coordinator"))
    bad = client.post(
        "/live/desk-settings",
        data={"hold_minutes": "45", "reply_template": "Chào {ten"},
        follow_redirects=True,
    )
    assert "Dấu ngoặc { } chưa đóng mở đúng." in bad.get_data(as_text=True)
    reply = "Chào {ten}! Đơn {ma_don}: {tong_tien}."
    settings = {"hold_minutes": "45", "reminder_minutes": "0", "reply_template": reply}
    good = client.post("/live/desk-settings", data=settings, follow_redirects=True)
    assert "Đã lưu cài đặt bàn chốt đơn." in good.get_data(as_text=True)
    assert 'name="reminder_minutes"' in good.get_data(as_text=True)
    with board.app.app_context():
        saved = holds.settings_of(extensions.session(), board.club_id())
        assert (saved.hold_minutes, saved.reminder_minutes) == (45, 0)
        order = board.as_("seller", desk_tests.desk.confirm, board.comment("NM1"))
        assert order.hold_until is not None
        assert (order.hold_until - order.updated_at).total_seconds() // 60 in (44, 45)
        text = replies.reply_text(
            order, holds.settings_of(extensions.session(), board.club_id()).reply_template, "x"
        )
        assert text == f"Chào Lan! Đơn {transfers.make_code(order.id)}: 79.000 ₫."


def test_a_transfer_shows_on_the_desk_row_part_paid_then_paid(
    board: desk_tests.Desk, signed_in: flask.testing.FlaskClient
) -> None:
    with board.app.app_context():
        board.as_("seller", desk_tests.desk.confirm, board.comment("NM1 x2"))
    row = str(signed_in.get(f"{desk_url(board)}/feed").get_json()["rows"])
    assert 'data-testid="desk-hold"' in row and 'data-testid="desk-paid"' not in row

    def pay(number: str, amount: int) -> str:
        with board.app.app_context():
            order = extensions.session().scalars(sa.select(orders.Order)).one()
            code = transfers.make_code(order.id)
            payment_support.pay(order.club_id, number, amount, f"{code} chuyen tien")
        return str(signed_in.get(f"{desk_url(board)}/feed").get_json()["rows"])

    part = pay("T1", 100_000)  # of 158.000 đ
    assert 'data-testid="desk-part-paid"' in part and "100.000" in part
    assert 'data-testid="desk-hold"' in part  # still held: not paid yet
    paid = pay("T2", 58_000)
    assert 'data-testid="desk-paid"' in paid and 'data-testid="desk-hold"' not in paid
