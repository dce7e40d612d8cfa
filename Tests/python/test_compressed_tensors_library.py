"""Checkpoints written by the compressed-tensors library itself (Tests/Fixtures/compressed-tensors,
made by scripts/make-compressed-tensors-fixtures with torch; CI has no torch and reads the
committed files). `tscope decode` must equal the library's own `decompress` of each file value for
value, and `tscope diff ORIGINAL CHECKPOINT` must give numpy's error between the original and those
decompressed values.
"""
import numpy as np
import pytest
from safetensors.numpy import load_file

from conftest import ROOT, run_json
from test_diff import error
from test_quantized_checkpoints import assert_bitwise_equal, decoded

FIXTURES = ROOT / "Tests" / "Fixtures" / "compressed-tensors"
WEIGHT = "model.layers.0.mlp.down_proj.weight"
SCHEMES = sorted(path.name for path in FIXTURES.iterdir() if (path / "checkpoint" / "config.json").exists())


def expected(scheme: str) -> np.ndarray:
    return np.load(FIXTURES / scheme / "expected.npz")["decompressed"]


def original(scheme: str) -> np.ndarray:
    return load_file(str(FIXTURES / scheme / "original.safetensors"))[WEIGHT].astype(np.float32)


def test_every_scheme_the_generator_makes_is_committed():
    assert SCHEMES == sorted(["fp8", "fp8-block", "fp8-dynamic", "mxfp4a16", "nvfp4a16", "w3a16", "w4a16",
                              "w4a16-asym", "w8a16", "w8a8", "mxfp8a16",
                              "mxfp6a16"])


@pytest.mark.parametrize("scheme", SCHEMES)
def test_decode_equals_the_librarys_decompressed_values(scheme):
    folder = FIXTURES / scheme / "checkpoint"
    listed = {entry["name"]: entry for entry in run_json("layers", folder)}
    assert listed[WEIGHT]["shape"] == list(expected(scheme).shape)
    assert not [name for name in listed if name.startswith(WEIGHT + "_")], "a part is listed on its own"
    assert listed["model.norm.weight"]["dtype"] == "F32"
    assert_bitwise_equal(decoded(folder, WEIGHT, expected(scheme).shape), expected(scheme))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_diff_gives_numpys_error_against_the_librarys_values(scheme):
    folder = FIXTURES / scheme
    rows = [row for row in run_json("diff", folder / "original.safetensors", folder / "checkpoint") if row["name"] == WEIGHT]
    assert len(rows) == 1 and rows[0]["reason"] is None, rows
    truth = error(original(scheme), expected(scheme))
    assert rows[0]["non_finite"] == 0
    for key in ("mse", "sqnr_db", "max_abs_err", "rel_l2"):
        assert rows[0][key] == pytest.approx(truth[key], rel=1e-9), key
