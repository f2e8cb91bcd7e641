"""probe: what an upload really is, and each way an upload is refused."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import av
import pytest

from media import errors, probe
from tests.support import media as generate


def refused(path: Path, kind_hint: str | None = None, **limits: object) -> errors.RefusedMedia:
    with pytest.raises(errors.RefusedMedia) as caught:
        probe.probe(path, kind_hint, probe.Limits(**limits))  # type: ignore[arg-type]
    assert caught.value.message  # every refusal says why in plain words
    return caught.value


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims a size; its pixel data is a token few bytes."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
    return path


# --- accepted ---------------------------------------------------------------------------


def test_mp4_h264_aac_is_described(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", seconds=1.0, size=(320, 240), fps=25)

    info = probe.probe(clip, "video")

    assert info == probe.MediaInfo(
        kind="video",
        container="mp4",
        size_bytes=clip.stat().st_size,
        width=320,
        height=240,
        rotation=0,
        video_codec="h264",
        fps=25.0,
        duration=pytest.approx(1.0, abs=0.05),
        audio_codec="aac",
        sample_rate=44100,
        channels=1,
        has_audio=True,
    )


@pytest.mark.parametrize(
    ("name", "codec", "container", "video_codec", "audio_codec"),
    [
        ("clip.mov", "libx264", "mov", "h264", "aac"),
        ("clip.mp4", "libx265", "mp4", "hevc", "aac"),
        ("clip.webm", "libvpx-vp9", "webm", "vp9", "opus"),
        ("clip.mkv", "libsvtav1", "mkv", "av1", "opus"),
    ],
)
def test_allowed_containers_and_codecs(
    tmp_path: Path, name: str, codec: str, container: str, video_codec: str, audio_codec: str
) -> None:
    clip = generate.make_video(tmp_path / name, size=(160, 120), codec=codec)

    info = probe.probe(clip)

    assert (info.kind, info.container, info.video_codec, info.audio_codec) == (
        "video",
        container,
        video_codec,
        audio_codec,
    )
    assert (info.width, info.height) == (160, 120)
    assert info.duration == pytest.approx(1.0, abs=0.05)


@pytest.mark.parametrize(
    ("rotation", "shown"), [(90, (240, 320)), (270, (240, 320)), (180, (320, 240))]
)
def test_phone_rotation_is_reported_and_size_is_as_displayed(
    tmp_path: Path, rotation: int, shown: tuple[int, int]
) -> None:
    clip = generate.make_video(tmp_path / "phone.mp4", size=(320, 240), rotation=rotation)

    info = probe.probe(clip, "video")

    assert info.rotation == rotation
    assert (info.width, info.height) == shown


def test_clip_without_sound(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "silent.mp4", size=(160, 120), audio=False)

    info = probe.probe(clip, "video")

    assert (info.has_audio, info.audio_codec, info.sample_rate, info.channels) == (
        False,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("name", "codec", "container", "audio_codec", "sample_rate"),
    [
        ("song.mp3", None, "mp3", "mp3", 44100),
        ("song.m4a", None, "m4a", "aac", 44100),
        ("song.wav", None, "wav", "pcm_s16le", 44100),
        ("song.ogg", "libopus", "ogg", "opus", 48000),
        ("song.ogg", "libvorbis", "ogg", "vorbis", 44100),
    ],
)
def test_allowed_audio(
    tmp_path: Path,
    name: str,
    codec: str | None,
    container: str,
    audio_codec: str,
    sample_rate: int,
) -> None:
    song = generate.make_audio(tmp_path / name, seconds=1.5, channels=2, codec=codec)

    info = probe.probe(song, "audio")

    assert (info.kind, info.container, info.audio_codec) == ("audio", container, audio_codec)
    assert (info.sample_rate, info.channels, info.has_audio) == (sample_rate, 2, True)
    assert info.duration == pytest.approx(1.5, abs=0.1)
    assert (info.width, info.height, info.video_codec) == (None, None, None)


def test_webm_without_a_duration_is_measured(tmp_path: Path) -> None:
    source = generate.make_video(
        tmp_path / "s.webm", seconds=1.5, size=(160, 120), codec="libvpx-vp9"
    )
    recorded = tmp_path / "recorded.webm"
    # As a browser's MediaRecorder writes it: no duration in the header.
    generate.ffmpeg_run("-i", str(source), "-c", "copy", "-live", "1", str(recorded))
    with av.open(str(recorded)) as container:
        assert container.duration is None

    info = probe.probe(recorded, "video")

    assert info.duration == pytest.approx(1.5, abs=0.05)


def test_cover_art_does_not_make_music_a_video(tmp_path: Path) -> None:
    song = generate.make_audio(tmp_path / "plain.mp3")
    cover = generate.make_image(tmp_path / "cover.png")
    with_cover = tmp_path / "song.mp3"
    generate.ffmpeg_run(
        "-i", str(song), "-i", str(cover), "-map", "0", "-map", "1", "-c", "copy",
        "-disposition:v", "attached_pic", str(with_cover),
    )  # fmt: skip

    info = probe.probe(with_cover, "audio")

    assert (info.kind, info.container, info.video_codec) == ("audio", "mp3", None)


@pytest.mark.parametrize(
    ("name", "container"), [("p.jpg", "jpeg"), ("p.png", "png"), ("p.webp", "webp")]
)
def test_photos(tmp_path: Path, name: str, container: str) -> None:
    photo = generate.make_image(tmp_path / name, size=(64, 48))

    info = probe.probe(photo, "image")

    assert (info.kind, info.container, info.width, info.height) == ("image", container, 64, 48)
    assert info.duration is None


@pytest.mark.parametrize(
    ("orientation", "rotation", "shown"),
    [(6, 90, (48, 64)), (3, 180, (64, 48)), (8, 270, (48, 64))],
)
def test_photo_exif_orientation(
    tmp_path: Path, orientation: int, rotation: int, shown: tuple[int, int]
) -> None:
    photo = generate.make_image(tmp_path / "p.jpg", size=(64, 48), exif_orientation=orientation)

    info = probe.probe(photo, "image")

    assert info.rotation == rotation
    assert (info.width, info.height) == shown


def test_name_is_ignored(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", size=(160, 120))
    disguised = clip.rename(tmp_path / "holiday.jpg")

    assert probe.probe(disguised).kind == "video"


# --- refused ----------------------------------------------------------------------------


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "clip.mp4"
    empty.write_bytes(b"")

    assert refused(empty, "video").code == "empty"


def test_too_large(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", size=(160, 120))

    error = refused(clip, "video", max_bytes=1000)

    assert error.code == "too_large"
    assert "limit" in error.message


def test_png_renamed_mp4_is_not_a_video(tmp_path: Path) -> None:
    photo = generate.make_image(tmp_path / "p.png")
    renamed = photo.rename(tmp_path / "clip.mp4")

    assert refused(renamed, "video").code == "container_not_allowed"
    # Without a hint it is what its bytes say: a photo, never a zero-length video.
    assert probe.probe(renamed).kind == "image"


def test_text_file(tmp_path: Path) -> None:
    text = tmp_path / "clip.mp4"
    text.write_text("Xin chào, đây không phải video.\n", encoding="utf-8")

    assert refused(text, "video").code == "unknown_format"


def test_unknown_binary(tmp_path: Path) -> None:
    blob = tmp_path / "clip.mp4"
    blob.write_bytes(bytes(range(256)) * 8)

    assert refused(blob).code == "unknown_format"


@pytest.mark.parametrize(
    "body",
    [
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:1.0,\nother.mp4\n#EXT-X-ENDLIST\n",
        "ffconcat version 1.0\nfile 'other.mp4'\nfile '/etc/passwd'\n",
        "file 'other.mp4'\n",
        "https://example.com/video.mp4\n",
        '<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011"></MPD>\n',
    ],
    ids=["hls", "ffconcat", "concat", "url", "dash"],
)
def test_playlists_and_lists_pointing_elsewhere(tmp_path: Path, body: str) -> None:
    generate.make_video(tmp_path / "other.mp4", size=(160, 120))
    playlist = tmp_path / "clip.mp4"
    playlist.write_text(body)

    assert refused(playlist, "video").code == "playlist"
    assert refused(playlist).code == "playlist"


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    '<rect width="64" height="64" fill="red"/></svg>\n'
)


@pytest.mark.parametrize(
    "body",
    [
        SVG,
        '<?xml version="1.0" encoding="UTF-8"?>\n<!-- logo -->\n' + SVG,
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' + SVG,
        '\ufeff  <svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>',
    ],
    ids=["bare", "declaration-and-comment", "doctype", "bom-and-prefix"],
)
@pytest.mark.parametrize("kind_hint", ["image", "video", None])
def test_svg_is_refused_as_a_vector_image_not_a_playlist(
    tmp_path: Path, body: str, kind_hint: str | None
) -> None:
    picture = tmp_path / "logo.svg"
    picture.write_text(body, encoding="utf-8")

    refusal = refused(picture, kind_hint)

    assert refusal.code == "svg"  # its namespace URL once made it look like a playlist
    assert "SVG" in refusal.message and "PNG, JPEG or WebP" in refusal.message


def test_xml_that_is_not_svg_is_still_a_playlist(tmp_path: Path) -> None:
    smil = tmp_path / "clip.mp4"
    smil.write_text('<smil><body><video src="http://example.com/a.mp4"/></body></smil>\n')

    assert refused(smil, "video").code == "playlist"


def test_truncated_mp4_without_its_index(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", seconds=2, size=(160, 120))
    data = clip.read_bytes()
    assert data.rfind(b"moov") > data.find(b"mdat")  # index at the end, as phones write
    clip.write_bytes(data[: len(data) // 2])

    assert refused(clip, "video").code == "truncated"


def test_truncated_faststart_mp4(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", seconds=2, size=(160, 120), faststart=True)
    data = clip.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # index intact, samples cut off
    clip.write_bytes(data[: len(data) * 2 // 3])

    assert refused(clip, "video").code == "truncated"


def test_truncated_webm(tmp_path: Path) -> None:
    clip = generate.make_video(
        tmp_path / "clip.webm", seconds=2, size=(160, 120), codec="libvpx-vp9"
    )
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) // 2])

    assert refused(clip, "video").code == "truncated"


def test_truncated_jpeg(tmp_path: Path) -> None:
    photo = generate.make_image(tmp_path / "p.jpg", size=(400, 300))
    data = photo.read_bytes()
    photo.write_bytes(data[: len(data) * 3 // 4])

    assert refused(photo, "image").code == "truncated"


def test_first_frame_that_does_not_decode(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", size=(160, 120), audio=False)
    data = bytearray(clip.read_bytes())
    start = data.index(b"mdat") + 4
    end = data.index(b"moov") - 4
    data[start:end] = bytes(end - start)  # same length, so the index still fits the file
    clip.write_bytes(bytes(data))

    assert refused(clip, "video").code == "undecodable"


def test_damaged_png(tmp_path: Path) -> None:
    photo = png_header_only(tmp_path / "p.png", 64, 48)
    data = bytearray(photo.read_bytes())
    start = data.index(b"IDAT") + 4
    data[start : start + 8] = b"garbage!"
    photo.write_bytes(bytes(data))

    assert refused(photo, "image").code == "undecodable"


def test_disallowed_video_codec(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", size=(160, 120), codec="mpeg4")

    error = refused(clip, "video")

    assert error.code == "codec_not_allowed"
    assert "mpeg4" in error.message


def test_disallowed_sound_codec_in_a_video(tmp_path: Path) -> None:
    source = generate.make_video(tmp_path / "source.mp4", size=(160, 120))
    clip = tmp_path / "clip.mp4"
    generate.ffmpeg_run("-i", str(source), "-c:v", "copy", "-c:a", "ac3", str(clip))

    assert refused(clip, "video").code == "codec_not_allowed"


@pytest.mark.parametrize(("name", "kind"), [("anim.gif", "image"), ("song.flac", "audio")])
def test_recognised_but_not_allowed_formats(tmp_path: Path, name: str, kind: str) -> None:
    path = tmp_path / name
    if kind == "image":
        generate.make_image(path)
    else:
        generate.make_audio(path, codec="flac")

    error = refused(path, kind)

    assert error.code == "container_not_allowed"
    assert "not accepted" in error.message


def test_audio_only_file_is_not_a_video(tmp_path: Path) -> None:
    song = generate.make_audio(tmp_path / "song.m4a")
    renamed = song.rename(tmp_path / "clip.mp4")

    assert refused(renamed, "video").code == "no_stream"


def test_video_is_not_music(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", size=(160, 120))

    assert refused(clip, "audio").code == "container_not_allowed"
    assert refused(clip, "image").code == "container_not_allowed"


def test_too_long_and_too_short(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", seconds=2, size=(160, 120))

    assert refused(clip, "video", max_duration=1.5).code == "too_long"
    assert refused(clip, "video", min_duration=3.0).code == "too_short"
    assert probe.probe(clip, "video", probe.Limits(max_duration=2.5)).duration == pytest.approx(
        2.0, abs=0.05
    )


def test_frame_size_bounds(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "clip.mp4", size=(320, 240))

    assert refused(clip, "video", max_width=256).code == "too_big_frame"
    assert refused(clip, "video", min_height=480).code == "too_small"


def test_frame_bounds_apply_to_the_displayed_picture(tmp_path: Path) -> None:
    clip = generate.make_video(tmp_path / "phone.mp4", size=(320, 240), rotation=90)

    # Stored 320 wide, shown 240 wide and 320 high.
    assert probe.probe(clip, "video", probe.Limits(max_width=300, max_height=400)).width == 240
    assert refused(clip, "video", max_width=400, max_height=300).code == "too_big_frame"


def test_huge_declared_picture_is_refused_before_decoding(tmp_path: Path) -> None:
    photo = png_header_only(tmp_path / "bomb.png", 30000, 30000)

    assert refused(photo, "image").code == "too_big_frame"


def test_tiny_picture(tmp_path: Path) -> None:
    photo = generate.make_image(tmp_path / "p.png", size=(16, 16))

    assert refused(photo, "image").code == "too_small"


def test_unknown_kind_hint_is_a_programming_error(tmp_path: Path) -> None:
    photo = generate.make_image(tmp_path / "p.png")

    with pytest.raises(ValueError, match="kind_hint"):
        probe.probe(photo, "document")


def test_demuxer_for_each_container() -> None:
    assert [probe.demuxer(name) for name in ("mp4", "mov", "m4a", "webm", "mkv", "mp3")] == [
        "mov",
        "mov",
        "mov",
        "matroska",
        "matroska",
        "mp3",
    ]
    with pytest.raises(ValueError, match="no demuxer"):
        probe.demuxer("png")


# --- frame rate -------------------------------------------------------------------------


def _drop_frames(source: Path, target: Path) -> Path:
    """Keep frames 0–4 and 19–29 of every 30: a 30 fps phone clip that dropped frames under
    load (16 frames a second on average), with variable timestamps."""
    generate.ffmpeg_run(
        "-i", str(source), "-vf", "select='not(between(mod(n,30),5,18))'", "-fps_mode", "vfr",
        "-c:v", "libx264" if target.suffix != ".webm" else "libvpx-vp9",
        *(["-preset", "ultrafast"] if target.suffix != ".webm" else ["-deadline", "realtime"]),
        "-an", str(target),
    )  # fmt: skip
    return target


@pytest.mark.parametrize("name", ["phone.mp4", "phone.mov", "phone.webm"])
def test_variable_frame_rate_clip_reports_its_nominal_rate(tmp_path: Path, name: str) -> None:
    source = generate.make_video(tmp_path / "source.mp4", seconds=2.0, size=(160, 120), fps=30)
    clip = _drop_frames(source, tmp_path / name)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for packet in container.demux(stream) if packet.pts is not None)
    assert frames == 32  # really 16 frames a second

    assert probe.probe(clip, "video").fps == 30.0  # never the average (16)


def test_nominal_rate_is_the_declared_one_when_frames_sit_on_its_grid() -> None:
    # 30 fps with frames 5–18 of each second missing: the average is 16 fps.
    kept = [n for n in range(60) if not 5 <= n % 30 <= 18]
    times = [n / 30 for n in kept]
    assert probe.nominal_frame_rate((30, 30), 16, times) == 30.0
    # NTSC rates stay exact; the codec's declared rate serves when r_frame_rate is missing
    ntsc = [n * 1001 / 30000 for n in kept]
    assert probe.nominal_frame_rate((None, 30000 / 1001), 16, ntsc) == pytest.approx(29.97, 1e-4)


def test_jittered_timestamps_fall_back_to_the_average() -> None:
    # Every other frame 10 ms late: r_frame_rate reads 45 and the codec's time base 1000, but
    # no frame is one 45th of a second after another; the average (≈ 30) is the best guess.
    times = [(n + 0.3 * (n % 2)) / 30 for n in range(60)]
    assert probe.nominal_frame_rate((45, 1000), 29.87, times) == pytest.approx(29.87)


def test_nominal_rate_without_frame_times_or_rates() -> None:
    assert probe.nominal_frame_rate((30, None), 16, []) == 30.0  # nothing to check it against
    assert probe.nominal_frame_rate((None, 0), 25, [0.0, 0.04]) == 25.0
    assert probe.nominal_frame_rate((90000 * 1000, None), None, []) is None
