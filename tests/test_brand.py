"""The clinic's look: brand colour contrast (WCAG AA against white text) and the logo file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.brand import colour_problem, contrast_ratio, parse_colour
from bot.knowledge import load_knowledge
from tests.conftest import TINY_CLINIC, write_knowledge


def test_contrast_ratio_matches_wcag_reference_values() -> None:
    white, black = (255, 255, 255), (0, 0, 0)
    assert contrast_ratio(white, black) == pytest.approx(21.0)
    assert contrast_ratio(parse_colour("#767676") or black, white) == pytest.approx(4.54, abs=0.01)
    assert parse_colour("#abc") == (0xAA, 0xBB, 0xCC)
    assert parse_colour("blue") is None and parse_colour("#12345") is None


@pytest.mark.parametrize("colour", ["#0b5cad", "#767676", "#000"])
def test_a_dark_enough_brand_colour_is_accepted(colour: str) -> None:
    assert colour_problem(colour) is None


@pytest.mark.parametrize(
    ("colour", "why"),
    [("#777777", "too light"), ("#ffcc00", "too light"), ("teal", "must be a colour")],
)
def test_a_light_or_unreadable_brand_colour_is_refused(colour: str, why: str) -> None:
    assert why in (colour_problem(colour) or "")


def test_clinic_file_brand_colour_and_logo_are_loaded(tmp_path: Path) -> None:
    folder = write_knowledge(
        tmp_path / "k", clinic_txt=TINY_CLINIC + "brand_color: #5a2d82\nlogo: logo.png\n"
    )
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    k = load_knowledge(folder)
    assert k.errors == ()
    assert k.clinic.brand_color == "#5a2d82" and k.clinic.logo == "logo.png"


def test_clinic_file_with_a_light_colour_or_missing_logo_is_an_error_with_its_line(
    tmp_path: Path,
) -> None:
    folder = write_knowledge(
        tmp_path / "k",
        clinic_txt=TINY_CLINIC + "brand_color: #ffcc00\nlogo: ../secret.png\n",
    )
    (tmp_path / "secret.png").write_bytes(b"\x89PNG")
    errors = load_knowledge(folder).errors
    lines = TINY_CLINIC.count("\n")
    assert [(p.line, p.path.endswith("clinic.txt")) for p in errors] == [
        (lines + 1, True),
        (lines + 2, True),
    ]
    assert (
        "contrast" in errors[0].message and "not found in the knowledge folder" in errors[1].message
    )


def test_logo_of_an_unknown_type_is_refused(tmp_path: Path) -> None:
    folder = write_knowledge(tmp_path / "k", clinic_txt=TINY_CLINIC + "logo: logo.svg\n")
    (folder / "logo.svg").write_text("<svg/>")
    assert "must be a .png" in load_knowledge(folder).errors[0].message


def test_clinic_without_brand_settings_uses_the_defaults(tiny_knowledge: Path) -> None:
    clinic = load_knowledge(tiny_knowledge).clinic
    assert clinic.brand_color == "" and clinic.logo == ""
