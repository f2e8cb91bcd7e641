"""ASS subtitle files for the captions; ffmpeg's ``subtitles`` filter renders them with libass.

libass shapes Vietnamese (HarfBuzz) and wraps and outlines text; the font is Be Vietnam Pro
from ``fontpkg_be_vietnam_pro``, handed to the filter as ``fontsdir`` so nothing depends on
the machine's fonts. Sizes are designed for a 1080×1920 frame and scaled to the render.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from media import overlays

if TYPE_CHECKING:
    from media import recipe

FONTS_DIR = overlays.FONTS_DIR
FONT_FAMILY = overlays.FONT_FAMILY
DESIGN_HEIGHT = 1920

# preset: (ASS alignment numpad, font size, outline, vertical margin, bold) at 1080×1920.
# The bottom margin keeps text above TikTok/Reels' caption and button overlays; the top
# margin keeps it below the platforms' tabs and the stars badge.
PRESETS: dict[str, tuple[int, int, float, int, bool]] = {
    "bottom": (2, 64, 4, 420, True),
    "top": (8, 64, 4, 440, True),
    "center": (5, 72, 4, 0, True),
    "title": (5, 104, 6, 0, True),
}
_WORD_JOINER = "\u2060"


def ass_time(seconds: float) -> str:
    """Seconds → ASS time ``h:mm:ss.cc`` (centiseconds)."""
    cs = max(0, round(seconds * 100))
    return f"{cs // 360000}:{cs // 6000 % 60:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


def ass_color(hex_color: str, alpha: int = 0) -> str:
    """'#RRGGBB' → ASS '&HAABBGGRR' (alpha 0 is opaque)."""
    value = hex_color.lstrip("#")
    red, green, blue = value[0:2], value[2:4], value[4:6]
    return f"&H{alpha:02X}{blue}{green}{red}".upper()


def escape_text(text: str) -> str:
    """Caption text as a literal ASS event: NFC, no override blocks, newlines as ``\\N``.

    libass reads ``\\{`` and ``\\}`` as literal braces; a word joiner after a backslash stops
    ``\\N``, ``\\n`` and ``\\h`` typed by a seller from turning into line breaks or spaces.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\\", "\\" + _WORD_JOINER)
    text = text.replace("{", "\\{").replace("}", "\\}")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "\\N")


def _overrides(style: recipe.CaptionStyle, scale: float) -> str:
    tags = []
    if style.size is not None:
        tags.append(f"\\fs{round(style.size * scale)}")
    if style.color is not None:
        value = style.color.lstrip("#").upper()
        tags.append(f"\\1c&H{value[4:6]}{value[2:4]}{value[0:2]}&")
    if style.outline is not None:
        tags.append(f"\\bord{style.outline * scale:.2f}")
    return "{" + "".join(tags) + "}" if tags else ""


def write_ass(captions: Sequence[recipe.Caption], path: Path, *, width: int, height: int) -> Path:
    """Write ``captions`` as an ASS script for a ``width``×``height`` video at ``path``."""
    scale = height / DESIGN_HEIGHT
    margin_lr = round(width * 0.08)
    lines = [
        "[Script Info]",
        "; Written by media.captions",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
    ]
    for name, (alignment, size, outline, margin_v, bold) in PRESETS.items():
        lines.append(
            f"Style: {name},{FONT_FAMILY},{round(size * scale)},&H00FFFFFF,&H000000FF,"
            f"&H00000000,&H80000000,{-1 if bold else 0},0,0,0,100,100,0,0,1,"
            f"{outline * scale:.2f},{1.5 * scale:.2f},{alignment},{margin_lr},{margin_lr},"
            f"{round(margin_v * scale)},1"
        )
    lines += [
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    for caption in captions:
        text = _overrides(caption.style, scale) + escape_text(caption.text)
        lines.append(
            f"Dialogue: 0,{ass_time(caption.start)},{ass_time(caption.end)},"
            f"{caption.style.preset},,0,0,0,,{text}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
