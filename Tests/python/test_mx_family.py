"""The OCP MX family and the NVFP4 variants against numpy oracles built from the standard and the
named references, on the real MiniLM tensors and on synthetic edge cases.

MX (OCP Microscaling v1.0; blocks of 32 along the row, E8M0 scale 2^e, elements rounded to
nearest even and saturated at the element max). The shared exponent e per rule:
  floor  the spec's floor(log2 amax) - emax_elem                       (microsoft/microxcaling
         mx/mx_ops.py `_shared_exponents` + `_quantize_mx`, commit 7bc41952de394f5cc5e782baf132e7c7542eb4e4)
  rceil  ceil(log2(amax / max_elem)), as cuBLAS and torchao's `_to_mx_rceil` compute it
  even   torchao's ScaleCalculationMode.EVEN: amax's mantissa rounded to the element's bits first
         (torchao/prototype/mx_formats/mx_tensor.py `to_mx`, commit b88afaf4156aeddde1971c000a0cf11a52ce03d5)
clamped to -127...127. Element grids come from ml_dtypes (float8_e4m3fn, float8_e5m2,
float6_e2m3fn, float6_e3m2fn, float4_e2m1fn); MXINT8 is k/64, k = -127...127 (the spec's
fixed point with scale 2^-6, symmetric).

NVFP4 variants: a numpy port of mit-han-lab/fouroversix src/fouroversix/quantize/pytorch/reference.py
(commit dadfad6901d473a734fe71e0b082e70ee993e23a): `nvfp4_fouroversix_block_scaled_quantization` +
`select_fouroversix` (nvfp4-46), `quantize_to_nvint4` (nvint4), `intfloat_block_scaled_quantization`
+ `select_intfloat` (if4), round style nearest, scale rule mse. Two deliberate differences, the same in
tscope: E2M1 saturates at 6 (the reference's fake quantizer can give 8 when a block's E4M3 scale
is subnormal), and block errors are summed in float64.
"""
import json

import ml_dtypes
import numpy as np
import pytest

from conftest import run_json, run_tscope

MX_ELEMENTS = {
    # id: (ml_dtypes type or None for MXINT8, emax_elem, max_elem, fraction bits, bits)
    "mxfp8-e4m3": (ml_dtypes.float8_e4m3fn, 8, 448.0, 3, 8),
    "mxfp8-e5m2": (ml_dtypes.float8_e5m2, 15, 57344.0, 2, 8),
    "mxfp6-e2m3": (ml_dtypes.float6_e2m3fn, 2, 7.5, 3, 6),
    "mxfp6-e3m2": (ml_dtypes.float6_e3m2fn, 4, 28.0, 2, 6),
    "mxfp4": (ml_dtypes.float4_e2m1fn, 2, 6.0, 1, 4),
    "mxint8": (None, 0, 127 / 64, 6, 8),
}
RULES = ["floor", "rceil", "even"]
NV_VARIANTS = ["nvfp4-46", "nvint4", "if4"]

MINILM_TENSORS = [
    "encoder.layer.0.attention.self.query.weight",
    "encoder.layer.3.intermediate.dense.weight",
    "encoder.layer.5.output.dense.bias",
    "encoder.layer.2.attention.output.LayerNorm.weight",
]


def element_grid(format_id):
    """The element's finite values, ascending, one zero: every bit pattern through ml_dtypes."""
    dtype, _, _, _, bits = MX_ELEMENTS[format_id]
    if dtype is None:
        return np.arange(-127, 128, dtype=np.float64) / 64
    values = np.arange(2 ** bits, dtype=np.uint8).view(dtype).astype(np.float64)
    return np.unique(values[np.isfinite(values)] + 0.0)  # + 0.0 merges -0 into 0


def shared_exponents(amax, format_id, rule):
    """E8M0 exponents of blocks with float32 amax (> 0 or 0) under `rule`."""
    _, emax, max_elem, fraction_bits, _ = MX_ELEMENTS[format_id]
    with np.errstate(divide="ignore"):
        if rule == "floor":
            exponent = np.floor(np.log2(amax.astype(np.float64))) - emax
        elif rule == "rceil":
            descale = (amax / np.float32(max_elem)).astype(np.float32)
            exponent = np.ceil(np.log2(descale.astype(np.float64)))
        else:  # torchao EVEN: (bits + half of the element's last mantissa place) & exponent mask
            bits = amax.astype(np.float32).view(np.int32)
            rounded = (bits + (1 << (23 - fraction_bits - 1))) & (0xFF << 23)
            exponent = ((rounded >> 23) - 127 - emax).astype(np.float64)
    exponent = np.where(amax > 0, exponent, -127)
    return np.clip(exponent, -127, 127).astype(np.int32)


def mx_reference(x, format_id, rule):
    """x̂ and the element value of every element of x (rows × row length, float32)."""
    dtype, _, max_elem, _, _ = MX_ELEMENTS[format_id]
    x_hat = np.zeros_like(x)
    elements = np.zeros(x.shape, dtype=np.float64)
    for start in range(0, x.shape[1], 32):
        block = x[:, start:start + 32]
        amax = np.abs(block).max(axis=1, keepdims=True)
        scale = np.ldexp(np.float32(1), shared_exponents(amax, format_id, rule)).astype(np.float32)
        y = np.clip(block / scale, -np.float32(max_elem), np.float32(max_elem)).astype(np.float32)
        if dtype is None:
            q = (np.clip(np.rint(y * np.float32(64)), -127, 127) / np.float32(64)).astype(np.float32)
        else:
            q = y.astype(dtype).astype(np.float32)  # ml_dtypes: round to nearest even
        elements[:, start:start + 32] = q
        x_hat[:, start:start + 32] = q * scale
    return x_hat, elements


def e2m1_fake_quantize(v):
    """The reference's fake_quantize_to_e2m1 (round half to even per binade), saturated at 6."""
    a = np.abs(v)
    step1 = np.round(2 * a) / np.float32(2)
    step2 = np.round(a)
    step3 = np.float32(2) * np.round(a / np.float32(2))
    rounded = np.where(a < 2, step1, np.where(a < 4, step2, step3))
    return (np.sign(v) * np.minimum(rounded, np.float32(6))).astype(np.float32)


def nv_reference(x, variant):
    """x̂ and the chosen element (in E2M1 units: INT4 of IF4 times 6/7) of every element."""
    constant = {"nvfp4-46": 6 * 256, "nvint4": 7 * 448, "if4": 6 * 448}[variant]
    element_max = np.float32(7 if variant == "nvint4" else 6)
    amax_t = np.float32(np.abs(x).max())
    encode = np.float32(constant) / amax_t
    decode = np.float32(1) / encode
    x_hat = np.zeros_like(x)
    elements = np.zeros(x.shape, dtype=np.float64)

    def scale_blocks(block, scales):
        with np.errstate(divide="ignore", invalid="ignore"):  # a zero scale gives a zero block
            inverse = np.float32(1) / (decode * scales)
            return np.where(scales != 0, block * inverse, np.float32(0)).astype(np.float32)

    def dequantize(q, scales, expansion=None):
        product = q * scales * amax_t
        if expansion is not None:
            product = product * np.float32(expansion)
        return (product / np.float32(constant)).astype(np.float32)

    def block_error(dequantized, block):
        return np.sum((dequantized.astype(np.float64) - block.astype(np.float64)) ** 2, axis=1, keepdims=True)

    for start in range(0, x.shape[1], 16):
        block = x[:, start:start + 16]
        high = (np.abs(block).max(axis=1, keepdims=True) / element_max) * encode
        scales = high.astype(ml_dtypes.float8_e4m3fn).astype(np.float32)
        if variant == "nvfp4-46":
            scales_4 = (high * np.float32(1.5)).astype(ml_dtypes.float8_e4m3fn).astype(np.float32)
            q6 = e2m1_fake_quantize(scale_blocks(block, scales))
            q4 = e2m1_fake_quantize(scale_blocks(block, scales_4))
            d6, d4 = dequantize(q6, scales), dequantize(q4, scales_4)
            pick = block_error(d4, block) < block_error(d6, block)
            chosen, element = np.where(pick, d4, d6), np.where(pick, q4, q6)
        elif variant == "nvint4":
            q = np.round(np.clip(scale_blocks(block, scales), -7, 7))
            chosen, element = dequantize(q, scales), q
        else:
            scaled = scale_blocks(block, scales)
            q_fp = e2m1_fake_quantize(scaled)
            q_int = np.round(np.clip(scaled * np.float32(1.16666666), -7, 7))
            d_fp, d_int = dequantize(q_fp, scales), dequantize(q_int, scales, expansion=0.8571428571)
            pick = block_error(d_int, block) < block_error(d_fp, block)
            chosen = np.where(pick, d_int, d_fp)
            element = np.where(pick, q_int.astype(np.float64) * 6 / 7, q_fp)
        x_hat[:, start:start + 16] = chosen
        elements[:, start:start + 16] = element
    return x_hat, elements


def expected_metrics(x, x_hat, elements, values):
    error = x.astype(np.float64) - x_hat.astype(np.float64)
    total = float(np.sum(error ** 2))
    signal = float(np.sum(x.astype(np.float64) ** 2))
    index = np.searchsorted(values, elements.ravel() - 1e-9)
    assert np.allclose(values[index], elements.ravel(), rtol=0, atol=1e-9), "an element off the grid"
    return {
        "mse": total / x.size,
        "sqnr_db": 10 * np.log10(signal / total),
        "max_abs_err": float(np.abs(error).max()),
        "rel_l2": float(np.sqrt(total / signal)),
        "code_usage": np.bincount(index, minlength=len(values)).tolist(),
    }


def nv_values(variant):
    e2m1 = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6])
    if variant == "nvint4":
        magnitudes = np.arange(8, dtype=np.float64)
    elif variant == "if4":
        magnitudes = np.unique(np.concatenate([e2m1, np.arange(8) * 6 / 7]).round(12))
    else:
        magnitudes = e2m1
    return np.concatenate([-magnitudes[:0:-1], magnitudes])


def as_rows(array):
    return array.reshape(1, -1) if array.ndim == 1 else array.reshape(-1, array.shape[-1])


def check(rows, tensors, oracle, values_of):
    for row in rows:
        x = as_rows(tensors[row["name"]])
        x_hat, elements = oracle(x, row["format"])
        values = values_of(row["format"])
        expected = expected_metrics(x, x_hat, elements, values)
        where = (row["name"], row["format"])
        assert row["code_usage"] == expected["code_usage"], where
        assert row["mse"] == pytest.approx(expected["mse"], rel=1e-9), where
        assert row["sqnr_db"] == pytest.approx(expected["sqnr_db"], rel=1e-9), where
        assert row["rel_l2"] == pytest.approx(expected["rel_l2"], rel=1e-9), where
        assert row["max_abs_err"] == pytest.approx(expected["max_abs_err"], rel=1e-9), where


@pytest.fixture(scope="module")
def minilm_tensors(minilm):
    from safetensors.numpy import load_file
    loaded = load_file(str(minilm))
    return {name: loaded[name] for name in MINILM_TENSORS}


@pytest.fixture(scope="module")
def edge_model(tmp_path_factory):
    """Row tails (300 = 9 blocks of 32 + 12), an all-zero row, tiny and huge magnitudes (E8M0
    clamping, subnormal floats, E4M3/E5M2 saturation), exact powers of two (ceil vs floor)."""
    from safetensors.numpy import save_file
    rng = np.random.default_rng(15)
    x = (0.02 * rng.standard_t(3, size=(40, 300))).astype(np.float32)
    x[1] = 0
    x[2] *= np.float32(1e-38)
    x[3, :40] = np.float32(2.0 ** -140)
    x[4] = np.ldexp(np.float32(1), rng.integers(-20, 20, size=300)).astype(np.float32)
    x[5] *= np.float32(3e30)
    x[6, ::7] = np.float32(0.1875)  # 1.5 * 2^-3: E2M1's and E4M3's top mantissa patterns
    x[7] = np.float32(7.0) * (rng.random(300) > 0.5)
    path = tmp_path_factory.mktemp("mx") / "edges.safetensors"
    tensors = {"edges.weight": x, "edges.bias": x[9, :50].copy()}
    save_file(tensors, str(path))
    return path, tensors


def mx_rows(model, names, rule):
    args = ["quant", model, "--layer", "|".join(f"^{name}$" for name in names)]
    for format_id in MX_ELEMENTS:
        args += ["--format", f"{format_id}:{rule}"]
    return run_json(*args)


def mx_oracle(rule):
    return lambda x, format_id: mx_reference(x, format_id.split(":")[0], rule)


@pytest.mark.parametrize("rule", RULES)
def test_mx_family_matches_the_oracle_on_minilm(minilm, minilm_tensors, rule):
    rows = mx_rows(minilm, MINILM_TENSORS, rule)
    assert len(rows) == len(MINILM_TENSORS) * len(MX_ELEMENTS)
    for row in rows:
        assert row["group"] == "32" and row["scale_mode"] == "absmax"
    check(rows, minilm_tensors, mx_oracle(rule), lambda f: element_grid(f.split(":")[0]))


@pytest.mark.parametrize("rule", RULES)
def test_mx_family_matches_the_oracle_on_edge_cases(edge_model, rule):
    path, tensors = edge_model
    rows = mx_rows(path, list(tensors), rule)
    check(rows, tensors, mx_oracle(rule), lambda f: element_grid(f.split(":")[0]))


def test_nvfp4_variants_match_the_fouroversix_port(minilm, minilm_tensors, edge_model):
    for model, tensors in [(minilm, minilm_tensors), (edge_model[0], edge_model[1])]:
        args = ["quant", model, "--layer", "|".join(f"^{name}$" for name in tensors)]
        for variant in NV_VARIANTS:
            args += ["--format", variant]
        rows = run_json(*args)
        assert len(rows) == len(tensors) * len(NV_VARIANTS)
        assert all(row["group"] == "16" for row in rows)
        check(rows, tensors, nv_reference, nv_values)


def test_the_floor_rule_is_plain_mxfp4(minilm):
    """`mxfp4` and `mxfp4:floor` are the existing MXFP4 (the same row but for the id as written)."""
    name = MINILM_TENSORS[0]
    plain, floor = run_json("quant", minilm, "--layer", f"^{name}$", "--format", "mxfp4", "--format", "mxfp4:floor")
    assert floor.pop("format") == "mxfp4:floor" and plain.pop("format") == "mxfp4"
    assert plain == floor


def test_formats_lists_the_grids_of_ml_dtypes():
    listed = {entry["id"]: entry for entry in run_json("formats")}
    for format_id in MX_ELEMENTS:
        assert listed[format_id]["values"] == element_grid(format_id).tolist()
        assert listed[format_id]["bits"] == MX_ELEMENTS[format_id][4]
    for variant in NV_VARIANTS:
        assert np.allclose(listed[variant]["values"], nv_values(variant), rtol=0, atol=1e-12)
        assert listed[variant]["bits"] == 4
    (rceil,) = run_json("formats", "--format", "mxfp6-e2m3:rceil")
    assert rceil["id"] == "mxfp6-e2m3:rceil" and rceil["values"] == element_grid("mxfp6-e2m3").tolist()


@pytest.mark.parametrize("bad", ["mxfp4:ceil", "mxfp8-e4m3:", "nvfp4-46:rceil", "mxint8+2"])
def test_bad_block_format_ids_exit_2_with_one_line(sample_model, bad):
    result = run_tscope("quant", sample_model, "--layer", ".", "--format", bad, check=False)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_report_runs_the_new_formats(sample_model, tmp_path):
    formats = ["mxfp8-e4m3:rceil", "mxint8", "nvfp4-46", "if4"]
    out = tmp_path / "report.json"
    args = ["report", sample_model, "--out", out]
    for format_id in formats:
        args += ["--format", format_id]
    run_tscope(*args)
    rows = json.loads(out.read_text())["rows"]
    assert {row["format"] for row in rows if row["sqnr_db"] is not None} == set(formats)
