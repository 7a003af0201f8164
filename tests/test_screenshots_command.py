"""The README's screenshots and the command that regenerates them (`bin/screenshots`) agree:
every image the README shows is one the command takes, exists, and has the command's viewport
size; every page the README names is one the command visits, and those pages are the app's.
No browser runs here: taking the screenshots is `bin/screenshots`'s job (about a minute)."""

import importlib.util
import re
import struct
from pathlib import Path

import pytest
from django.urls import resolve

from leadrouter.management.commands.demo import DEMO_PASSWORD, DEMO_REPS

ROOT = Path(__file__).resolve().parent.parent


def load_screenshots_script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "bin" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    return load_screenshots_script()


@pytest.fixture(scope="module")
def section():
    """The README's "What it looks like" section, up to the next top-level heading."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"^## What it looks like\n(.*?)^## ", readme, re.S | re.M)
    assert match, "README.md has no 'What it looks like' section"
    return match.group(1)


def png_size(path):
    """(width, height) from a PNG's IHDR chunk, the first one after the 8-byte signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_the_readme_shows_exactly_the_images_the_command_takes(script, section):
    shown = re.findall(r"!\[[^\]]+\]\((docs/screenshots/[^)]+)\)", section)
    taken = [f"docs/screenshots/{shot[0]}" for shot in script.SHOTS]
    assert len(shown) == len(set(shown)) == 6
    assert sorted(shown) == sorted(taken)
    assert "bin/screenshots" in section


def test_every_image_exists_at_its_viewport_size_and_they_stay_small(script):
    total = 0
    for name, _user, viewport, *_ in script.SHOTS:
        path = script.OUT / name
        assert path.is_file(), f"{path} is missing: run bin/screenshots"
        assert png_size(path) == (viewport["width"], viewport["height"])
        total += path.stat().st_size
    assert total < 2_000_000


def test_the_pages_named_in_the_readme_are_the_ones_the_command_visits(script, section):
    named = set(re.findall(r"`(/[a-z/-]*/)`", section))
    visited = {shot[3] for shot in script.SHOTS}
    assert named == {"/board/", "/review/", "/reports/weekly/"}
    assert named <= visited
    pages = {resolve(path).url_name for path in visited}
    assert pages == {"queue", "board", "review-queue", "routing_routingrule_changelist", "weekly"}


def test_phone_pages_are_a_reps_and_desktop_pages_the_managers(script):
    reps = {rep[0] for rep in DEMO_REPS}
    assert script.PASSWORD == DEMO_PASSWORD
    for _name, user, viewport, *_ in script.SHOTS:
        if viewport == script.PHONE:
            assert user in reps
        else:
            assert user == "manager"
            assert viewport in (script.DESKTOP, script.REPORT)
    assert script.PHONE == {"width": 390, "height": 844}
    assert script.DESKTOP == {"width": 1280, "height": 800}
    assert script.REPORT == {"width": 1280, "height": 1500}
