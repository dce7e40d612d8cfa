"""The explorer's pure renderer driven headless (`tscope snapshot`), checked against numpy.

The error table's SQNR values are recomputed here with numpy from the tensor as the official
safetensors package reads it, using SPEC §4's group absmax round-to-nearest rule.
"""
import re

import numpy as np
from safetensors import safe_open

from conftest import run_tscope

NF4 = np.array([
    -1, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
    -0.18477343022823334, -0.09105003625154495, 0, 0.07958029955625534, 0.16093020141124725,
    0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
    0.7229568362236023, 1,
])
E2M1 = np.array([-6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4, 6], dtype=np.float64)
INT4 = np.arange(-8, 8, dtype=np.float64)


def numpy_sqnr(x, codebook, group=128):
    """SPEC §4: per group of each row, scale = amax / max(codebook); nearest value, ties down."""
    rows = x.reshape(-1, x.shape[-1]).astype(np.float64)
    groups = rows.reshape(rows.shape[0], -1, group)
    scale = np.abs(groups).max(axis=-1, keepdims=True) / codebook.max()
    y = np.where(scale > 0, groups / np.where(scale > 0, scale, 1), 0)
    midpoints = (codebook[1:] + codebook[:-1]) / 2
    codes = np.searchsorted(midpoints, y, side="left")  # a tie (y == midpoint) goes to the lower value
    xq = codebook[codes] * scale
    return 10 * np.log10((groups ** 2).sum() / ((groups - xq) ** 2).sum())


def table_rows(screen):
    """{display name: [MSE, SQNR, ...]} from the snapshot's error table."""
    rows = {}
    for line in screen.splitlines():
        match = re.match(r"^│.*?│[ ▶]●(\S+)\s+([0-9.e+-]+)\s+([0-9.]+)\s", line)
        if match:
            rows[match.group(1)] = (float(match.group(2)), float(match.group(3)))
    return rows


def test_snapshot_table_matches_numpy(sample_model):
    name = "controls.normal.weight"
    screen = run_tscope("snapshot", sample_model, "--keys", f"/{name}<enter>", "--size", "100x30").stdout
    assert name in screen
    rows = table_rows(screen)
    with safe_open(str(sample_model), framework="numpy") as f:
        x = f.get_tensor(name)
    for display, codebook in (("INT4", INT4), ("NF4", NF4), ("E2M1", E2M1)):
        assert display in rows, screen
        assert abs(rows[display][1] - numpy_sqnr(x, codebook)) < 0.006, (display, rows[display])


def test_supernormal_key_changes_the_row_to_the_variant(sample_model):
    name = "controls.laplace.weight"
    plain = table_rows(run_tscope("snapshot", sample_model, "--keys", f"/{name}<enter>").stdout)
    screen = run_tscope("snapshot", sample_model, "--keys", f"/{name}<enter>s").stdout
    rows = table_rows(screen)
    assert "E2M1-SR" in rows and "E2M1" not in rows
    assert "supernormal: SR" in screen
    with safe_open(str(sample_model), framework="numpy") as f:
        x = f.get_tensor(name)
    e2m1_sr = np.sort(np.append(E2M1, 8.0))
    assert abs(rows["E2M1-SR"][1] - numpy_sqnr(x, e2m1_sr)) < 0.006
    assert rows["E2M1-SR"][1] != plain["E2M1"][1]


def test_snapshot_size_and_glyph_modes(sample_model):
    screen = run_tscope("snapshot", sample_model, "--size", "100x30").stdout.rstrip("\n").split("\n")
    assert len(screen) == 30 and max(len(line) for line in screen) == 100
    ascii_screen = run_tscope("snapshot", sample_model, "--ascii").stdout
    assert ascii_screen.isascii() and "SQNR dB" in ascii_screen
    ansi = run_tscope("snapshot", sample_model, "--ansi", "--colors", "256").stdout
    assert "\x1b[" in ansi and ";38;5;" in ansi and ";38;2;" not in ansi
    mono = run_tscope("snapshot", sample_model, "--ansi", "--theme", "mono").stdout
    assert ";38;" not in mono and "\x1b[0;7" in mono  # selection in reverse video


def test_snapshot_minimum_size_and_themes(sample_model):
    small = run_tscope("snapshot", sample_model, "--size", "40x12").stdout
    assert len(small.rstrip("\n").split("\n")) == 12
    assert "nord" in run_tscope("snapshot", sample_model, "--theme", "nord").stdout.splitlines()[0]


def test_bad_snapshot_input_is_one_line_and_status_2(sample_model):
    for args, needle in (
        (["--size", "5x5"], "--size"),
        (["--size", "wide"], "--size"),
        (["--keys", "j<jump>"], "<jump>"),
        (["--theme", "no-such-theme"], "no-such-theme"),
    ):
        result = run_tscope("snapshot", sample_model, *args, check=False)
        assert result.returncode == 2, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], (args, result.stderr)


def test_unreadable_model_is_one_line_before_any_screen(tmp_path):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"\x05\x00")
    for model in (str(broken), "/nonexistent/model.safetensors"):
        result = run_tscope(model, check=False)
        assert result.returncode == 2
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and model in lines[0]


def test_snapshot_is_the_same_on_every_run(sample_model):
    keys = ["--keys", "jjsg6c", "--size", "120x40"]
    first = run_tscope("snapshot", sample_model, *keys).stdout
    assert run_tscope("snapshot", sample_model, *keys).stdout == first
    assert " ms " not in first  # timings are left out of headless screens
