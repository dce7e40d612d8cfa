"""tscope fit against scipy.stats (SPEC §5): Student's t maximum likelihood on real MiniLM tensors and on
synthetic t samples written with the official safetensors package; edge cases; the JSON contract.

Our mean log-likelihood is re-evaluated by scipy on the same float32 data, so both fits are judged by
the same independent code.
"""
import json
import math

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file
from scipy import stats

from conftest import run_json, run_tscope

# Tensors of MiniLM: a full 384x384 weight, slices of others (scipy's fit is slow on big ones), small 1-D ones.
MINILM_FULL = ["encoder.layer.3.attention.self.key.weight", "embeddings.LayerNorm.weight",
               "encoder.layer.0.intermediate.dense.bias"]
MINILM_SLICES = ["encoder.layer.0.intermediate.dense.weight", "encoder.layer.5.output.dense.weight",
                 "embeddings.word_embeddings.weight"]


def scipy_fit_and_ours(data, ours):
    """(our mean loglik, scipy's mean loglik, scipy's nu), both evaluated by scipy on `data`."""
    x = data.astype(np.float64)
    nu, loc, scale = stats.t.fit(x)
    scipy_loglik = stats.t.logpdf(x, nu, loc, scale).mean()
    our_loglik = stats.t.logpdf(x, ours["nu"], ours["loc"], ours["scale"]).mean()
    return our_loglik, scipy_loglik, nu


def fit_one(path, name):
    (report,) = run_json("fit", path, "--layer", "^" + name.replace(".", r"\.") + "$")
    assert report["name"] == name
    return report


@pytest.fixture(scope="module")
def minilm_slices(minilm, tmp_path_factory):
    weights = load_file(str(minilm))
    tensors = {name: np.ascontiguousarray(weights[name].ravel()[:30000]) for name in MINILM_SLICES}
    path = tmp_path_factory.mktemp("fits") / "slices.safetensors"
    save_file(tensors, str(path))
    return path, tensors


@pytest.mark.parametrize("name", MINILM_FULL)
def test_minilm_tensor_fit_is_at_least_scipys(minilm, name):
    data = load_file(str(minilm))[name].ravel()
    report = fit_one(minilm, name)
    ours, theirs, scipy_nu = scipy_fit_and_ours(data, report["t"])
    assert ours >= theirs - 1e-5
    # Our reported loglik is the mean over all finite elements: scipy agrees with it.
    assert report["t"]["loglik"] == pytest.approx(ours, abs=1e-9)
    if scipy_nu < 30:  # beyond that the likelihood is flat in nu
        assert report["t"]["nu"] == pytest.approx(scipy_nu, rel=0.03)


@pytest.mark.parametrize("name", MINILM_SLICES)
def test_minilm_slice_fit_is_at_least_scipys(minilm_slices, name):
    path, tensors = minilm_slices
    report = fit_one(path, name)
    ours, theirs, scipy_nu = scipy_fit_and_ours(tensors[name], report["t"])
    assert ours >= theirs - 1e-5
    assert report["t"]["loglik"] == pytest.approx(ours, abs=1e-9)
    if scipy_nu < 30:
        assert report["t"]["nu"] == pytest.approx(scipy_nu, rel=0.03)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    rng = np.random.default_rng(2024)
    tensors = {f"t_nu_{nu}": (0.01 + 0.03 * rng.standard_t(nu, size=40000)).astype(np.float32)
               for nu in (1.5, 3, 5, 10, 50)}
    path = tmp_path_factory.mktemp("fits") / "synthetic.safetensors"
    save_file(tensors, str(path))
    return path, tensors


@pytest.mark.parametrize("nu", [1.5, 3, 5, 10, 50])
def test_synthetic_t_fit_matches_scipy(synthetic, nu):
    path, tensors = synthetic
    name = f"t_nu_{nu}"
    report = fit_one(path, name)
    ours, theirs, scipy_nu = scipy_fit_and_ours(tensors[name], report["t"])
    assert ours >= theirs - 1e-5
    assert report["t"]["loglik"] == pytest.approx(ours, abs=1e-9)
    if nu <= 10:
        assert report["t"]["nu"] == pytest.approx(scipy_nu, rel=0.03)
    assert report["best"] == "t"


def test_normal_and_laplace_fits_are_the_closed_form_mles(synthetic):
    path, tensors = synthetic
    x = tensors["t_nu_5"].astype(np.float64)
    report = fit_one(path, "t_nu_5")
    assert report["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert report["std"] == pytest.approx(x.std(), rel=1e-12)
    assert report["normal"]["loglik"] == pytest.approx(stats.norm.logpdf(x, x.mean(), x.std()).mean(), abs=1e-10)
    median = np.median(x)
    b = np.abs(x - median).mean()
    assert report["laplace"]["loc"] == median
    assert report["laplace"]["scale"] == pytest.approx(b, rel=1e-12)
    assert report["laplace"]["loglik"] == pytest.approx(stats.laplace.logpdf(x, median, b).mean(), abs=1e-10)
    assert report["t"]["ks"] == pytest.approx(
        stats.kstest(x, "t", args=(report["t"]["nu"], report["t"]["loc"], report["t"]["scale"])).statistic, abs=1e-9)


def test_edge_cases_give_reasons_and_never_nan(tmp_path):
    tensors = {
        "constant": np.full(1000, 0.5, dtype=np.float32),
        "all_nan": np.full(10, np.nan, dtype=np.float32),
        "one": np.array([2.0], dtype=np.float32),
        "two": np.array([1.0, 3.0], dtype=np.float32),
        "with_inf": np.concatenate([np.random.default_rng(1).standard_t(4, 5000), [np.inf, np.nan]]).astype(np.float32),
        "ids": np.arange(6, dtype=np.int64),
    }
    path = tmp_path / "edge.safetensors"
    save_file(tensors, str(path))
    result = run_tscope("fit", path, "--json")
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    reports = {r["name"]: r for r in json.loads(result.stdout)}
    # I64 is not analysed: its object says why, with nothing fitted (nothing is dropped silently).
    assert reports["ids"]["reason"] and reports["ids"]["t"] is None and reports["ids"]["finite_count"] is None
    for name in ("constant", "all_nan", "one"):
        assert reports[name]["t"] is None and reports[name]["best"] is None and reports[name]["reason"]
    assert reports["two"]["t"] is None and reports["two"]["normal"]["scale"] == 1.0 and reports["two"]["reason"]
    assert reports["with_inf"]["finite_count"] == 5000 and reports["with_inf"]["count"] == 5002
    assert reports["with_inf"]["best"] == "t" and "reason" not in reports["with_inf"]
    table = run_tscope("fit", path).stdout
    assert "not analysed" in table and "ids (I64)" in table


def test_json_fields_follow_the_spec(sample_model):
    reports = run_json("fit", sample_model)
    assert reports
    for report in reports:
        assert list(report)[:9] == ["name", "count", "finite_count", "mean", "std", "t", "normal", "laplace", "best"]
        if report["t"] is not None:
            assert list(report["t"])[:4] == ["nu", "loc", "scale", "loglik"]
            assert all(math.isfinite(v) for v in report["t"].values())
        assert report["best"] in ("t", "normal", "laplace", None)


def test_bad_layer_regex_is_usage_error(sample_model):
    result = run_tscope("fit", sample_model, "--layer", "(", check=False)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    result = run_tscope("fit", sample_model, "--layer", "no-such-tensor", check=False)
    assert result.returncode == 2
