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
