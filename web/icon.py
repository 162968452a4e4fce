"""The site's icon (/favicon.ico): a speech bubble in the clinic's colour, drawn here as one
32x32 PNG inside an .ico file, so that it follows `brand_color` without an image file."""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

SIZE = 32
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
DOTS = ((10, 13), (16, 13), (22, 13))  # centres of the three dots in the bubble


def _pixel(x: int, y: int, colour: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The colour of one pixel: a rounded bubble (2..29 x 3..23) with a tail at the bottom
    left, three white dots in it, transparent around it."""
    if any((x - cx) ** 2 + (y - cy) ** 2 <= 5 for cx, cy in DOTS):
        return WHITE
    radius = 6
    inside_x, inside_y = 2 <= x <= 29, 3 <= y <= 23
    if inside_x and inside_y:
        corner_x = min(max(x, 2 + radius), 29 - radius)
        corner_y = min(max(y, 3 + radius), 23 - radius)
        if (x - corner_x) ** 2 + (y - corner_y) ** 2 <= radius**2:
            return colour
    if 24 <= y <= 29 and 7 <= x <= 7 + (29 - y):  # the tail
        return colour
    return CLEAR


def _png(rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 on every row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


@lru_cache(maxsize=8)
def favicon(colour: str) -> bytes:
    """The .ico bytes of the icon in `colour` (`#rrggbb`)."""
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    fill = (rgb[0], rgb[1], rgb[2], 255)
    rows = [b"".join(bytes(_pixel(x, y, fill)) for x in range(SIZE)) for y in range(SIZE)]
    png = _png(rows)
    directory = struct.pack("<HHH", 0, 1, 1)  # reserved, type 1 (icon), one image
    entry = struct.pack("<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(png), 6 + 16)
    return directory + entry + png
