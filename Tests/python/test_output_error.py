"""Output error on activation samples (`--activations`) against numpy.

Y = X·Wᵀ and Ŷ = X·Ŵᵀ on random activations X for the real MiniLM weights: tscope's
`output_rel_err` = ‖Y − Ŷ‖_F/‖Y‖_F and `output_sqnr_db` against numpy's float64 products,
Ŵ from the numpy rounding reference of test_quant_reference.py.
"""
import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from conftest import run_json, run_tscope
from test_quant_reference import NF4, reference_codebook

GROUP = 64
FORMATS = {"int4": None, "nf4": NF4}
LAYER = r"encoder\.layer\.0\.(attention|intermediate|output)"


@pytest.fixture(scope="module")
def weights(minilm):
    return load_file(str(minilm))


def numpy_output_error(x, weight, format_id):
    x_hat, _ = reference_codebook(weight, FORMATS[format_id], GROUP)
    y = x.astype(np.float64) @ weight.astype(np.float64).T
    y_hat = x.astype(np.float64) @ x_hat.astype(np.float64).T
    error = float(np.sum((y - y_hat) ** 2))
    signal = float(np.sum(y ** 2))
    return np.sqrt(error / signal), 10 * np.log10(signal / error)


@pytest.mark.parametrize("container", ["npz", "safetensors"])
def test_output_error_matches_numpy_on_minilm(minilm, weights, tmp_path, container):
    rng = np.random.default_rng(7)
    names = [name for name in weights if name.startswith("encoder.layer.0.") and weights[name].ndim == 2]
    skipped = "encoder.layer.0.attention.output.dense.weight"  # no samples for this one
    samples = {}
    for name in names:
        if name == skipped:
            continue
        tokens = 48 + len(samples)
        # npz arrays named by the layer, safetensors ones by the weight.
        key = name[:-len(".weight")] if container == "npz" else name
        samples[key] = (rng.standard_normal((tokens, weights[name].shape[1])) *
                        rng.lognormal(0, 1, weights[name].shape[1])).astype(np.float32)
    path = tmp_path / f"x.{container}"
    if container == "npz":
        np.savez(path, **samples)
    else:
        save_file(samples, str(path))
    args = ["quant", minilm, "--layer", LAYER, "--group", GROUP, "--activations", path]
    for format_id in FORMATS:
        args += ["--format", format_id]
    rows = run_json(*args)
    checked = 0
    for row in rows:
        assert "output_rel_err" in row and "output_sqnr_db" in row
        if weights[row["name"]].ndim != 2:
            assert row["output_rel_err"] is None and "2-D" in row["reason"], row
            continue
        if row["name"] == skipped:
            assert row["output_rel_err"] is None and "no activation samples" in row["reason"], row
            continue
        key = row["name"][:-len(".weight")] if container == "npz" else row["name"]
        rel, sqnr = numpy_output_error(samples[key], weights[row["name"]], row["format"])
        # tscope multiplies in float32 (OpenBLAS sgemm), numpy here in float64.
        assert row["output_rel_err"] == pytest.approx(rel, rel=1e-4), row
        assert row["output_sqnr_db"] == pytest.approx(sqnr, abs=1e-3), row
        checked += 1
    assert checked == (len(names) - 1) * len(FORMATS)


def test_samples_of_the_wrong_width_are_one_line_and_status_2(minilm, tmp_path):
    np.save(tmp_path / "encoder.layer.0.attention.self.query.npy", np.ones((8, 100), dtype=np.float32))
    result = run_tscope("quant", minilm, "--layer", r"layer\.0\.attention\.self\.query\.weight", "--format", "nf4",
                        "--activations", tmp_path / "encoder.layer.0.attention.self.query.npy", check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "[8, 100]" in lines[0] and "384" in lines[0], lines


def test_samples_named_the_gguf_way_apply_to_hf_weights(tmp_path):
    rng = np.random.default_rng(3)
    weight = rng.standard_normal((48, 32)).astype(np.float32)
    save_file({"model.layers.0.self_attn.q_proj.weight": weight}, str(tmp_path / "m.safetensors"))
    x = rng.standard_normal((20, 32)).astype(np.float32)
    np.savez(tmp_path / "x.npz", **{"blk.0.attn_q": x})
    (row,) = run_json("quant", tmp_path / "m.safetensors", "--layer", "q_proj", "--format", "nf4", "--group", GROUP,
                      "--activations", tmp_path / "x.npz")
    rel, _ = numpy_output_error(x, weight, "nf4")
    assert row["output_rel_err"] == pytest.approx(rel, rel=1e-4)
