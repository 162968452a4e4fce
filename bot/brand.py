"""The clinic's look: a brand colour checked for WCAG contrast, and an optional logo file.

A brand colour is used behind white text (buttons, the launcher), so it must give white text a
contrast of at least 4.5:1 (WCAG 2.1 AA for normal text). The same ratio then holds for the
colour as text on a white page.
"""

from __future__ import annotations

import re

AA_CONTRAST = 4.5
LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
LOGO_MAX_BYTES = 256 * 1024
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_colour(text: str) -> tuple[int, int, int] | None:
    """`#rgb` or `#rrggbb` as red, green, blue (0-255), or None when it is neither."""
    if not _HEX.match(text):
        return None
    digits = text[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG contrast ratio between two colours, from 1 to 21."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def colour_problem(text: str) -> str | None:
    """Why `text` cannot be the brand colour, or None when it can."""
    rgb = parse_colour(text)
    if rgb is None:
        return f"`brand_color` must be a colour like #0b5cad (a # and six hex digits), not {text!r}"
    ratio = contrast_ratio(rgb, (255, 255, 255))
    if ratio < AA_CONTRAST:
        return (
            f"`brand_color` {text} is too light: white text on it has a contrast of "
            f"{ratio:.2f}:1, and at least {AA_CONTRAST}:1 is needed (WCAG AA); choose a darker "
            "shade"
        )
    return None
