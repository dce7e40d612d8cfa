"""Tensor names with wide (CJK, fullwidth) and combining characters, measured the way terminals
measure them: by `wcwidth` (and Python's `unicodedata.east_asian_width`), not by tscope's own
DisplayWidth. `tscope layers` keeps its columns aligned, and every row of the explorer's screen,
headless and in a real terminal under tmux, takes exactly the terminal's width.
"""
import unicodedata

import numpy as np
import pytest
from safetensors.numpy import save_file
from wcwidth import wcswidth

from conftest import run_tscope, tscope_binary
from test_tui_tmux import Tmux

NAMES = [
    "模型.层.0.注意力.查询.权重",  # CJK ideographs: two columns each
    "模型.层.0.cafe\u0301.re\u0301sume\u0301.weight",  # combining acute accents: no column
    "ｗｉｄｅ.ｆｕｌｌ.bias",  # fullwidth Latin
    "plain.weight",
]


def columns(text):
    width = wcswidth(text)
    assert width >= 0, f"wcwidth cannot measure {text!r}"
    return width


def test_wcwidth_agrees_with_the_unicode_database():
    # The reference itself: wide = East Asian W/F, combining marks = category Mn.
    for name in NAMES:
        expected = sum(
            0 if unicodedata.category(c) in ("Mn", "Me") else 2 if unicodedata.east_asian_width(c) in "WF" else 1
            for c in name
        )
        assert columns(name) == expected, name


@pytest.fixture(scope="module")
def wide_model(tmp_path_factory):
    rng = np.random.default_rng(7)
    path = tmp_path_factory.mktemp("wide") / "wide.safetensors"
    save_file({name: rng.standard_normal((64, 128)).astype(np.float32) for name in NAMES}, str(path))
    return path


def test_layers_columns_align_by_display_width(wide_model):
    out = run_tscope("layers", wide_model, env={"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}).stdout
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("name"))
    end = lines.index("", start)
    table = lines[start:end]
    rows = [line for line in table if "F32" in line]
    assert len(rows) == len(NAMES), out
    # The dtype column starts in the same terminal column on every row, and so does the header's.
    starts = {columns(line[: line.index("F32")]) for line in rows}
    starts.add(columns(table[0][: table[0].index("dtype")]))
    assert len(starts) == 1, out
    # Right-aligned parameter counts end in the same column.
    assert len({columns(line) for line in rows}) == 1, out
    for fragment in ("注意力.查询.权重", "cafe\u0301.re\u0301sume\u0301.weight", "ｗｉｄｅ.ｆｕｌｌ.bias"):
        assert fragment in out, out


def frame_rows(screen, width):
    """The screen's rows that end in the right border: each must take exactly `width` columns."""
    rows = [line for line in screen.splitlines() if line and line[-1] in "│┤┐┘"]
    assert len(rows) > 10, screen
    return {line: columns(line) for line in rows if columns(line) != width}


@pytest.mark.parametrize("keys", ["", "j", "jjj", "/ｗｉｄｅ<enter>", "o"])
def test_snapshot_rows_take_the_terminal_width(wide_model, keys):
    screen = run_tscope("snapshot", wide_model, "--keys", keys, "--size", "100x30").stdout
    assert frame_rows(screen, 100) == {}, screen
    # A sorted list shortens names to the block number and what follows (`0.注意力.查询.权重`).
    expected = "ｗｉｄｅ" if "ｗｉｄｅ" in keys else ("0.注意力.查询.权重" if keys == "o" else "模型")
    assert expected in screen, screen


def test_live_terminal_rows_take_the_terminal_width(wide_model):
    env = "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8"
    session = Tmux(f"{env} {tscope_binary()} {wide_model}", width=100, height=30)
    try:
        screen = session.wait_for(lambda s: "SQNR dB" in s and "ready" in s, "the first tensor's table")
        assert frame_rows(screen, 100) == {}, screen
        session.keys("j")
        session.keys("j")
        screen = session.wait_for(lambda s: "ｗｉｄｅ" in s.splitlines()[1] and "ready" in s, "the fullwidth tensor")
        assert frame_rows(screen, 100) == {}, screen
        session.keys("q")
        session.wait_text("tscope exited 0")
    finally:
        session.close()
