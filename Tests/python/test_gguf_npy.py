"""GGUF, .npy and .npz files written by the official gguf and numpy packages, listed by
`tscope layers --json` with the packages' names, dtypes, shapes and counts.

The decoded values are compared bit for bit with gguf-py's `dequantize` and numpy in the Swift
tests (Tests/TensorIOTests/GGUFAndNumpyDecodingTests.swift), over the same fixture writer.
"""
import json
import math
import pathlib

import pytest

import subprocess

from conftest import ROOT, run_json, run_tscope, tscope_binary
from gguf_npy_fixtures import write_all


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory) -> tuple[pathlib.Path, list[dict]]:
    out = tmp_path_factory.mktemp("gguf_npy")
    write_all(out)
    return out, json.loads((out / "manifest.json").read_text())


def test_layers_lists_every_tensor_as_the_packages_wrote_it(fixtures):
    out, manifest = fixtures
    for file in sorted({entry["file"] for entry in manifest}):
        rows = {row["name"]: row for row in run_json("layers", out / file)}
        expected = [entry for entry in manifest if entry["file"] == file]
        assert set(rows) == {entry["name"] for entry in expected}, file
        for entry in expected:
            row = rows[entry["name"]]
            assert row["dtype"] == entry["dtype"], (file, entry["name"])
            # GGUF shapes as llama.cpp prints them (ne[0] first); NumPy shapes as numpy prints them.
            assert row["shape"] == entry["display_shape"], (file, entry["name"])
            assert row["count"] == math.prod(entry["shape"]), (file, entry["name"])
            assert row["file"] == file


def test_gguf_shapes_follow_llama_cpp_order(fixtures):
    out, _ = fixtures
    rows = {row["name"]: row for row in run_json("layers", out / "model.gguf")}
    # gguf-py wrote a numpy (3, 64) array: llama.cpp shows it as [64, 3].
    assert rows["f32.weight"]["shape"] == [64, 3]
    assert rows["q8_0.three_d"]["shape"] == [64, 3, 2]


def test_text_listing_names_unknown_ggml_type_ids(fixtures):
    """A made-up type id 99 between ordinary tensors: listed by number, the file is not refused."""
    out, manifest = fixtures
    result = run_tscope("layers", out / "every_type.gguf")
    assert result.returncode == 0 and result.stderr == ""
    line = next(line for line in result.stdout.splitlines() if "future" in line)
    assert "type 99" in line
    names = {entry["name"] for entry in manifest if entry["file"] == "every_type.gguf"}
    for name in names:
        assert any(name in line for line in result.stdout.splitlines()), name


def test_fit_json_lists_the_unknown_type_with_its_reason(fixtures):
    """`fit --json` fits every decodable tensor of the file and lists the type-99 one with a reason."""
    out, manifest = fixtures
    reports = {r["name"]: r for r in json.loads(run_tscope("fit", out / "every_type.gguf", "--json").stdout)}
    names = {entry["name"] for entry in manifest if entry["file"] == "every_type.gguf"}
    assert set(reports) >= names
    future = next(r for name, r in reports.items() if name.startswith("future"))
    assert "unknown GGML type id 99" in future["reason"] and future["t"] is None and future["normal"] is None
    assert all(r["normal"] is not None for name, r in reports.items() if not name.startswith("future"))


def test_unknown_ggml_type_is_named_when_selected(fixtures):
    out, _ = fixtures
    result = run_tscope("quant", out / "every_type.gguf", "--layer", "^future", "--format", "nf4", check=False)
    assert "future.weight" in result.stderr and "type 99" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_decode_of_every_gguf_tensor_equals_the_reference(fixtures):
    """`tscope decode` against gguf-py's `dequantize` (or a numpy port of ggml's dequantize_row_*
    for Q1_0, Q2_0 and Q8_K), value for value, for every tensor of every block type."""
    import numpy as np
    out, manifest = fixtures
    checked = set()
    for entry in manifest:
        if not entry["file"].endswith(".gguf") or entry["expected"] is None:
            continue
        result = subprocess.run([tscope_binary(), "decode", str(out / entry["file"]), "--tensor", entry["name"]],
                                capture_output=True, check=True)
        ours = np.frombuffer(result.stdout, dtype="<f4")
        theirs = np.fromfile(out / entry["expected"], dtype="<f4")
        assert ours.shape == theirs.shape, entry["name"]
        assert np.array_equal(ours.view(np.uint32), theirs.view(np.uint32)), (entry["file"], entry["name"])
        checked.add(entry["dtype"])
    assert checked >= {"Q2_K", "Q3_K", "Q8_K", "IQ1_S", "IQ1_M", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S",
                       "IQ4_NL", "IQ4_XS", "TQ1_0", "TQ2_0", "MXFP4", "NVFP4", "Q1_0", "Q2_0",
                       "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"}


def test_ggml_tables_equal_gguf_pys_own_copies():
    """Sources/TensorIO/GGMLTables.swift (generated from ggml-common.h) against the packed grids
    gguf-py carries in quants.py: an independent copy of the same data."""
    import re
    import gguf
    import numpy as np
    text = (ROOT / "Sources" / "TensorIO" / "GGMLTables.swift").read_text()

    def table(name):
        body = re.search(r"static let " + name + r": \[\w+\] = \[(.*?)\]", text, re.S).group(1)
        return [int(item, 0) for item in body.replace("\n", " ").split(",") if item.strip()]

    q = gguf.quants
    assert bytes(table("signs")) == q.IQ2_XXS.ksigns
    assert table("iq4nlValues") == list(q.IQ4_NL.kvalues)
    assert table("fp4Values") == list(q.MXFP4.kvalues) == list(q.NVFP4.kvalues)
    for name, cls, width, signed in [("iq2xxsGrid", q.IQ2_XXS, 8, False), ("iq2xsGrid", q.IQ2_XS, 8, False),
                                     ("iq2sGrid", q.IQ2_S, 8, False), ("iq3xxsGrid", q.IQ3_XXS, 4, False),
                                     ("iq3sGrid", q.IQ3_S, 4, False), ("iq1sGrid", q.IQ1_S, 8, True)]:
        cls.init_grid()
        entries = np.array(table(name), dtype=np.uint64 if width == 8 else np.uint32)
        values = entries.view(np.int8 if signed else np.uint8).reshape(-1, width).astype(np.float32)
        assert np.array_equal(values, cls.grid.reshape(-1, width)), name


@pytest.mark.parametrize("name", ["q4_k.weight", "q6_k.weight", "q5_1.weight", "q8_0.three_d", "bf16.weight"])
def test_quant_of_a_gguf_tensor_equals_quant_of_its_dequantized_values(fixtures, tmp_path, name):
    """tscope's GGUF path (block decoder feeding the kernel) against the same values as .npy, dequantized by gguf-py."""
    import numpy as np
    out, manifest = fixtures
    entry = next(e for e in manifest if e["file"] == "model.gguf" and e["name"] == name)
    values = np.fromfile(out / entry["expected"], dtype="<f4").reshape(entry["shape"])
    np.save(tmp_path / "values.npy", values)
    args = ["--format", "nf4", "--format", "int4", "--group", "32"]
    from_gguf = run_json("quant", out / "model.gguf", "--layer", f"^{name}$", *args)
    from_npy = run_json("quant", tmp_path / "values.npy", "--layer", "values", *args)
    assert len(from_gguf) == len(from_npy) == 2
    for a, b in zip(from_gguf, from_npy):
        assert {k: v for k, v in a.items() if k != "name"} == {k: v for k, v in b.items() if k != "name"}


def test_type_mix_matches_gguf_pys_reader(fixtures):
    """The table's closing type mix (tensors and bytes per type) against gguf-py's own reader."""
    import gguf
    out, _ = fixtures
    reader = gguf.GGUFReader(str(out / "model.gguf"))
    expected = {}
    for tensor in reader.tensors:
        count, size = expected.get(tensor.tensor_type.name, (0, 0))
        expected[tensor.tensor_type.name] = (count + 1, size + int(tensor.n_bytes))
    lines = run_tscope("layers", out / "model.gguf").stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("dtype  tensors"))
    assert lines[header].split() == ["dtype", "tensors", "params", "bytes", "bits/weight"]
    got = {}
    for line in lines[header + 1:]:
        cells = line.split()
        if len(cells) < 6 or cells[0] == "total":
            break
        got[cells[0]] = (int(cells[1].replace(",", "")), cells[3] + " " + cells[4], float(cells[5]))
    assert {name: count for name, (count, _, _) in got.items()} == {name: c for name, (c, _) in expected.items()}
    for name, (count, size) in expected.items():
        elements = sum(int(t.n_elements) for t in reader.tensors if t.tensor_type.name == name)
        assert abs(got[name][2] - size * 8 / elements) <= 0.005 + 1e-9, name  # printed to 2 decimals
        if size < 1024:
            assert got[name][1] == f"{size} B", name
