"""Edit recipes: schema, field-level errors, platform limits, templates, one-click product video."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from media import compile, errors, product_video, profiles, recipe


def full_recipe() -> dict[str, Any]:
    return {
        "version": 1,
        "profile": "tiktok",
        "output_name": "Nước mắm Trà Cổ",
        "clips": [
            {"asset": "c1", "in": 1.0, "out": 5.0, "crop": {"mode": "center"}},
            {
                "asset": "c2",
                "in": 0.0,
                "out": 4.0,
                "speed": 2.0,
                "mute": True,
                "crop": {"mode": "smart", "smart_x_expr": "(iw-ow)*t/4"},
                "role": "footage",
            },
            {"asset": "c1", "in": 2.0, "out": 3.0, "crop": {"mode": "manual", "x": 0.25}},
            {"asset": "c2", "in": 0.5, "out": 2.5, "crop": {"mode": "fit_blur"}},
            {"kind": "photo", "asset": "p1", "duration": 2.5, "motion": "pan_left"},
        ],
        "captions": [
            {"text": "Ủ chượp 18 tháng", "start": 0.5, "end": 3.0},
            {
                "text": "Giá tốt",
                "start": 4.0,
                "end": 6.0,
                "style": {"preset": "title", "size": 90, "color": "#ffcc00", "outline": 5},
            },
        ],
        "logo": {"asset": "l1", "position": "tr", "scale": 0.2},
        "badge": {"stars": 4, "price_dong": 95000, "label": "OCOP"},
        "music": {"asset": "m1", "volume": 0.4, "duck": True, "start": 2.0},
        "intro": {"title": "Trà Cổ", "duration": 2.0},
        "outro": {"title": "Mua tại Shopee", "subtitle": "Chợ quê", "duration": 3.0},
    }


ASSET_DURATIONS = {"c1": 6.0, "c2": 5.0, "p1": None, "l1": None, "m1": 30.0}


def test_full_recipe_parses_and_round_trips() -> None:
    parsed = recipe.parse(full_recipe(), ASSET_DURATIONS)

    assert isinstance(parsed.clips[1], recipe.VideoClip)
    assert parsed.clips[1].duration == 2.0  # 4 s at double speed
    assert isinstance(parsed.clips[4], recipe.PhotoClip)
    assert parsed.captions[1].style.color == "#FFCC00"
    # intro 2 + clips (4 + 2 + 1 + 2 + 2.5) + outro 3
    assert recipe.duration(parsed) == pytest.approx(16.5)
    assert recipe.body_span(parsed) == (2.0, 13.5)

    as_dict = recipe.to_dict(parsed)
    assert as_dict["version"] == 1
    assert recipe.parse(as_dict, ASSET_DURATIONS) == parsed
    assert recipe.to_dict(recipe.parse(as_dict)) == as_dict


def test_recipe_objects_are_frozen() -> None:
    parsed = recipe.parse(full_recipe())
    with pytest.raises(AttributeError):
        parsed.profile = "reels"  # type: ignore[misc]


def test_caption_text_is_normalised_to_nfc() -> None:
    data = full_recipe()
    decomposed = unicodedata.normalize("NFD", "Nước mắm Ặ")
    data["captions"] = [{"text": f"  {decomposed} ", "start": 0, "end": 1}]

    parsed = recipe.parse(data)

    assert parsed.captions[0].text == "Nước mắm Ặ"
    assert unicodedata.is_normalized("NFC", parsed.captions[0].text)


def test_every_bad_field_is_reported_at_once_with_its_path() -> None:
    data = full_recipe()
    data["version"] = 2
    data["profile"] = "vine"
    data["clips"] = [
        {"asset": "c1", "in": -1, "out": 2},
        {"asset": "c1", "in": 3, "out": 2},
        {"asset": "c1", "in": 0, "out": 1, "speed": 3},
        {"asset": "c1", "in": 0, "out": 1, "crop": {"mode": "zoom"}},
        {"asset": "c1", "in": 0, "out": 1, "crop": {"mode": "manual", "x": 1.5}},
        {"kind": "photo", "asset": "p1", "duration": 2, "motion": "spin"},
        {"in": 0, "out": "2"},
        "not a clip",
        {"asset": "c1", "in": 0, "out": 1, "crop": {"mode": "smart", "smart_x_expr": "0[v];x"}},
    ]
    data["captions"] = [
        {"text": "x" * 201, "start": 0, "end": 1},
        {"text": "ok", "start": 2, "end": 1},
        {"text": "ok", "start": 0, "end": 1, "style": {"preset": "side", "color": "red"}},
        {"text": "   ", "start": 0, "end": 1},
    ]
    data["logo"] = {"asset": "l1", "position": "middle", "scale": 2}
    data["badge"] = {"stars": 6, "price_dong": 9.5}
    data["music"] = {"asset": "m1", "volume": 1.5, "duck": "yes"}
    data["outro"] = {"title": "", "duration": 9}

    with pytest.raises(errors.RecipeInvalid) as caught:
        recipe.parse(data)

    fields = caught.value.fields
    assert set(fields) >= {
        "version",
        "profile",
        "clips[0].in",
        "clips[1].out",
        "clips[2].speed",
        "clips[3].crop.mode",
        "clips[4].crop.x",
        "clips[5].motion",
        "clips[6].asset",
        "clips[6].out",
        "clips[7]",
        "clips[8].crop.smart_x_expr",
        "captions[0].text",
        "captions[1].end",
        "captions[2].style.preset",
        "captions[2].style.color",
        "captions[3].text",
        "logo.position",
        "logo.scale",
        "badge.stars",
        "badge.price_dong",
        "music.volume",
        "music.duck",
        "outro.title",
        "outro.duration",
    }
    assert fields["clips[1].out"] == ["must be after in"]
    assert fields["clips[2].speed"] == ["must be at most 2"]
    assert "201" in fields["captions[0].text"][0]
    assert caught.value.code == "recipe_invalid"
    assert "problems" in caught.value.message


def test_trims_are_checked_against_asset_durations_and_kinds() -> None:
    data = full_recipe()
    data["clips"] = [
        {"asset": "c1", "in": 1, "out": 7},
        {"asset": "ghost", "in": 0, "out": 1},
        {"asset": "c1", "in": 6.5, "out": 8},
        {"asset": "l1", "in": 0, "out": 3},
    ]
    data["captions"] = []
    assets = {
        "c1": compile.AssetInfo("/m/c1.mp4", "video", 1920, 1080, 6.0, True),
        "l1": compile.AssetInfo("/m/l1.png", "image", 200, 200),
        "p1": compile.AssetInfo("/m/p1.jpg", "image", 800, 600),
        "m1": compile.AssetInfo("/m/m1.m4a", "audio", duration=1.0, has_audio=True),
    }

    with pytest.raises(errors.RecipeInvalid) as caught:
        recipe.parse(data, assets)

    fields = caught.value.fields
    assert "past the end of the clip (6.00 s)" in fields["clips[0].out"][0]
    assert fields["clips[1].asset"] == ["unknown asset ghost"]
    assert "past the end" in fields["clips[2].in"][0]
    assert fields["clips[3].asset"] == ["must be video, not image"]
    assert "past the end of the music" in fields["music.start"][0]


def test_captions_must_fit_on_the_timeline() -> None:
    data = full_recipe()
    data["captions"] = [{"text": "late", "start": 15, "end": 20}]

    with pytest.raises(errors.RecipeInvalid) as caught:
        recipe.parse(data)

    assert "video's end (16.5 s)" in caught.value.fields["captions[0].end"][0]


def test_shopee_refuses_a_70_second_video_with_a_clear_message() -> None:
    data = {
        "version": 1,
        "profile": "shopee",
        "clips": [{"asset": "c1", "in": 0, "out": 70}],
    }

    with pytest.raises(errors.RecipeInvalid) as caught:
        recipe.parse(data, {"c1": 120.0})

    messages = caught.value.fields["duration"]
    assert messages == ["Shopee Video accepts at most 60 s (10–60 s); this video is 70.0 s."]
    # A draft being edited may still be saved.
    assert recipe.duration(recipe.parse(data, enforce_limits=False)) == 70


def test_profile_limits() -> None:
    assert profiles.check(15, "shopee") == []
    assert profiles.check(60, profiles.get("shopee")) == []  # worst case at max rate fits
    assert profiles.check(5, "shopee") == ["Shopee Video needs at least 10 s; this video is 5.0 s."]
    assert profiles.check(120, "reels")[0].startswith("Facebook Reels accepts at most 90 s")
    too_big = profiles.check(30, "shopee", size_bytes=31_000_000)
    assert too_big == ["Shopee Video accepts files up to 30 MB; this video is 31.0 MB."]
    assert profiles.check(170, "shorts") == []
    assert profiles.check(2, "tiktok")  # TikTok needs 3 s


def test_every_profile_encodes_the_safe_common_format() -> None:
    for profile in profiles.PROFILES.values():
        args = profile.encoder_args()
        pairs = dict(zip(args[::2], args[1::2], strict=True))
        assert (profile.width, profile.height, profile.fps) == (1080, 1920, 30)
        assert pairs["-c:v"] == "libx264"
        assert pairs["-profile:v"] == "high"
        assert pairs["-pix_fmt"] == "yuv420p"
        assert pairs["-crf"] == "23"
        assert pairs["-preset"] == "veryfast"
        assert pairs["-g"] == "60"
        assert pairs["-maxrate"].endswith("k") and pairs["-bufsize"].endswith("k")
        assert (pairs["-c:a"], pairs["-b:a"], pairs["-ar"], pairs["-ac"]) == (
            "aac",
            "128k",
            "48000",
            "2",
        )
        assert pairs["-movflags"] == "+faststart"
    assert profiles.get("shopee").max_bytes == 30_000_000
    assert (profiles.get("shopee").min_duration, profiles.get("shopee").max_duration) == (10, 60)


def template() -> dict[str, Any]:
    return {
        "version": 1,
        "profile": "tiktok",
        "clips": [
            {"kind": "photo", "asset": "old1", "duration": 3, "role": "photo"},
            {"kind": "photo", "asset": "old2", "duration": 3, "role": "photo"},
            {"kind": "photo", "asset": "old3", "duration": 3, "role": "photo"},
            {
                "asset": "footage9",
                "in": 0,
                "out": 3,
                "role": "footage",
                "crop": {"mode": "smart", "smart_x_expr": "100"},
            },
            {"asset": "intro-clip", "in": 0, "out": 2},
        ],
        "captions": [
            {"text": "{name} – chỉ {price}", "start": 0.5, "end": 3},
            {"text": "OCOP {stars} {unknown}", "start": 3.5, "end": 6},
        ],
        "logo": {"asset": "shop-logo", "position": "tl"},
        "badge": {"stars": 3, "price_dong": 10000, "label": "{name}"},
        "music": {"asset": "song", "volume": 0.3},
        "outro": {"title": "{name}", "subtitle": "Mua tại {where_to_buy}", "duration": 3},
    }


def test_template_applies_to_another_product() -> None:
    product = {
        "name": "Mật ong bạc hà",
        "price_dong": 185000,
        "stars": 5,
        "where_to_buy": ["Shopee", "Chợ phiên Đồng Văn"],
        "assets": {"photo": ["n1", "n2"], "footage": "f7", "music": "song2"},
    }

    applied = recipe.apply_template(template(), product)

    assert [clip["asset"] for clip in applied["clips"]] == ["n1", "n2", "n1", "f7", "intro-clip"]
    assert applied["clips"][3]["crop"] == {"mode": "center"}  # old keyframes dropped
    assert applied["captions"][0]["text"] == "Mật ong bạc hà – chỉ 185.000 ₫"
    assert applied["captions"][1]["text"] == "OCOP 5★ {unknown}"
    assert applied["badge"] == {"stars": 5, "price_dong": 185000, "label": "Mật ong bạc hà"}
    assert applied["logo"]["asset"] == "shop-logo"  # no logo given: the template's stays
    assert applied["music"]["asset"] == "song2"
    assert applied["outro"]["subtitle"] == "Mua tại Shopee · Chợ phiên Đồng Văn"
    assert template()["captions"][0]["text"] == "{name} – chỉ {price}"  # not mutated
    parsed = recipe.parse(applied)
    assert parsed.badge == recipe.Badge(stars=5, price_dong=185000, label="Mật ong bạc hà")


def test_template_drops_the_badge_for_a_product_without_stars_or_price() -> None:
    applied = recipe.apply_template(template(), {"name": "Bánh đa", "stars": None})

    assert "badge" not in applied
    assert applied["captions"][0]["text"] == "Bánh đa – chỉ"
    recipe.parse(applied)


def test_product_video_recipe_is_15_seconds_and_valid() -> None:
    story = unicodedata.normalize(
        "NFD",
        "Mật ong được thu hoạch từ những cánh rừng bạc hà trên cao nguyên đá Đồng Văn, "
        "nơi ong chỉ hút mật một mùa trong năm. Vị ngọt thanh, thơm mát. "
        "Đóng chai thủ công tại hợp tác xã! Câu thứ tư không dùng.",
    )

    data = product_video.recipe_for_product(
        ["p1", "p2", "p3"],
        story,
        "Mật ong bạc hà Đồng Văn",
        stars=4,
        price_dong=185000,
        where_to_buy=["Shopee", "TikTok Shop"],
    )

    parsed = recipe.parse(data, {"p1": None, "p2": None, "p3": None})
    assert recipe.duration(parsed) == pytest.approx(15.0)
    assert all(isinstance(clip, recipe.PhotoClip) for clip in parsed.clips)
    assert len({clip.motion for clip in parsed.clips}) == 3  # pan/zoom varies
    assert 2 <= len(parsed.captions) <= 3
    for caption in parsed.captions:
        assert len(caption.text) <= 60
        assert unicodedata.is_normalized("NFC", caption.text)
    assert parsed.captions[0].text.startswith("Mật ong được thu hoạch")
    assert parsed.captions[0].text.endswith("…")
    assert parsed.captions[1].text == "Vị ngọt thanh, thơm mát"
    assert parsed.badge == recipe.Badge(stars=4, price_dong=185000, label="OCOP")
    assert parsed.outro is not None and parsed.outro.subtitle == "Mua tại Shopee · TikTok Shop"
    assert parsed.captions[-1].end <= recipe.body_span(parsed)[1]


def test_product_video_with_one_photo_a_short_story_and_shopee() -> None:
    data = product_video.recipe_for_product(
        ["p1"], "Ngon.", "Bánh tráng", None, None, [], profile="shopee"
    )

    parsed = recipe.parse(data)
    assert recipe.duration(parsed) == pytest.approx(15.0)
    assert [caption.text for caption in parsed.captions] == ["Bánh tráng", "Ngon"]
    assert parsed.badge is None
    assert parsed.outro is not None and parsed.outro.subtitle is None


def test_product_video_needs_a_photo() -> None:
    with pytest.raises(errors.RecipeInvalid) as caught:
        product_video.recipe_for_product([], "Story.", "Name", 3, 1000, [])
    assert "photos" in caught.value.fields


def _set(data: dict[str, Any], keys: tuple[Any, ...], value: Any) -> None:
    for key in keys[:-1]:
        data = data[key]
    data[keys[-1]] = value


def test_the_json_schema_states_the_bounds_parse_applies() -> None:
    schema = recipe.json_schema()
    props = schema["properties"]
    video, photo = props["clips"]["items"]["oneOf"]
    caption = props["captions"]["items"]["properties"]
    cases = [
        (("clips", 0, "speed"), video["properties"]["speed"]),
        (("clips", 0, "crop", "x"), video["properties"]["crop"]["properties"]["x"]),
        (("clips", 4, "duration"), photo["properties"]["duration"]),
        (("captions", 1, "style", "size"), caption["style"]["properties"]["size"]),
        (("captions", 1, "style", "outline"), caption["style"]["properties"]["outline"]),
        (("logo", "scale"), props["logo"]["properties"]["scale"]),
        (("badge", "stars"), props["badge"]["properties"]["stars"]),
        (("music", "volume"), props["music"]["properties"]["volume"]),
        (("intro", "duration"), props["intro"]["properties"]["duration"]),
    ]
    for keys, prop in cases:
        path = ".".join(f"[{key}]" if isinstance(key, int) else key for key in keys)
        path = path.replace(".[", "[")
        at_max = full_recipe()
        _set(at_max, keys, prop["maximum"])
        recipe.parse(at_max, enforce_limits=False)  # the documented maximum is accepted
        above = full_recipe()
        _set(above, keys, prop["maximum"] + (1 if prop["type"] == "integer" else 0.01))
        with pytest.raises(errors.RecipeInvalid) as caught:
            recipe.parse(above, enforce_limits=False)
        problems = caught.value.fields[path]
        assert [(p.code, p.params) for p in problems] == [("max", {"value": prop["maximum"]})]
    assert props["captions"]["items"]["properties"]["text"]["maxLength"] == 200
    assert props["clips"]["minItems"] == 1 and props["clips"]["maxItems"] == recipe.MAX_CLIPS
    assert video["required"] == ["asset", "in", "out"]
    assert photo["required"] == ["asset", "duration"]


def test_to_dict_writes_what_the_schema_names() -> None:
    schema = recipe.json_schema()
    written = recipe.to_dict(recipe.parse(full_recipe(), ASSET_DURATIONS))
    assert set(written) <= set(schema["properties"])
    video_keys = set(schema["properties"]["clips"]["items"]["oneOf"][0]["properties"])
    assert set(written["clips"][1]) == {
        "kind",
        "asset",
        "in",
        "out",
        "speed",
        "mute",
        "crop",
        "role",
    }
    assert set(written["clips"][1]) <= video_keys
    assert written["clips"][0]["kind"] == "video" and written["clips"][4]["kind"] == "photo"
