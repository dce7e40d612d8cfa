"""`lloyd` and `sf4@auto` on every 2-D tensor of the real all-MiniLM-L6-v2 at group 128.

The oracle for `lloyd` is a numpy port of the rule README "Optimal codebook" states: y = x / amax
per group (float32), weights amax², weighted 1-D k-means (Lloyd-Max) on the sorted y from the
weighted quantiles at (k + ½)/16, on tscope's deterministic row sample above 2^21 elements. Its
codebook quantizes the whole tensor (nearest level, float32 midpoints) and gives the MSE that
`quant` must print; the other formats' MSE come from the paper's round-to-nearest port
(`test_paper_rtn.py`), and `lloyd` must be at least as good as every one of them.
"""
import re

import numpy as np
import pytest
from safetensors.numpy import load_file

from conftest import run_json
from test_paper_rtn import paper_rtn

SAMPLE_ELEMENTS = 1 << 21
PAPER_IDS = ["int4", "nf4", "sf4", "e2m1", "e2m1-i", "e2m1-b", "e2m1-sr", "e2m1-sp", "e1m2", "e3m0", "apot4",
             "apot4-sp"]
OTHER_IDS = ["sf4@fit", "sf4@auto", "lloyd@normal", "lloyd@t", "e2m1+auto"]


def sampled_rows(row_count, row_length, max_elements):
    """tscope's one row sampler (Kernels RowSource.sampledRows)."""
    if row_count <= 1 or row_count * row_length <= max_elements:
        return None
    wanted = max(1, max_elements // row_length)
    stride = row_count / wanted
    rows = []
    for index in range(wanted):
        row = min(row_count - 1, int(index * stride))
        if not rows or row != rows[-1]:
            rows.append(row)
    return rows


def group_scaled(weight, group):
    """(y, weight) of every element: y = x / amax of its group in float32, weight amax²."""
    length = weight.shape[1]
    ys, ws = [], []
    for start in range(0, length, group):
        block = weight[:, start:start + group]
        amax = np.abs(block).max(axis=1, keepdims=True).astype(np.float32)
        keep = np.broadcast_to(amax > 0, block.shape)
        y = (block / np.where(amax > 0, amax, np.float32(1))).astype(np.float32)
        ys.append(y[keep])
        ws.append(np.broadcast_to(amax.astype(np.float64) ** 2, block.shape)[keep])
    return np.concatenate(ys), np.concatenate(ws)


def lloyd_starts(count=16):
    """Kernels LloydSearch.starts: evenly spaced levels, then every built-in 4-bit codebook with at
    most `count` values over its full scale (padded by splitting the first widest gap), then
    lloyd@normal; the weighted quantiles come first, in `lloyd_levels`."""
    starts = [np.array([-1 + 2 * k / (count - 1) for k in range(count)])]
    listed = run_json("formats") + run_json("formats", "--format", "lloyd@normal")
    for entry in listed:
        # Only codebooks: INT4-asym and the block formats (MX family, NVFP4 and its variants, llama.cpp's
        # 4-bit types Q4_0, Q4_1, Q4_K, IQ4_NL, IQ4_XS) scale their own way.
        block = (entry["id"].startswith(("mx", "nv")) or entry["id"] in ("int4-asym", "if4")
                 or re.fullmatch(r"i?q4_(0|1|k|nl|xs)", entry["id"]) is not None)
        if entry["bits"] != 4 or len(entry["values"]) > count or block:
            continue
        if entry["id"] == "lloyd@normal" and entry is not listed[-1]:
            continue
        full = entry.get("scale_onto", max(entry["values"]))
        levels = [v / full for v in entry["values"]]
        while len(levels) < count:
            gaps = [levels[g + 1] - levels[g] for g in range(len(levels) - 1)]
            widest = gaps.index(max(gaps))
            levels.insert(widest + 1, (levels[widest] + levels[widest + 1]) / 2)
        starts.append(np.array(levels))
    return starts


def lloyd_levels(y, w, starts, count=16, tolerance=1e-13, limit=2000):
    order = np.argsort(y, kind="stable")
    y, w = y[order].astype(np.float64), w[order]
    mass = np.concatenate([[0.0], np.cumsum(w)])
    moment = np.concatenate([[0.0], np.cumsum(w * y)])
    square = np.concatenate([[0.0], np.cumsum(w * y * y)])
    span = max(abs(y[0]), abs(y[-1]))

    def cells(levels):
        ends = np.maximum.accumulate(
            np.concatenate([np.searchsorted(y, (levels[:-1] + levels[1:]) / 2, side="right"), [len(y)]]))
        return np.concatenate([[0], ends[:-1]]), ends

    def refine(levels):
        levels = np.sort(levels)
        for _ in range(limit):
            lo, hi = cells(levels)
            cell_mass = mass[hi] - mass[lo]
            ok = (hi > lo) & (cell_mass > 0)
            new = np.where(ok, (moment[hi] - moment[lo]) / np.where(ok, cell_mass, 1), levels)
            moved = np.max(np.abs(new - levels))
            levels = np.sort(new)
            if moved <= tolerance * span:
                break
        lo, hi = cells(levels)
        error = np.sum(square[hi] - square[lo] - 2 * levels * (moment[hi] - moment[lo])
                       + levels * levels * (mass[hi] - mass[lo]))
        return levels, error

    total = mass[-1]
    quantiles = y[np.minimum(np.searchsorted(mass[1:], total * (np.arange(count) + 0.5) / count, side="left"),
                             len(y) - 1)]
    best = refine(quantiles)
    for start in starts:
        candidate = refine(start)
        if candidate[1] < best[1]:
            best = candidate
    return np.unique(best[0])


def codebook_mse(weight, levels, group):
    """MSE of nearest-level rounding with the group's amax mapped onto 1 (float32 midpoints)."""
    mids = ((levels[:-1] + levels[1:]) / 2).astype(np.float32)
    total = 0.0
    for start in range(0, weight.shape[1], group):
        block = weight[:, start:start + group]
        amax = np.abs(block).max(axis=1, keepdims=True).astype(np.float32)
        with np.errstate(invalid="ignore", divide="ignore"):
            y = block / amax
        code = np.searchsorted(mids, y, side="left")  # y <= mid goes to the lower level
        x_hat = np.where(amax > 0, levels.astype(np.float32)[np.minimum(code, len(levels) - 1)] * amax, 0)
        total += float(np.sum((block.astype(np.float64) - x_hat.astype(np.float32).astype(np.float64)) ** 2))
    return total / weight.size


@pytest.fixture(scope="module")
def minilm_rows(minilm):
    args = ["quant", minilm, "--layer", ".", "--group", "128", "--format", "lloyd"]
    for format_id in PAPER_IDS + OTHER_IDS + [f"sf4@{nu}" for nu in (2, 3, 5, 8, 30, 1000)]:
        args += ["--format", format_id]
    return {(row["name"], row["format"]): row for row in run_json(*args, timeout=1800)}


@pytest.fixture(scope="module")
def matrices(minilm):
    loaded = load_file(str(minilm))
    tensors = {name: array for name, array in loaded.items() if array.ndim == 2 and array.dtype.kind == "f"}
    assert len(tensors) == 40
    return tensors


def test_lloyd_matches_the_numpy_oracle_and_beats_every_4bit_format(minilm_rows, matrices):
    values = {entry["id"]: entry["values"] for entry in run_json("formats") if entry["id"] in PAPER_IDS}
    starts = lloyd_starts()
    assert len(starts) == 14, [len(s) for s in starts]
    for name, weight in matrices.items():
        rows = sampled_rows(weight.shape[0], weight.shape[1], SAMPLE_ELEMENTS)
        y, w = group_scaled(weight if rows is None else weight[rows], 128)
        expected = codebook_mse(weight, lloyd_levels(y, w, starts), 128)
        lloyd = minilm_rows[(name, "lloyd")]
        assert lloyd["mse"] == pytest.approx(expected, rel=1e-6), name
        assert lloyd["opt_gap_db"] == 0
        for format_id in PAPER_IDS:
            x_hat, _ = paper_rtn(weight, format_id, values[format_id], 128)
            oracle = float(np.mean((weight.astype(np.float64) - x_hat.astype(np.float64)) ** 2))
            assert lloyd["mse"] <= oracle, (name, format_id)
        for format_id in PAPER_IDS + OTHER_IDS:
            row = minilm_rows[(name, format_id)]
            assert lloyd["mse"] <= row["mse"], (name, format_id)
            assert row["opt_gap_db"] == pytest.approx(lloyd["sqnr_db"] - row["sqnr_db"], abs=1e-12)
            assert row["opt_gap_db"] >= 0


def test_sf4_auto_is_at_least_as_good_as_sf4_at_every_grid_nu(minilm, minilm_rows, matrices):
    for name in matrices:
        auto = minilm_rows[(name, "sf4@auto")]
        assert 1.5 <= auto["format_nu"] <= 1000, name
        for nu in (2, 3, 5, 8, 30, 1000):
            assert auto["mse"] <= minilm_rows[(name, f"sf4@{nu}")]["mse"], (name, nu)
    # The ν it names is the SF4 it ran: sf4@<that ν> gives the same row.
    name = "encoder.layer.0.attention.self.query.weight"
    auto = minilm_rows[(name, "sf4@auto")]
    (fixed,) = run_json("quant", minilm, "--layer", f"^{name}$", "--format", f"sf4@{auto['format_nu']!r}")
    assert fixed["format_nu"] == auto["format_nu"] and fixed["mse"] == auto["mse"]
