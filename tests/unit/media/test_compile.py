"""Compiling a recipe: one ffmpeg command, one filter graph; captions and overlays it uses."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from media import captions, compile, errors, overlays, profiles, recipe, render

ASSETS = {
    "c1": compile.AssetInfo("/media/masters/c1.mp4", "video", 1920, 1080, 20.0, True),
    "c2": compile.AssetInfo("/media/masters/c2.mov", "video", 1080, 1920, 10.0, False),
    "p1": compile.AssetInfo("/media/masters/p1.jpg", "image", 1200, 900),
    "l1": compile.AssetInfo("/media/masters/l1.png", "image", 300, 150),
    "m1": compile.AssetInfo("/media/masters/m1.m4a", "audio", duration=40.0, has_audio=True),
}


def a_recipe(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": 1,
        "profile": "tiktok",
        "clips": [
            {"asset": "c1", "in": 2, "out": 8, "crop": {"mode": "center"}},
            {"asset": "c1", "in": 10, "out": 14, "speed": 2, "crop": {"mode": "fit_blur"}},
            {
                "asset": "c2",
                "in": 0,
                "out": 3,
                "crop": {"mode": "smart", "smart_x_expr": "if(lt(t,1),10,20)"},
            },
            {"asset": "c1", "in": 0, "out": 2, "crop": {"mode": "manual", "x": 0.3}},
            {"kind": "photo", "asset": "p1", "duration": 3, "motion": "zoom_in"},
        ],
        "captions": [{"text": "Nước mắm {ngon}", "start": 1, "end": 4}],
        "logo": {"asset": "l1", "position": "tr"},
        "badge": {"stars": 5, "price_dong": 95000},
        "music": {"asset": "m1", "volume": 0.5, "duck": True},
        "intro": {"title": "Chào", "duration": 1.5},
        "outro": {"title": "Mua tại Shopee", "duration": 3},
    }
    data.update(changes)
    return data


def split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, escaped = [], "", False
    for char in text:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            current += char
            escaped = True
        elif char == separator:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def graph_of(command: compile.Command) -> str:
    assert command.args.count("-filter_complex") == 1
    return command.args[command.args.index("-filter_complex") + 1]


def labels(chain: str) -> tuple[list[str], list[str]]:
    """Input labels at the start of a chain and output labels at its end."""
    head = re.match(r"^((?:\[[^\]]+\])*)", chain)
    tail = re.search(r"((?:\[[^\]]+\])*)$", chain)
    assert head is not None and tail is not None
    return re.findall(r"\[([^\]]+)\]", head.group(1)), re.findall(r"\[([^\]]+)\]", tail.group(1))


@pytest.fixture
def command(tmp_path: Path) -> compile.Command:
    return compile.compile(
        recipe.parse(a_recipe(), ASSETS), ASSETS, tmp_path / "out" / "v.mp4", tmp_path / "work"
    )


def test_one_ffmpeg_invocation_with_one_filter_graph(command: compile.Command) -> None:
    args = command.args
    assert args[0] == imageio_ffmpeg.get_ffmpeg_exe()
    assert args.count("-filter_complex") == 1
    assert args[args.index("-progress") + 1] == "pipe:1"
    assert "-nostats" in args and "-nostdin" in args
    assert args[-3:] == ["-f", "mp4", str(command.temp_path)]
    assert command.temp_path.parent == command.out_path.parent
    assert command.temp_path.name.startswith(".v.") and command.temp_path != command.out_path
    assert command.duration == pytest.approx(1.5 + 6 + 2 + 3 + 2 + 3 + 3)
    assert args[args.index("-t", args.index("-filter_complex")) + 1] == "20.5"
    maps = [args[i + 1] for i, arg in enumerate(args) if arg == "-map"]
    assert maps == ["[vout]", "[aout]"]


def test_every_input_is_locked_to_local_files(command: compile.Command) -> None:
    args = command.args
    inputs = [i for i, arg in enumerate(args) if arg == "-i"]
    # intro card, 4 video clips, photo, outro card, logo, badge, music
    assert len(inputs) == 10
    previous = 0
    for position in inputs:
        options = args[previous:position]
        assert options[options.index("-protocol_whitelist") + 1] == "file"
        assert "-f" in options  # forced demuxer
        previous = position + 2
    clip_input = args[inputs[1] - 8 : inputs[1] + 2]
    assert clip_input[clip_input.index("-ss") + 1] == "2"
    assert clip_input[clip_input.index("-f") + 1] == "mov"
    photo_input = args[inputs[5] - 6 : inputs[5]]
    assert photo_input[-4:] == ["-f", "image2", "-pattern_type", "none"]
    music_input = args[inputs[9] - 7 : inputs[9]]
    assert music_input[music_input.index("-stream_loop") + 1] == "-1"


def test_graph_labels_connect_exactly_once(command: compile.Command) -> None:
    chains = split_unescaped(graph_of(command), ";")
    produced: list[str] = []
    consumed: list[str] = []
    input_count = command.args.count("-i")
    for chain in chains:
        sources, outputs = labels(chain)
        for source in sources:
            if re.fullmatch(r"\d+:[va]", source):
                assert int(source.split(":")[0]) < input_count
            else:
                consumed.append(source)
        produced += outputs
    assert len(produced) == len(set(produced))
    assert sorted(consumed) == sorted(label for label in produced if label not in ("vout", "aout"))
    used_inputs = {int(m) for m in re.findall(r"\[(\d+):[va]\]", graph_of(command))}
    assert used_inputs == set(range(input_count))


def test_graph_does_each_operation(command: compile.Command) -> None:
    graph = graph_of(command)
    chains = split_unescaped(graph, ";")
    assert "concat=n=7:v=1:a=1" in graph  # intro + 5 clips + outro
    assert "[1:v]trim=duration=6," in graph and "[1:a]atrim=duration=6," in graph
    assert "setpts=(PTS-STARTPTS)/2" in graph and "atempo=2" in graph
    # the clip without sound and the cards get silence of their own length
    assert sum("anullsrc" in chain for chain in chains) == 4
    smart = next(chain for chain in chains if "if(lt(t" in chain)
    assert "setpts=PTS-STARTPTS+0/TB" in smart
    assert r"x=clip((if(lt(t\,1)\,10\,20))\,0\,iw-ow)" in smart
    assert r"x=clip(0.3*iw-ow/2\,0\,iw-ow)" in graph
    fit = [chain for chain in chains if "boxblur" in chain or ",split=2" in chain]
    assert len(fit) == 2 and any("overlay=x=(W-w)/2" in chain for chain in chains)
    zoom = next(chain for chain in chains if "zoompan" in chain)
    assert "d=90" in zoom and "s=1080x1920" in zoom and "fps=30" in zoom
    assert all("scale=1080:1920" in c for c in chains if "crop=w=" in c)
    assert re.search(r"overlay=x=W-w-\d+:y=\d+", graph)  # logo top right
    assert r"enable=between(t\,1.5\,17.5)" in graph  # badge while the clips play
    subtitles = next(chain for chain in chains if "subtitles=" in chain)
    assert "captions.ass" in subtitles and "fontsdir=" in subtitles
    assert "sidechaincompress=" in graph and "amix=inputs=2" in graph
    assert "asplit=2" in graph
    music = next(chain for chain in chains if "volume=0.5" in chain)
    assert "atrim=duration=20.5" in music


def test_undocked_music_is_mixed_without_a_compressor(tmp_path: Path) -> None:
    data = a_recipe(music={"asset": "m1", "volume": 0.3, "duck": False, "start": 5})
    command = compile.compile(
        recipe.parse(data, ASSETS), ASSETS, tmp_path / "v.mp4", tmp_path / "work"
    )

    graph = graph_of(command)
    assert "sidechaincompress" not in graph and "amix=inputs=2" in graph
    music_at = command.args.index("/media/masters/m1.m4a")
    music_options = command.args[music_at - 9 : music_at]
    assert music_options[music_options.index("-ss") + 1] == "5"


def test_without_music_or_overlays_the_graph_is_just_the_timeline(tmp_path: Path) -> None:
    data = {
        "version": 1,
        "profile": "shorts",
        "clips": [{"asset": "c1", "in": 0, "out": 2}],
    }
    command = compile.compile(
        recipe.parse(data, ASSETS), ASSETS, tmp_path / "v.mp4", tmp_path / "work"
    )

    graph = graph_of(command)
    assert command.args.count("-i") == 1
    for absent in ("subtitles", "overlay", "amix", "zoompan"):
        assert absent not in graph
    assert command.files == ()


def test_profile_encoder_settings_and_override(tmp_path: Path) -> None:
    small = profiles.get("reels").resized(270, 480)
    command = compile.compile(
        recipe.parse(a_recipe(), ASSETS), ASSETS, tmp_path / "v.mp4", tmp_path / "work",
        profile=small,
    )  # fmt: skip

    args = command.args
    for option in small.encoder_args():
        assert option in args
    assert "scale=270:480" in graph_of(command)
    with Image.open(tmp_path / "work" / "outro.png") as outro:
        assert outro.size == (270, 480)


def test_paths_with_filter_syntax_are_escaped(tmp_path: Path) -> None:
    workdir = tmp_path / "we:ird,dir'[x];y"
    command = compile.compile(recipe.parse(a_recipe(), ASSETS), ASSETS, tmp_path / "v.mp4", workdir)

    subtitles = next(c for c in split_unescaped(graph_of(command), ";") if "subtitles" in c)
    assert r"we\\:ird\,dir\\\'\[x\]\;y/captions.ass" in subtitles
    assert compile.filter_value("a:b,c") == r"a\\:b\,c"


def test_missing_and_wrong_kind_assets_are_refused(tmp_path: Path) -> None:
    parsed = recipe.parse(a_recipe())
    assets = dict(ASSETS)
    del assets["c2"]
    assets["l1"] = compile.AssetInfo("/media/m.m4a", "audio", duration=3.0)
    assets["m1"] = compile.AssetInfo("/media/silent.mp4", "video", 320, 180, 40.0, False)

    with pytest.raises(errors.RecipeInvalid) as caught:
        compile.compile(parsed, assets, tmp_path / "v.mp4", tmp_path / "work")

    assert caught.value.fields == {
        "clips[2].asset": ["unknown asset c2"],
        "logo.asset": ["must be image, not audio"],
        "music.asset": ["has no sound"],
    }


def test_ass_times_and_escapes() -> None:
    assert captions.ass_time(0) == "0:00:00.00"
    assert captions.ass_time(3725.456) == "1:02:05.46"
    assert captions.ass_color("#FFCC00") == "&H0000CCFF"
    text = captions.escape_text("A{\\b1}B\nC \\N")
    assert text == "A\\{\\\u2060b1\\}B\\NC \\\u2060N"


def test_ass_file_has_styles_and_literal_vietnamese_text(tmp_path: Path) -> None:
    items = recipe.parse(
        a_recipe(
            captions=[
                {"text": "Ặ dòng một\ndòng {hai}", "start": 1, "end": 2.5},
                {
                    "text": "Tựa",
                    "start": 3,
                    "end": 4,
                    "style": {"preset": "title", "size": 120, "color": "#FF0000", "outline": 2},
                },
            ]
        )
    ).captions

    path = captions.write_ass(items, tmp_path / "c.ass", width=540, height=960)

    text = path.read_text(encoding="utf-8")
    assert "PlayResX: 540" in text and "PlayResY: 960" in text
    assert "Style: bottom,Be Vietnam Pro,32," in text  # 64 px at 1920 scaled to 960
    assert "Dialogue: 0,0:00:01.00,0:00:02.50,bottom,,0,0,0,,Ặ dòng một\\Ndòng \\{hai\\}" in text
    assert "{\\fs60\\1c&H0000FF&\\bord1.00}Tựa" in text


def test_price_badge_and_cards(tmp_path: Path) -> None:
    assert overlays.price_label(95000) == "95.000 ₫"
    assert overlays.price_label(1_300_000) == "1.300.000 ₫"
    assert overlays.price_label(0) == "0 ₫"

    path = overlays.badge_image(
        recipe.Badge(stars=4, price_dong=95000), tmp_path / "b.png", frame_width=1080
    )
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGBA"))
    gold = (
        (abs(pixels[..., 0].astype(int) - 255) < 8)
        & (abs(pixels[..., 1].astype(int) - 196) < 8)
        & (pixels[..., 2] < 60)
    )
    assert gold.sum() > 4 * 500  # four stars drawn
    assert pixels[0, 0, 3] == 0  # rounded corner stays transparent

    price_only = overlays.badge_image(
        recipe.Badge(price_dong=5000), tmp_path / "p.png", frame_width=540
    )
    with Image.open(price_only) as image:
        assert image.width < 540 / 2

    card = overlays.card_image(
        recipe.Card(title="Mua tại Shopee", subtitle="Chợ quê", background="#102030"),
        tmp_path / "c.png",
        width=540,
        height=960,
    )
    with Image.open(card) as image:
        assert image.size == (540, 960)
        assert image.getpixel((5, 5)) == (0x10, 0x20, 0x30)
        white = (np.asarray(image.convert("L")) > 240).sum()
    assert white > 500  # the title was drawn


def test_progress_lines() -> None:
    assert render.parse_progress_line("out_time_us=2500000\n") == 2.5
    assert render.parse_progress_line("out_time_ms=1500000") == 1.5  # microseconds too
    assert render.parse_progress_line("out_time=00:01:02.500000") == 62.5
    assert render.parse_progress_line("out_time_us=N/A") is None
    assert render.parse_progress_line("progress=continue") is None
    assert render.parse_progress_line("frame=12") is None
