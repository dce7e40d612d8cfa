"""GGUF, .npy and .npz files written by the official gguf and numpy packages, listed by
`tscope layers --json` with the packages' names, dtypes, shapes and counts.

The decoded values are compared bit for bit with gguf-py's `dequantize` and numpy in the Swift
tests (Tests/TensorIOTests/GGUFAndNumpyDecodingTests.swift), over the same fixture writer.
"""
import json
import math
import pathlib

import pytest

from conftest import run_json, run_tscope
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


def test_text_listing_names_undecodable_ggml_types(fixtures):
    out, _ = fixtures
    result = run_tscope("layers", out / "model.gguf")
    line = next(line for line in result.stdout.splitlines() if "q2_k.weight" in line)
    assert "Q2_K" in line


def test_undecodable_ggml_type_is_named_when_selected(fixtures):
    out, _ = fixtures
    result = run_tscope("quant", out / "model.gguf", "--layer", "^q2_k", "--format", "nf4", check=False)
    assert "q2_k.weight" in result.stderr and "Q2_K" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


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
