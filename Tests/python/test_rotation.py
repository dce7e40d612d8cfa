"""`--rotate` against numpy: scipy.linalg.hadamard over blocks of each row (scaled by 1/√B, in
float64, rounded to float32 once), then the paper's round-to-nearest port (`test_paper_rtn.py`)
on the rotated weights, on every 2-D tensor of the real all-MiniLM-L6-v2."""
import numpy as np
import pytest
from safetensors.numpy import load_file
from scipy.linalg import hadamard

from conftest import run_json, run_tscope
from test_paper_rtn import paper_rtn

FORMATS = ["int4", "nf4", "sf4", "e2m1", "e2m1-sr", "apot4"]
MASK = (1 << 64) - 1


def splitmix64(seed, count):
    """Distributions' SplitMix64, the source of rht's signs."""
    state, out = seed, []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(z ^ (z >> 31))
    return out


def rotated(weight, block, random_signs=False):
    x = weight.astype(np.float64)
    if random_signs:
        signs = np.array([1.0 if value >> 63 == 0 else -1.0 for value in splitmix64(0x7473636F7065, x.shape[1])])
        x = x * signs
    h = hadamard(block).astype(np.float64) / np.sqrt(block)
    return (x.reshape(-1, block) @ h.T).reshape(weight.shape).astype(np.float32)


@pytest.fixture(scope="module")
def matrices(minilm):
    loaded = load_file(str(minilm))
    return {name: array for name, array in loaded.items() if array.ndim == 2 and array.dtype.kind == "f"}


@pytest.fixture(scope="module")
def codebooks():
    return {entry["id"]: entry["values"] for entry in run_json("formats") if entry["id"] in FORMATS}


@pytest.mark.parametrize("rotation", ["hadamard:128", "rht:128"])
def test_rotation_then_quantization_equals_numpy(minilm, matrices, codebooks, rotation):
    assert len(matrices) == 40
    args = ["quant", minilm, "--layer", ".", "--group", "128", "--rotate", rotation]
    for format_id in FORMATS:
        args += ["--format", format_id]
    rows = {(row["name"], row["format"]): row for row in run_json(*args, timeout=900)}
    for name, weight in matrices.items():
        turned = rotated(weight, 128, random_signs=rotation.startswith("rht"))
        for format_id in FORMATS:
            x_hat, codes = paper_rtn(turned, format_id, codebooks[format_id], 128)
            row = rows[(name, format_id)]
            assert row["code_usage"] == np.bincount(codes.ravel(), minlength=len(codebooks[format_id])).tolist(), (
                name, format_id)
            error = turned.astype(np.float64) - x_hat.astype(np.float64)
            assert row["mse"] == pytest.approx(float(np.mean(error ** 2)), rel=1e-9, abs=0), (name, format_id)


def test_rotation_is_orthonormal_and_changes_the_fit(minilm, matrices):
    """The rotated tensor keeps its sum of squares; fit --rotate fits the rotated weights."""
    name = "encoder.layer.0.attention.self.query.weight"
    (plain,) = run_json("fit", minilm, "--layer", f"^{name}$")
    (turned,) = run_json("fit", minilm, "--layer", f"^{name}$", "--rotate", "hadamard:128")
    expected = rotated(matrices[name], 128).astype(np.float64)
    assert turned["std"] == pytest.approx(float(expected.std()), rel=1e-6)
    assert turned["t"]["nu"] != plain["t"]["nu"]
    assert np.sum(expected ** 2) == pytest.approx(np.sum(matrices[name].astype(np.float64) ** 2), rel=1e-6)


def test_a_block_that_does_not_divide_the_row_is_one_line_exit_2(minilm):
    result = run_tscope("quant", minilm, "--layer", "query.weight", "--format", "nf4", "--rotate", "hadamard:256",
                        check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tscope: encoder.layer.0.attention.self.query.weight: --rotate hadamard:256: the block 256 does not divide "
        "the row length 384"]
