"""media/'s English recipe messages are said in the user's language by the studio."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.services.studio import messages
from media import profiles

ROOT = Path(__file__).resolve().parents[3]


def _static_wordings() -> set[str]:
    """Every fixed message media/recipe.py adds to a field."""
    source = (ROOT / "media" / "recipe.py").read_text()
    return set(re.findall(r'\.add\([^,]+, "([^"{]+)"\)', source))


def test_every_fixed_wording_of_the_library_is_known() -> None:
    wordings = _static_wordings()
    assert len(wordings) > 15
    unknown = sorted(w for w in wordings if messages.say(w) == w)
    assert unknown == []


@pytest.mark.parametrize(
    ("english", "vietnamese"),
    [
        ("must be at least 0.5", "Phải từ 0,5 trở lên."),
        ("must be at most 4", "Tối đa 4."),
        ("is past the end of the clip (12.50 s)", "Vượt quá cuối đoạn video (12,5 giây)."),
        ("must be at most 60 characters (it has 75)", "Tối đa 60 ký tự (đang có 75)."),
        ("must be video or photo", "Phải là video hoặc ảnh."),
        ("must be audio or video, not photo", "Phải là audio hoặc video, không phải photo."),
        ("unknown asset 42", "Không có tệp 42 trong thư viện."),
    ],
)
def test_wordings_with_values(english: str, vietnamese: str) -> None:
    assert messages.say(english) == vietnamese


def test_platform_limits_are_said_with_their_figures() -> None:
    short, *_ = profiles.check(4.0, "shopee")
    assert (
        messages.say(short) == "Shopee Video cần video dài ít nhất 10 giây; video này dài 4 giây."
    )
    long, *_ = profiles.check(4000.0, "tiktok")
    said = messages.say(long)
    assert said.startswith("TikTok chỉ nhận video tối đa") and "4000 giây" in said


def test_unknown_wording_passes_through_and_summary() -> None:
    assert messages.say("something new") == "something new"
    one = messages.summary({"clips.0.out": ["Vượt quá cuối đoạn video (1,5 giây)."]})
    assert one == "Công thức video có lỗi ở clips.0.out: Vượt quá cuối đoạn video (1,5 giây)."
    assert "2 chỗ" in messages.summary({"a": ["x"], "b": ["y"]})
