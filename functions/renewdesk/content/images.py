"""Pictures marketing puts in content/images: what they really are and how big.

Read from the file's own header (PNG, JPEG, WebP), not its name: a renamed BMP or a truncated
upload is caught at build time, not on a customer's phone.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

# Posters and share cards: big enough for WeChat's card and a phone's width, small enough for 4G.
MAX_BYTES = 600 * 1024
MIN_WIDTH, MAX_WIDTH, MIN_HEIGHT = 600, 2400, 300
# The official account's QR code: square and large enough to scan from a screen.
MIN_QR = 200


@dataclass(frozen=True)
class ImageInfo:
    """What a picture is."""

    kind: str  # "png", "jpeg", "webp"
    width: int
    height: int
    size: int  # bytes


class NotAnImage(ValueError):
    """The file is not a PNG, JPEG or WebP picture we can read."""


def read_info(path: Path) -> ImageInfo:
    """Kind and dimensions from the header; NotAnImage for anything else."""
    data = Path(path).read_bytes()
    size = len(data)
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("png", width, height, size)
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data, size)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data, size)
    raise NotAnImage(str(path))


def _jpeg(data: bytes, size: int) -> ImageInfo:
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            raise NotAnImage("jpeg")
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        # Start-of-frame markers carry the dimensions (not DHT C4, JPG C8, DAC CC).
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return ImageInfo("jpeg", width, height, size)
        at += 2 + length
    raise NotAnImage("jpeg")


def _webp(data: bytes, size: int) -> ImageInfo:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
    elif chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif chunk == b"VP8 ":
        width, height = (v & 0x3FFF for v in struct.unpack("<HH", data[26:30]))
    else:
        raise NotAnImage("webp")
    return ImageInfo("webp", width, height, size)


def poster_problems(info: ImageInfo) -> list[tuple[str, dict]]:
    """Reasons a poster or share image is unfit, as (content reason code, params)."""
    found = []
    if info.size > MAX_BYTES:
        found.append(("image_too_heavy", {"kb": info.size // 1024, "limit": MAX_BYTES // 1024}))
    if not MIN_WIDTH <= info.width <= MAX_WIDTH or info.height < MIN_HEIGHT:
        found.append(
            (
                "image_bad_size",
                {
                    "width": info.width,
                    "height": info.height,
                    "min_width": MIN_WIDTH,
                    "max_width": MAX_WIDTH,
                    "min_height": MIN_HEIGHT,
                },
            )
        )
    return found


def qr_problems(info: ImageInfo) -> list[tuple[str, dict]]:
    """Reasons a QR code picture is unfit."""
    found = []
    if info.size > MAX_BYTES:
        found.append(("image_too_heavy", {"kb": info.size // 1024, "limit": MAX_BYTES // 1024}))
    if info.width != info.height or info.width < MIN_QR:
        found.append(("qr_bad_size", {"width": info.width, "height": info.height, "min": MIN_QR}))
    return found
