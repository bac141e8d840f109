"""The figures are reproducible PNGs: same bytes on every run, whatever the user's rcParams."""

import numpy as np
import pytest

from nnspec.report import figures

matplotlib = pytest.importorskip("matplotlib")

STEPS = np.logspace(-12, -1, 12)
ERRORS = {"float64": 1e-16 / STEPS + STEPS**2, "50 digits": STEPS**2}


def _png_text_keys(data: bytes) -> set[bytes]:
    """Keys of the tEXt/iTXt/zTXt chunks of a PNG."""
    keys, pos = set(), 8
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            keys.add(data[pos + 8:pos + 8 + length].split(b"\0")[0])
        pos += 12 + length
    return keys


def test_figure_bytes_are_reproducible_and_carry_no_software_or_date(tmp_path):
    a = figures.step_size_figure(tmp_path / "a.png", STEPS, ERRORS, title="t", ylabel="error")
    b = figures.step_size_figure(tmp_path / "b.png", STEPS, ERRORS, title="t", ylabel="error")
    assert a.read_bytes() == b.read_bytes()
    keys = _png_text_keys(a.read_bytes())
    assert b"Software" not in keys and b"Creation Time" not in keys


def test_user_rc_params_do_not_change_the_figure(tmp_path):
    a = figures.step_size_figure(tmp_path / "a.png", STEPS, ERRORS, title="t", ylabel="error")
    with matplotlib.rc_context({"lines.linewidth": 5, "font.size": 20, "figure.dpi": 50}):
        b = figures.step_size_figure(tmp_path / "b.png", STEPS, ERRORS, title="t", ylabel="error")
    assert a.read_bytes() == b.read_bytes()


def test_different_data_gives_a_different_figure(tmp_path):
    a = figures.step_size_figure(tmp_path / "a.png", STEPS, ERRORS, title="t", ylabel="error")
    other = {k: v * 10 for k, v in ERRORS.items()}
    b = figures.step_size_figure(tmp_path / "b.png", STEPS, other, title="t", ylabel="error")
    assert a.read_bytes() != b.read_bytes()
