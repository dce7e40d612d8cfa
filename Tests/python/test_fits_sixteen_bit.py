"""tscope fit on BF16 and F16 tensors over 2^18 elements (the path that counts 16-bit patterns) against
numpy and scipy on the same values: exact moments, median and mean absolute deviation, the t fit's
log-likelihood over all finite elements, scipy's t.fit, and KS distances over all finite elements.

The tensors are written by the official safetensors package (BF16 through ml_dtypes).
"""
import ml_dtypes
import numpy as np
import pytest
from safetensors.numpy import save_file
from scipy import stats

from conftest import run_json

COUNT = 270_000  # just over 2^18, so not the in-memory path; small enough for scipy's t.fit


@pytest.fixture(scope="module")
def sixteen_bit(tmp_path_factory):
    rng = np.random.default_rng(7)
    bf16 = (0.002 + 0.02 * rng.standard_t(5, size=COUNT)).astype(np.float32).astype(ml_dtypes.bfloat16)
    f16 = (0.5 * rng.standard_t(3, size=COUNT)).astype(np.float16)
    for array in (bf16, f16):
        array[[11, 222, 3333, 44444]] = [np.nan, np.inf, -np.inf, -0.0]
    tensors = {"bf16": bf16, "f16": f16}
    path = tmp_path_factory.mktemp("fits16") / "sixteen.safetensors"
    save_file(tensors, str(path))
    reports = {report["name"]: report for report in run_json("fit", path)}
    return tensors, reports


@pytest.mark.parametrize("name", ["bf16", "f16"])
def test_statistics_are_exact_over_all_finite_elements(sixteen_bit, name):
    tensors, reports = sixteen_bit
    x = tensors[name].astype(np.float64)
    x = x[np.isfinite(x)]
    report = reports[name]
    assert report["count"] == COUNT and report["finite_count"] == x.size == COUNT - 3
    assert report["fit_elements"] == x.size and report["ks_elements"] == x.size
    assert report["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert report["std"] == pytest.approx(x.std(), rel=1e-12)
    median = np.median(x)
    assert report["laplace"]["loc"] == median
    assert report["laplace"]["scale"] == pytest.approx(np.abs(x - median).mean(), rel=1e-12)
    t = report["t"]
    assert t["loglik"] == pytest.approx(stats.t.logpdf(x, t["nu"], t["loc"], t["scale"]).mean(), rel=1e-9)
    fits = [("t", (t["nu"], t["loc"], t["scale"])),
            ("norm", (report["normal"]["loc"], report["normal"]["scale"])),
            ("laplace", (report["laplace"]["loc"], report["laplace"]["scale"]))]
    for (family, args), key in zip(fits, ["t", "normal", "laplace"]):
        assert report[key]["ks"] == pytest.approx(stats.kstest(x, family, args=args).statistic, abs=1e-9)
    assert report["best"] == "t"


def test_t_fit_matches_scipy(sixteen_bit):
    tensors, reports = sixteen_bit
    x = tensors["bf16"].astype(np.float64)
    x = x[np.isfinite(x)]
    t = reports["bf16"]["t"]
    nu, loc, scale = stats.t.fit(x)
    ours = stats.t.logpdf(x, t["nu"], t["loc"], t["scale"]).mean()
    theirs = stats.t.logpdf(x, nu, loc, scale).mean()
    assert ours >= theirs - 1e-9
    assert t["nu"] == pytest.approx(nu, rel=0.03)
    assert t["scale"] == pytest.approx(scale, rel=0.01)
