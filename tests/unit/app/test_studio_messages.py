"""media/'s recipe problems (a code and parameters) are worded in the reader's language by the
studio, and a stored message keeps its code so a later reader gets their own language."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import flask
import flask_babel
import pytest

from app.core import i18n
from app.studio import messages
from media import errors as media_errors
from media import profiles
from media import recipe as recipe_mod
from tests.support import babel

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def babel_app() -> flask.Flask:
    return babel.babel_app(__name__)


@pytest.fixture
def vi(babel_app: flask.Flask) -> Iterator[None]:
    with babel_app.test_request_context():
        flask.g.lang = "vi"
        yield


def _in(babel_app: flask.Flask, language: str, message: object) -> str:
    with babel_app.test_request_context():
        flask.g.lang = language
        return i18n.message_text(message)


def _codes_in(path: Path) -> set[str]:
    """Every problem code a media module adds to a field."""
    source = path.read_text()
    found = set(re.findall(r'\.add\(\s*[^,]+,\s*"([a-z_]+)",', source))
    found |= set(re.findall(r'Problem\(\s*"([a-z_]+)"', source))
    return found


def test_every_code_of_the_library_has_a_message() -> None:
    codes = set()
    for name in ("recipe.py", "compile.py", "profiles.py", "product_video.py"):
        codes |= _codes_in(ROOT / "media" / name)
    assert len(codes) > 25
    assert sorted(codes - set(messages._PROBLEMS)) == []


def _problem(data: dict, assets: dict | None = None) -> dict[str, list[str]]:
    with pytest.raises(media_errors.RecipeInvalid) as raised:
        recipe_mod.parse(data, assets)
    return raised.value.fields


def test_problems_carry_codes_and_params_and_stay_english_text() -> None:
    fields = _problem(
        {
            "version": 1,
            "clips": [{"kind": "video", "asset": "a", "in": 0, "out": 9, "speed": 5}],
            "captions": [{"text": "x" * 90, "start": 0, "end": 1}],
        },
        {"a": 6.0},
    )
    speed = fields["clips[0].speed"][0]
    assert isinstance(speed, media_errors.Problem)
    assert (speed.code, speed.params) == ("max", {"value": 2})
    assert speed == "must be at most 2"  # the library's own callers still read English
    past = fields["clips[0].out"][0]
    assert (past.code, past.params) == ("past_clip_end", {"seconds": 6})


@pytest.mark.parametrize(
    ("problem", "vietnamese", "english"),
    [
        (media_errors.Problem("min", "", {"value": 0.5}), "Phải từ 0,5 trở lên.", "0.5"),
        (media_errors.Problem("max", "", {"value": 4}), "Tối đa 4.", "4"),
        (
            media_errors.Problem("past_clip_end", "", {"seconds": 12.5}),
            "Vượt quá cuối đoạn video (12,5 giây).",
            "12.5",
        ),
        (
            media_errors.Problem("max_chars", "", {"max": 60, "length": 75}),
            "Tối đa 60 ký tự (đang có 75).",
            "75",
        ),
        (media_errors.Problem("clip_kind", ""), "Phải là video hoặc ảnh.", "video"),
        (
            media_errors.Problem(
                "asset_kind", "", {"expected": ["audio", "video"], "got": "image"}
            ),
            "Phải là âm thanh hoặc video, không phải ảnh.",
            "image",
        ),
        (
            media_errors.Problem("unknown_asset", "", {"asset": "42"}),
            "Không có tệp 42 trong thư viện.",
            "42",
        ),
    ],
)
def test_each_problem_in_both_languages(
    babel_app: flask.Flask, problem: media_errors.Problem, vietnamese: str, english: str
) -> None:
    deferred = messages.problem(problem)
    assert _in(babel_app, "vi", deferred) == vietnamese
    said = _in(babel_app, "en", deferred)
    assert english in said and said != vietnamese
    assert not re.search(r"[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ]", said.lower())


def test_platform_limits_are_said_with_their_figures(babel_app: flask.Flask) -> None:
    short, *_ = profiles.check(4.0, "shopee")
    assert (short.code, short.params["min"], short.params["seconds"]) == ("too_short", 10, 4)
    assert (
        _in(babel_app, "vi", messages.problem(short))
        == "Shopee Video cần video dài ít nhất 10 giây; video này dài 4 giây."
    )
    long, *_ = profiles.check(4000.0, "tiktok")
    said = _in(babel_app, "vi", messages.problem(long))
    assert said.startswith("TikTok chỉ nhận video tối đa") and "4000 giây" in said
    (big,) = profiles.check(20.0, "shopee", size_bytes=31_000_000)
    assert _in(babel_app, "en", messages.problem(big)).endswith("this video is 31 MB.")


def test_a_stored_summary_is_worded_for_each_reader(babel_app: flask.Flask) -> None:
    fields = {"clips[0].out": [media_errors.Problem("past_clip_end", "", {"seconds": 1.5})]}
    stored = i18n.encode(messages.summary_message(fields))
    assert json.loads(stored)["msgid"].startswith("Công thức video có lỗi")
    with babel_app.test_request_context():
        flask.g.lang = "vi"
        assert i18n.stored_text(stored) == (
            "Công thức video có lỗi ở clips[0].out: Vượt quá cuối đoạn video (1,5 giây)."
        )
        flask.g.lang = "en"
        flask_babel.refresh()
        english = i18n.stored_text(stored)
    assert "clips[0].out" in english and "1.5" in english and "Công thức" not in english


def test_unknown_wording_passes_through_and_summary(vi: None) -> None:
    assert messages.say("something new") == "something new"
    assert "2 chỗ" in messages.summary({"a": ["x"], "b": ["y"]})


def test_media_failures_name_a_reason_not_the_english_log(babel_app: flask.Flask) -> None:
    failure = media_errors.RenderFailed("ffmpeg exited 1: Invalid argument", code="ffmpeg")
    for language in ("vi", "en"):
        said = _in(babel_app, language, messages.media_error(failure))
        assert "Invalid argument" not in said and "ffmpeg" in said
    refused = media_errors.RefusedMedia("bad", code="svg")
    assert "SVG" in _in(babel_app, "vi", messages.media_reason(refused))
