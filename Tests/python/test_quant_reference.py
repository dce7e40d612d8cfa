"""Cross-checks of the kernel module against a numpy implementation of the reference
round-to-nearest (SPEC §4), kept here, and of the formats against scipy's quantiles (SPEC §3).

The numpy code below is written from the SPEC text, not from tscope's code: groups of G along
the last dimension (shorter tail), scale = group amax / max(codebook) in float32, y = x / scale,
nearest value with the paper's thresholds — midpoints of the values as written, in float64,
rounded to float32, y <= threshold going to the lower value (`quantize_4bit` in
cornell-zhang/llm-datatypes compares its float32 tensor with Python-float midpoints; see
test_paper_rtn.py for the full port) — INT formats rounding half to even (np.rint) and clamping.

Every test here runs once per kernel path this CPU has (TSCOPE_KERNEL=avx512|avx2|portable; the
paths must agree bit for bit, so each must match the reference on its own).
"""
import json
import platform

import numpy as np
import pytest
from safetensors.numpy import save_file
from scipy import stats

from conftest import run_json, run_tscope

NF4 = [-1, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
       -0.18477343022823334, -0.09105003625154495, 0, 0.07958029955625534, 0.16093020141124725,
       0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
       0.7229568362236023, 1]


def cpu_flags():
    """The CPU's feature flags (empty where /proc/cpuinfo is missing)."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def kernel_paths():
    """The kernel paths this machine can run (the same CPU features tscope checks)."""
    flags = cpu_flags()
    paths = ["portable"]
    if platform.machine() in ("x86_64", "AMD64") and {"avx2", "fma", "f16c"} <= flags:
        paths.append("avx2")
        if {"avx512f", "avx512bw", "avx512vl"} <= flags:
            paths.append("avx512")
    return paths


@pytest.fixture(autouse=True, params=kernel_paths())
def kernel_path(request, monkeypatch):
    """Runs the test with tscope forced onto one kernel path."""
    monkeypatch.setenv("TSCOPE_KERNEL", request.param)
    return request.param


def test_forcing_a_kernel_path_the_cpu_lacks_exits_2(sample_model):
    missing = [path for path in ("avx512", "avx2") if path not in kernel_paths()]
    for path in missing + ["sse9"]:
        result = run_tscope("quant", sample_model, "--format", "nf4", check=False, env={"TSCOPE_KERNEL": path})
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "TSCOPE_KERNEL" in lines[0] and path in lines[0], lines


def test_bench_kernel_reports_the_forced_path(sample_model, kernel_path):
    (row,) = run_json("bench", "kernel", sample_model, "--layer", "controls.laplace.weight", "--runs", "1",
                      "--kernel", kernel_path)
    assert row["path"] == kernel_path
    # One pair: the fraction is that pair's read time over its kernel time.
    assert row["fraction_of_read"] == pytest.approx(row["read_seconds"] / row["seconds"], rel=1e-9)


def sign_magnitude(magnitudes, extra=None):
    values = sorted([-m for m in magnitudes] + [0] + list(magnitudes) + ([extra] if extra is not None else []))
    return values


def float32_linspace(start, end, count):
    """torch.linspace in float32 (the arithmetic bitsandbytes' NF4 table was built with)."""
    low, high = np.float32(start), np.float32(end)
    step = (high - low) / np.float32(count - 1)
    return np.array([low + np.float32(i) * step if i < count // 2 else high - np.float32(count - 1 - i) * step
                     for i in range(count)], dtype=np.float32)


def quantile_codebook(ppf, bits=4, offset=0.9677083):
    """NF4's recipe (SPEC §3) with any quantile function."""
    half = 2 ** (bits - 1)
    positive = ppf(float32_linspace(offset, 0.5, half + 1)[:half].astype(np.float64))
    negative = -ppf(float32_linspace(offset, 0.5, half)[:half - 1].astype(np.float64))
    values = np.sort(np.concatenate([positive, negative, [0.0]]).astype(np.float32))
    return values / values.max()


def student_float(nu, bits=4):
    return quantile_codebook(lambda p: stats.t.ppf(p, nu), bits)


PAPER_FORMATS = {
    "int4": None,  # integers -8..7, round half to even, clamp
    "nf4": NF4,
    "sf4": list(student_float(5.0)),
    "e2m1": sign_magnitude([0.5, 1, 1.5, 2, 3, 4, 6]),
    "e2m1-i": sign_magnitude([0.0625, 1, 1.5, 2, 3, 4, 6]),
    "e2m1-b": sign_magnitude([0.0625, 2, 3, 4, 6, 8, 12]),
    "e2m1-sr": sign_magnitude([0.5, 1, 1.5, 2, 3, 4, 6], 8),
    "e2m1-sp": sign_magnitude([0.5, 1, 1.5, 2, 3, 4, 6], 5),
    "e1m2": sign_magnitude([1.25, 1.5, 1.75, 2, 2.5, 3, 3.5]),
    "e3m0": sign_magnitude([0.25, 0.5, 1, 2, 4, 8, 16]),
    "apot4": sign_magnitude([0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1]),
    "apot4-sp": sign_magnitude([0.1, 0.2, 0.3, 0.4, 0.6, 0.8, 1], 0.5),
}


def groups_of(x, group):
    """Yields (column slice) for each group of a rows x L matrix; `group` is 'tensor',
    'channel' or an int."""
    length = x.shape[1]
    size = length if group in ("tensor", "channel") else min(int(group), length)
    for start in range(0, length, size):
        yield slice(start, min(start + size, length))


def reference_codebook(x, values, group, clip=1.0, full_scale=None):
    """Round-to-nearest with group absmax scaling onto `full_scale` (default: the largest value).
    Returns (x_hat, codes), both like x."""
    exact = np.asarray(values if values is not None else range(-8, 8), dtype=np.float64)
    values = exact.astype(np.float32)
    vmax = np.float32(full_scale) if full_scale is not None else values.max()
    thresholds = ((exact[:-1] + exact[1:]) / 2).astype(np.float32)
    x_hat = np.zeros_like(x)
    codes = np.zeros(x.shape, dtype=np.int64)
    tensor_amax = np.float32(np.abs(x).max())
    for columns in groups_of(x, group):
        block = x[:, columns]
        amax = np.full((x.shape[0], 1), tensor_amax) if group == "tensor" else np.abs(block).max(axis=1, keepdims=True)
        scale = (amax.astype(np.float32) * np.float32(clip)) / vmax
        zero = scale == 0
        y = block / np.where(zero, np.float32(1), scale)
        y = np.where(zero, np.float32(0), y)
        if np.array_equal(values, np.arange(-8, 8, dtype=np.float32)):
            code = (np.clip(np.rint(y), -8, 7) + 8).astype(np.int64)
        else:
            code = np.searchsorted(thresholds, y, side="left")  # #{thresholds < y}
        codes[:, columns] = code
        x_hat[:, columns] = np.where(zero, np.float32(0), values[code] * scale)
    return x_hat, codes


def metrics(x, x_hat, codes, count):
    error = x.astype(np.float64) - x_hat.astype(np.float64)
    total = float(np.sum(error ** 2))
    signal = float(np.sum(x.astype(np.float64) ** 2))
    return {
        "mse": total / x.size,
        "sqnr_db": 10 * np.log10(signal / total),
        "max_abs_err": float(np.abs(error).max()),
        "rel_l2": float(np.sqrt(total / signal)),
        "code_usage": np.bincount(codes.ravel(), minlength=count).tolist(),
    }


def as_rows(array):
    return array.reshape(1, -1) if array.ndim == 1 else array.reshape(-1, array.shape[-1])


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """Student's t data (ν=4, scale 0.02) with a row length that leaves tail groups, and a 1-D tensor."""
    rng = np.random.default_rng(20240717)
    tensors = {
        "blocks.0.weight": (0.02 * rng.standard_t(4, size=(48, 300))).astype(np.float32),
        "blocks.0.bias": (0.02 * rng.standard_t(4, size=(200,))).astype(np.float32),
    }
    path = tmp_path_factory.mktemp("quant") / "synthetic.safetensors"
    save_file(tensors, str(path))
    return path, tensors


MINILM_TENSORS = [
    "encoder.layer.0.attention.self.query.weight",
    "encoder.layer.3.intermediate.dense.weight",
    "encoder.layer.5.output.dense.bias",
]


def minilm_tensors(path):
    from safetensors.numpy import load_file
    loaded = load_file(str(path))
    return {name: loaded[name] for name in MINILM_TENSORS}


def check_against_reference(model, tensors, layer_regex, group, scale="absmax"):
    ids = list(PAPER_FORMATS)
    args = ["quant", model, "--layer", layer_regex, "--group", group, "--scale", scale]
    for format_id in ids:
        args += ["--format", format_id]
    rows = run_json(*args)
    by_key = {(row["name"], row["format"]): row for row in rows}
    assert len(by_key) == len(tensors) * len(ids)
    for name, array in tensors.items():
        x = as_rows(array)
        for format_id in ids:
            values = PAPER_FORMATS[format_id]
            x_hat, codes = reference_codebook(x, values, group)
            expected = metrics(x, x_hat, codes, 16 if values is None else len(values))
            row = by_key[(name, format_id)]
            assert row["group"] == group  # always a string, as --group takes it
            assert row["scale_mode"] == "absmax"
            assert row["code_usage"] == expected["code_usage"], (name, format_id, group)
            assert row["mse"] == pytest.approx(expected["mse"], rel=1e-6), (name, format_id, group)
            assert row["rel_l2"] == pytest.approx(expected["rel_l2"], rel=1e-6)
            assert row["sqnr_db"] == pytest.approx(expected["sqnr_db"], rel=1e-6)
            assert row["max_abs_err"] == pytest.approx(expected["max_abs_err"], rel=1e-6)


@pytest.mark.parametrize("group", ["tensor", "channel", "32", "128"])
def test_paper_formats_match_reference_on_t_data(synthetic, group):
    path, tensors = synthetic
    check_against_reference(path, tensors, "^blocks", group)


@pytest.mark.parametrize("group", ["tensor", "channel", "32", "128"])
def test_paper_formats_match_reference_on_minilm(minilm, group):
    check_against_reference(minilm, minilm_tensors(minilm), "|".join(f"^{n}$" for n in MINILM_TENSORS), group)


def test_mse_scale_picks_the_best_clip_ratio(synthetic):
    path, tensors = synthetic
    x = tensors["blocks.0.weight"]
    rows = run_json("quant", path, "--layer", "blocks.0.weight", "--format", "nf4", "--format", "e2m1",
                    "--group", "32", "--scale", "mse")
    for row in rows:
        values = PAPER_FORMATS[row["format"]]
        best = None
        for step in range(40):
            ratio = float(np.float32(1.0 - 0.005 * step))
            x_hat, codes = reference_codebook(x, values, "32", clip=ratio)
            candidate = metrics(x, x_hat, codes, len(values))
            if best is None or candidate["mse"] < best["mse"]:
                best = candidate
        assert row["scale_mode"] == "mse"
        assert row["mse"] == pytest.approx(best["mse"], rel=1e-6)
        assert row["code_usage"] == best["code_usage"]


def e2m1_round(v):
    """|v| to E2M1, ties to even, saturating at 6 (sign kept)."""
    magnitude = np.abs(v)
    quantum = np.where(magnitude < 2, 0.5, np.where(magnitude < 4, 1.0, 2.0)).astype(np.float32)
    rounded = np.minimum(np.rint(magnitude / quantum) * quantum, np.float32(6))
    return np.copysign(rounded, v).astype(np.float32)


def e4m3_round(v):
    """v >= 0 to FP8 E4M3 (bias 7), ties to even, clamped to 448."""
    v = np.asarray(v, dtype=np.float32)
    _, exponent = np.frexp(v)
    quantum = np.where(v < 2.0 ** -6, np.float32(2.0 ** -9), np.ldexp(np.float32(1), exponent - 4)).astype(np.float32)
    return np.minimum(np.rint(v / quantum) * quantum, np.float32(448)).astype(np.float32)


def block_reference(x, format_id):
    """OCP MXFP4 (blocks of 32, E8M0 scale 2^(floor(log2 amax) - 2)) and NVFP4 (blocks of 16,
    E4M3 block scale over an F32 tensor scale amax/(448*6)), per SPEC §3."""
    size = 32 if format_id == "mxfp4" else 16
    tensor_scale = np.float32(np.abs(x).max()) / np.float32(448 * 6)
    x_hat = np.zeros_like(x)
    for start in range(0, x.shape[1], size):
        block = x[:, start:start + size]
        amax = np.abs(block).max(axis=1, keepdims=True)
        if format_id == "mxfp4":
            _, exponent = np.frexp(amax)
            shared = np.clip(np.where(amax > 0, exponent - 1 - 2, -127), -127, 127)
            scale = np.ldexp(np.float32(1), shared).astype(np.float32)
        else:
            block_scale = e4m3_round((amax / np.float32(6)) / tensor_scale)
            block_scale = np.where(block_scale == 0, np.float32(1), block_scale)
            scale = (block_scale * tensor_scale).astype(np.float32)
        x_hat[:, start:start + size] = e2m1_round(block / scale) * scale
    return x_hat


@pytest.mark.parametrize("format_id", ["mxfp4", "nvfp4"])
def test_block_formats_follow_ocp_and_nvidia_recipes(synthetic, minilm, format_id):
    path, tensors = synthetic
    cases = [(path, "blocks.0.weight", tensors["blocks.0.weight"])]
    name = "encoder.layer.0.attention.self.query.weight"
    cases.append((minilm, name, minilm_tensors(minilm)[name]))
    for model, name, array in cases:
        (row,) = run_json("quant", model, "--layer", f"^{name}$", "--format", format_id)
        x = as_rows(array)
        x_hat = block_reference(x, format_id)
        error = x.astype(np.float64) - x_hat.astype(np.float64)
        assert row["group"] == ("32" if format_id == "mxfp4" else "16") and row["scale_mode"] == "absmax"
        assert row["mse"] == pytest.approx(float(np.mean(error ** 2)), rel=1e-6)
        assert row["max_abs_err"] == pytest.approx(float(np.abs(error).max()), rel=1e-6)
        assert sum(row["code_usage"]) == x.size


def test_int4_asym_matches_zero_point_reference(synthetic):
    path, tensors = synthetic
    x = tensors["blocks.0.weight"]
    (row,) = run_json("quant", path, "--layer", "blocks.0.weight", "--format", "int4-asym", "--group", "32")
    x_hat = np.zeros_like(x)
    codes = np.zeros(x.shape, dtype=np.int64)
    for columns in groups_of(x, "32"):
        block = x[:, columns]
        low = np.minimum(block.min(axis=1, keepdims=True), 0)
        high = np.maximum(block.max(axis=1, keepdims=True), 0)
        scale = (high - low) / np.float32(15)
        zero_point = np.rint(-low / scale)
        code = np.clip(np.rint(block / scale) + zero_point, 0, 15)
        codes[:, columns] = code.astype(np.int64)
        x_hat[:, columns] = (code - zero_point) * scale
    expected = metrics(x, x_hat, codes, 16)
    assert row["code_usage"] == expected["code_usage"]
    assert row["mse"] == pytest.approx(expected["mse"], rel=1e-6)


@pytest.mark.parametrize("nu", [0.5, 1, 2.7, 5, 30, 1000])
def test_sf4_matches_scipy_t_quantiles(nu):
    (listed,) = run_json("formats", "--format", f"sf4@{nu}")
    expected = student_float(nu)
    assert listed["bits"] == 4
    assert np.allclose(listed["values"], expected.astype(np.float64), rtol=0, atol=1e-7), listed["values"]


def test_nf4_is_the_normal_recipe_and_the_published_table():
    (listed,) = run_json("formats", "--format", "nf4")
    assert listed["values"] == NF4
    derived = quantile_codebook(stats.norm.ppf)
    assert np.array_equal(derived, np.array(NF4, dtype=np.float32))


@pytest.mark.parametrize("bad", ["foo", "sf4@-1", "sf4@0", "e2m1+6", "nf4+0.5", "e2m1+nan"])
def test_bad_format_ids_exit_2_with_one_line(bad):
    result = run_tscope("formats", "--format", bad, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and bad in lines[0]


@pytest.mark.parametrize("toml, problem", [
    ("[a]\nvalues = [0, 2, 1]\n", "ascending"),
    ("[a]\nvalues = [-1, 0, 0, 1]\n", "duplicate"),
    ("[a]\nvalues = [1, 2, 3]\n", "contain 0"),
    ("[a]\nvalues = [" + ", ".join(str(v) for v in range(-128, 129)) + "]\n", "at most 256"),
    ("[a\nvalues = [0, 1]\n", "line"),
])
def test_bad_codebook_files_exit_2_with_one_line(tmp_path, toml, problem):
    path = tmp_path / "book.toml"
    path.write_text(toml)
    result = run_tscope("formats", "--codebook", path, "--format", "file:a", check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and problem in lines[0] and "book.toml" in lines[0]


def test_user_codebook_quantizes_like_the_reference(tmp_path, synthetic):
    path, tensors = synthetic
    values = [-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0]
    book = tmp_path / "mine.toml"
    book.write_text("[mine]\nname = \"Mine\"\nvalues = [" + ", ".join(map(str, values)) + "]\n")
    (listed,) = run_json("formats", "--codebook", book, "--format", "file:mine")
    assert listed == {"id": "file:mine", "name": "Mine", "bits": 3, "scale_bits": 16, "cost": None, "values": values}
    (row,) = run_json("quant", path, "--layer", "blocks.0.weight", "--codebook", book, "--format", "file:mine")
    x = tensors["blocks.0.weight"]
    x_hat, codes = reference_codebook(x, values, "128")
    expected = metrics(x, x_hat, codes, len(values))
    assert row["code_usage"] == expected["code_usage"]
    assert row["mse"] == pytest.approx(expected["mse"], rel=1e-6)
