"""Platform profiles: output size, encoder settings and each platform's limits.

One safe encode for every vertical platform (../shared/docs/media.md): 1080×1920, 30 fps
constant, H.264 High yuv420p CRF 23 veryfast with a max rate, GOP 60, AAC-LC 128k 48 kHz
stereo, ``+faststart``. Profiles differ in their duration and file-size limits; Shopee's max
rate is lower so that 60 s can never exceed its 30 MB.
"""

from __future__ import annotations

import dataclasses

from media import errors

MB = 1000 * 1000
GB = 1000 * MB


@dataclasses.dataclass(frozen=True)
class Profile:
    name: str
    label: str
    min_duration: float
    max_duration: float
    max_bytes: int | None
    width: int = 1080
    height: int = 1920
    fps: int = 30
    crf: int = 23
    preset: str = "veryfast"
    maxrate_kbps: int = 8000
    bufsize_kbps: int = 16000
    gop: int = 60
    audio_kbps: int = 128
    audio_rate: int = 48000
    audio_channels: int = 2

    def encoder_args(self) -> list[str]:
        """ffmpeg output options for this profile (video, audio, faststart MP4)."""
        return [
            "-c:v",
            "libx264",
            "-preset",
            self.preset,
            "-crf",
            str(self.crf),
            "-maxrate",
            f"{self.maxrate_kbps}k",
            "-bufsize",
            f"{self.bufsize_kbps}k",
            "-profile:v",
            "high",
            "-pix_fmt",
            "yuv420p",
            "-g",
            str(self.gop),
            "-keyint_min",
            str(self.gop),
            "-sc_threshold",
            "0",
            "-r",
            str(self.fps),
            "-c:a",
            "aac",
            "-profile:a",
            "aac_low",
            "-b:a",
            f"{self.audio_kbps}k",
            "-ar",
            str(self.audio_rate),
            "-ac",
            str(self.audio_channels),
            "-movflags",
            "+faststart",
        ]

    def worst_case_bytes(self, duration: float) -> int:
        """Upper bound of the file size: every second at the max rate, plus 2% container."""
        return int(duration * (self.maxrate_kbps + self.audio_kbps) * 1000 / 8 * 1.02)

    def resized(self, width: int, height: int) -> Profile:
        """The same profile at another frame size (previews, fast tests)."""
        return dataclasses.replace(self, width=width, height=height)


PROFILES: dict[str, Profile] = {
    "tiktok": Profile("tiktok", "TikTok", min_duration=3, max_duration=600, max_bytes=1 * GB),
    "reels": Profile("reels", "Facebook Reels", min_duration=3, max_duration=90, max_bytes=1 * GB),
    "shorts": Profile("shorts", "YouTube Shorts", min_duration=1, max_duration=180, max_bytes=None),
    "shopee": Profile(
        "shopee",
        "Shopee Video",
        min_duration=10,
        max_duration=60,
        max_bytes=30 * MB,
        maxrate_kbps=3500,
        bufsize_kbps=7000,
    ),
}


def get(name: str) -> Profile:
    """The profile called ``name``; KeyError for an unknown one."""
    return PROFILES[name]


def check(
    recipe_duration: float, profile: Profile | str, *, size_bytes: int | None = None
) -> list[errors.Problem]:
    """Messages for every limit of ``profile`` the video breaks; empty when it fits.

    Without ``size_bytes`` the size is judged by its worst case at the profile's max rate.
    """
    if isinstance(profile, str):
        profile = get(profile)
    messages: list[errors.Problem] = []
    seconds = errors.number(round(recipe_duration, 1))
    if recipe_duration < profile.min_duration:
        messages.append(
            errors.Problem(
                "too_short",
                f"{profile.label} needs at least {profile.min_duration:g} s; "
                f"this video is {recipe_duration:.1f} s.",
                {
                    "platform": profile.label,
                    "min": errors.number(profile.min_duration),
                    "seconds": seconds,
                },
            )
        )
    if recipe_duration > profile.max_duration:
        messages.append(
            errors.Problem(
                "too_long",
                f"{profile.label} accepts at most {profile.max_duration:g} s "
                f"({profile.min_duration:g}–{profile.max_duration:g} s); "
                f"this video is {recipe_duration:.1f} s.",
                {
                    "platform": profile.label,
                    "min": errors.number(profile.min_duration),
                    "max": errors.number(profile.max_duration),
                    "seconds": seconds,
                },
            )
        )
    size = size_bytes
    if size is None and not messages:
        # Estimate only a fitting duration: a too-long video needs one message, not two.
        size = profile.worst_case_bytes(recipe_duration)
    if profile.max_bytes is not None and size is not None and size > profile.max_bytes:
        kind = "is" if size_bytes is not None else "could reach"
        messages.append(
            errors.Problem(
                "too_big",
                f"{profile.label} accepts files up to {profile.max_bytes / MB:g} MB; "
                f"this video {kind} {size / MB:.1f} MB.",
                {
                    "platform": profile.label,
                    "max_mb": errors.number(profile.max_bytes / MB),
                    "size_mb": errors.number(round(size / MB, 1)),
                    "estimated": size_bytes is None,
                },
            )
        )
    return messages
