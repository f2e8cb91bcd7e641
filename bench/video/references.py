"""The two references the app's render is compared with, doing the same operations:

- ``handwritten_ffmpeg``: one ffmpeg command with a filter_complex written by hand;
- ``moviepy_render``: moviepy 2.2 compositing clip by clip (frames through Python).

The standard job (``STANDARD``): two 1920×1080 clips trimmed (12 s + 14 s), centre-cropped
to 9:16 and scaled to 1080×1920, two captions, a logo top-right, music ducked under the clips'
sound, a 4 s outro card; 30 s of 1080×1920 30 fps H.264 + AAC 48 kHz. ``TINY`` is the same
job in 3 s of 270×480 from 2 s 320×180 sources: what ``make test`` runs so the bench never
rots.
"""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import fontpkg_be_vietnam_pro
import imageio_ffmpeg

FPS = 30
FIRST_CAPTION = "Nước mắm cá cơm Trà Cổ – OCOP 4 sao"
SECOND_CAPTION = "Ủ chượp 18 tháng trong thùng gỗ"


@dataclasses.dataclass(frozen=True)
class Job:
    """One size of the job: the sources made, what is cut from them and the output frame."""

    width: int = 1080
    height: int = 1920
    source_width: int = 1920
    source_height: int = 1080
    source_seconds: float = 20.0
    music_seconds: float = 40.0
    clips: tuple[tuple[float, float], ...] = ((2.0, 14.0), (3.0, 17.0))  # in/out of each source
    outro: float = 4.0
    captions: tuple[tuple[float, float, str], ...] = (
        (0.5, 5.0, FIRST_CAPTION),
        (13.0, 20.0, SECOND_CAPTION),
    )

    def px(self, pixels: int) -> int:
        """A size set for the 1080-wide frame (font, margin, logo), at this job's width."""
        return max(1, round(pixels * self.width / 1080))

    @property
    def total(self) -> float:
        """The output's length in seconds: the trimmed clips and the outro."""
        return sum(t1 - t0 for t0, t1 in self.clips) + self.outro


STANDARD = Job()
TINY = Job(
    width=270,
    height=480,
    source_width=320,
    source_height=180,
    source_seconds=2.0,
    music_seconds=4.0,
    clips=((0.5, 1.5), (0.25, 1.25)),
    outro=1.0,
    captions=((0.1, 0.9, FIRST_CAPTION), (1.1, 1.9, SECOND_CAPTION)),
)
FONT = fontpkg_be_vietnam_pro.ROOT / "files" / "BeVietnamPro-Bold.ttf"
ENCODE = [
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-crf",
    "23",
    "-pix_fmt",
    "yuv420p",
    "-profile:v",
    "high",
    "-g",
    "60",
    "-c:a",
    "aac",
    "-b:a",
    "128k",
    "-ar",
    "48000",
    "-ac",
    "2",
    "-movflags",
    "+faststart",
]


def ffmpeg() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


def make_sources(folder: Path, job: Job = STANDARD) -> dict[str, Path]:
    """Two clips with sound (20 s 1920×1080 for the standard job), a logo, music, the outro
    card and an ASS caption file."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {
        "clip1": folder / "clip1.mp4",
        "clip2": folder / "clip2.mp4",
        "logo": folder / "logo.png",
        "music": folder / "music.m4a",
        "outro": folder / "outro.png",
        "captions": folder / "captions.ass",
    }
    base = [ffmpeg(), "-hide_banner", "-loglevel", "error", "-y"]
    stereo_aac = ["-c:a", "aac", "-ar", "48000", "-ac", "2"]  # the sources' sound and music
    for name, pattern, tone in (("clip1", "testsrc2", 440), ("clip2", "smptehdbars", 660)):
        if not out[name].exists():
            subprocess.run(
                [
                    *base,
                    "-f",
                    "lavfi",
                    "-i",
                    f"{pattern}=size={job.source_width}x{job.source_height}:rate=30"
                    f":duration={job.source_seconds:g}",
                    "-f",
                    "lavfi",
                    "-i",
                    f"sine=frequency={tone}:sample_rate=48000:duration={job.source_seconds:g}",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "veryfast",
                    "-pix_fmt",
                    "yuv420p",
                    *stereo_aac,
                    "-shortest",
                    str(out[name]),
                ],
                check=True,
            )
    if not out["music"].exists():
        subprocess.run(
            [
                *base,
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=220:sample_rate=48000:duration={job.music_seconds:g}",
                *stereo_aac,
                str(out["music"]),
            ],
            check=True,
        )
    from PIL import Image, ImageDraw, ImageFont

    if not out["logo"].exists():
        logo = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
        ImageDraw.Draw(logo).ellipse((10, 10, 230, 230), fill=(200, 30, 40, 230))
        logo.save(out["logo"])
    if not out["outro"].exists():
        card = Image.new("RGB", (job.width, job.height), (25, 60, 40))
        draw = ImageDraw.Draw(card)
        font = ImageFont.truetype(str(FONT), job.px(72))
        draw.text(
            (job.width // 2, job.height // 2),
            "Mua tại Shopee · TikTok Shop",
            font=font,
            anchor="mm",
            fill=(255, 255, 255),
        )
        card.save(out["outro"])
    lines = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {job.width}",
        f"PlayResY: {job.height}",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, OutlineColour, BorderStyle, "
        "Outline, Alignment, MarginV",
        f"Style: Default,Be Vietnam Pro,{job.px(64)},&H00FFFFFF,&H00000000,1,{job.px(4)},2,"
        f"{job.px(160)}",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Text",
    ]
    for start, end, text in job.captions:
        lines.append(f"Dialogue: 0,{_ass_time(start)},{_ass_time(end)},Default,{text}")
    out["captions"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _ass_time(seconds: float) -> str:
    cs = round(seconds * 100)
    return f"{cs // 360000}:{cs // 6000 % 60:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


def handwritten_ffmpeg(src: dict[str, Path], out: Path, job: Job = STANDARD) -> list[str]:
    """The same job as one ffmpeg command, written by hand."""
    (a0, a1), (b0, b1) = job.clips
    total, outro = job.total, job.outro
    size = f"{job.width}:{job.height}"
    fontsdir = str(FONT.parent).replace(":", r"\:")
    graph = ";".join(
        [
            f"[0:v]trim={a0}:{a1},setpts=PTS-STARTPTS,crop=ih*9/16:ih,scale={size},fps={FPS},"
            "format=yuv420p,setsar=1[v0]",
            f"[0:a]atrim={a0}:{a1},asetpts=PTS-STARTPTS,aformat=sample_rates=48000:"
            "channel_layouts=stereo[a0]",
            f"[1:v]trim={b0}:{b1},setpts=PTS-STARTPTS,crop=ih*9/16:ih,scale={size},fps={FPS},"
            "format=yuv420p,setsar=1[v1]",
            f"[1:a]atrim={b0}:{b1},asetpts=PTS-STARTPTS,aformat=sample_rates=48000:"
            "channel_layouts=stereo[a1]",
            f"[4:v]loop=loop=-1:size=1,trim=duration={outro},fps={FPS},format=yuv420p,setsar=1[v2]",
            f"anullsrc=r=48000:cl=stereo,atrim=duration={outro}[a2]",
            "[v0][a0][v1][a1][v2][a2]concat=n=3:v=1:a=1[vc][speech]",
            f"[2:v]scale={job.px(200)}:-1[logo]",
            f"[vc][logo]overlay=W-w-{job.px(40)}:{job.px(40)}[vl]",
            f"[vl]subtitles='{src['captions']}':fontsdir='{fontsdir}'[vout]",
            "[speech]asplit=2[sp][key]",
            f"[3:a]atrim=duration={total},asetpts=PTS-STARTPTS,volume=0.5,"
            "aformat=sample_rates=48000:channel_layouts=stereo[mus]",
            "[mus][key]sidechaincompress=threshold=0.02:ratio=10:attack=20:release=300[ducked]",
            "[sp][ducked]amix=inputs=2:duration=first:normalize=0[aout]",
        ]
    )
    return [
        ffmpeg(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-y",
        "-protocol_whitelist",
        "file",
        "-i",
        str(src["clip1"]),
        "-protocol_whitelist",
        "file",
        "-i",
        str(src["clip2"]),
        "-i",
        str(src["logo"]),
        "-i",
        str(src["music"]),
        "-i",
        str(src["outro"]),
        "-filter_complex",
        graph,
        "-map",
        "[vout]",
        "-map",
        "[aout]",
        "-r",
        str(FPS),
        *ENCODE,
        "-t",
        f"{total:.3f}",
        str(out),
    ]


def moviepy_render(src: dict[str, Path], out: Path, job: Job = STANDARD) -> None:
    """The same job in moviepy: clips, text and logo composited frame by frame in Python."""
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
        VideoFileClip,
        concatenate_videoclips,
    )
    from moviepy.audio.fx import MultiplyVolume

    opened = []
    parts = []
    width, height = job.width, job.height
    for name, (t0, t1) in zip(("clip1", "clip2"), job.clips, strict=True):
        clip = VideoFileClip(str(src[name]))
        opened.append(clip)
        part = clip.subclipped(t0, t1)
        crop = part.h * 9 // 16
        part = part.cropped(x_center=part.w / 2, width=crop).resized((width, height))
        parts.append(part)
    outro = ImageClip(str(src["outro"])).with_duration(job.outro)
    body = concatenate_videoclips([*parts, outro])
    layers = [body]
    for start, end, text in job.captions:
        caption = (
            TextClip(
                font=str(FONT),
                text=text,
                font_size=job.px(64),
                color="white",
                stroke_color="black",
                stroke_width=job.px(4),
                method="caption",
                size=(width - job.px(120), None),
            )
            .with_start(start)
            .with_end(end)
            .with_position(("center", height - job.px(360)))
        )
        layers.append(caption)
    logo = (
        ImageClip(str(src["logo"]))
        .resized(width=job.px(200))
        .with_position((width - job.px(240), job.px(40)))
    )
    layers.append(logo.with_duration(body.duration))
    video = CompositeVideoClip(layers, size=(width, height))
    speech_end = sum(t1 - t0 for t0, t1 in job.clips)
    music = AudioFileClip(str(src["music"])).subclipped(0, body.duration)
    opened.append(music)
    # moviepy has no sidechain compressor: duck by a fixed gain while the clips speak.
    ducked = CompositeAudioClip(
        [
            music.subclipped(0, speech_end).with_effects([MultiplyVolume(0.5 * 0.2)]),
            music.subclipped(speech_end, body.duration)
            .with_effects([MultiplyVolume(0.5)])
            .with_start(speech_end),
        ]
    )
    audio = CompositeAudioClip([body.audio, ducked]) if body.audio else ducked
    video = video.with_audio(audio)
    video.write_videofile(
        str(out),
        fps=FPS,
        codec="libx264",
        audio_codec="aac",
        audio_fps=48000,
        preset="veryfast",
        ffmpeg_params=["-crf", "23", "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
        temp_audiofile_path=str(out.parent),
        logger=None,
    )
    video.close()
    for clip in opened:
        clip.close()
