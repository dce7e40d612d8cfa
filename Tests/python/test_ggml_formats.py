"""llama.cpp's legacy block types as formats (`q4_0`, `q4_1`, `q5_0`, `q5_1`, `q8_0`), checked against
gguf-py's quantizers (`gguf.quants`, a numpy port of ggml-quants.c's `quantize_row_*_ref`, bit-exact
for these types) and its dequantizers: tscope's error metrics must equal those of the values gguf-py
writes and reads back, and its code counts the codes gguf-py packs."""
import math

import gguf
import numpy as np
import pytest
from gguf import quants
from safetensors.numpy import save_file

from conftest import run_json

TYPES = {
    "q4_0": gguf.GGMLQuantizationType.Q4_0,
    "q4_1": gguf.GGMLQuantizationType.Q4_1,
    "q5_0": gguf.GGMLQuantizationType.Q5_0,
    "q5_1": gguf.GGMLQuantizationType.Q5_1,
    "q8_0": gguf.GGMLQuantizationType.Q8_0,
}


def tensors():
    rng = np.random.default_rng(11)
    heavy = (rng.standard_t(3, (64, 256)) * 0.02).astype(np.float32)
    heavy[3, :32] = 0  # an all-zero block
    heavy[5, 64:96] = 0.25  # a constant block
    heavy[7, 96:128] = -heavy[7, 96:128]  # its largest element negative, for the sign of d
    positive = np.abs(rng.standard_normal((32, 128))).astype(np.float32) + 0.5  # the _1 types' minimum
    # Ties: with amax 127 (Q8_0's d = 1) every k + 0.5 is a half, which ggml's roundf takes away
    # from zero; with max −8 (Q4_0's d = 1) and −16 (Q5_0's) the codes' sums land on integers.
    halves = np.array([[127] + [k + 0.5 for k in range(-15, 16)],
                       [-127] + [k + 0.5 for k in range(-15, 16)],
                       [-8] + [k / 4 for k in range(-15, 16)],
                       [-16] + [k / 2 for k in range(-15, 16)]], np.float32)
    return {"heavy": heavy, "positive": positive, "halves": halves,
            "wide": (rng.standard_normal((8, 4096)) * 3e3).astype(np.float32)}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("ggml-formats") / "model.safetensors"
    values = tensors()
    save_file(values, str(path))
    return path, values


def codes(packed: np.ndarray, kind: str, blocks: int) -> np.ndarray:
    """The stored codes of gguf-py's (or llama.cpp's) blocks, in element order (ggml's block
    layouts, ggml-common.h; `blocks` counts blocks of 32, or super-blocks of 256 for K-quants)."""
    if kind.endswith("_k"):
        return k_quant_codes(packed.reshape(blocks, -1), kind).reshape(-1)
    raw = packed.reshape(blocks, -1)
    if kind in ("iq4_nl", "iq4_xs"):  # d[, scales_h, scales_l[4]], then 16 bytes per 32 values
        qs = raw[:, 2 if kind == "iq4_nl" else 8:].reshape(blocks, -1, 1, 16).astype(np.int64)
        return np.concatenate([qs & 0x0F, qs >> 4], axis=2).reshape(-1)
    if kind == "q8_0":
        return raw[:, 2:].view(np.int8).astype(np.int64).reshape(-1)
    head = {"q4_0": 2, "q4_1": 4, "q5_0": 2, "q5_1": 4}[kind]
    high = None
    if kind in ("q5_0", "q5_1"):
        bits = np.unpackbits(raw[:, head:head + 4], axis=-1, bitorder="little")  # 32 fifth bits
        high = bits.astype(np.int64)
        head += 4
    qs = raw[:, head:head + 16]
    low = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int64)
    return (low if high is None else low | (high << 4)).reshape(-1)


def two_bit_planes(qs: np.ndarray) -> np.ndarray:
    """Q2_K/Q3_K's low two bits: 64 bytes per super-block, each half of 32 bytes holding 4 planes
    of 2 bits (element 128·h + 32·p + l is bits 2p of byte 32·h + l)."""
    halves = qs.reshape(len(qs), 2, 1, 32).astype(np.int64)
    shifts = np.array([0, 2, 4, 6]).reshape(1, 1, 4, 1)
    return ((halves >> shifts) & 3).reshape(len(qs), 256)


def nibble_halves(qs: np.ndarray) -> np.ndarray:
    """Q4_K/Q5_K's low four bits: 128 bytes, each run of 32 bytes holding 64 elements (low nibbles
    first, then high)."""
    runs = qs.reshape(len(qs), 4, 1, 32).astype(np.int64)
    return np.concatenate([runs & 0x0F, runs >> 4], axis=2).reshape(len(qs), 256)


def k_quant_codes(raw: np.ndarray, kind: str) -> np.ndarray:
    """The stored codes of K-quant super-blocks (rows of `raw`): Q2_K 0…3, Q3_K 0…7 (the high bit
    from hmask), Q4_K 0…15, Q5_K 0…31 (the fifth bit from qh), Q6_K 0…63."""
    if kind == "q2_k":  # scales[16], qs[64], d, dmin
        return two_bit_planes(raw[:, 16:80])
    if kind == "q3_k":  # hmask[32], qs[64], scales[12], d
        high = np.unpackbits(raw[:, :32], axis=-1, bitorder="little").reshape(len(raw), 32, 8)
        high = high.transpose(0, 2, 1).reshape(len(raw), 256).astype(np.int64)  # bit p of byte l: 32·p + l
        return two_bit_planes(raw[:, 32:96]) | (high << 2)
    if kind == "q4_k":  # d, dmin, scales[12], qs[128]
        return nibble_halves(raw[:, 16:144])
    if kind == "q5_k":  # d, dmin, scales[12], qh[32], qs[128]
        high = np.unpackbits(raw[:, 16:48], axis=-1, bitorder="little").reshape(len(raw), 32, 8)
        high = high.transpose(0, 2, 1).reshape(len(raw), 256).astype(np.int64)
        return nibble_halves(raw[:, 48:176]) | (high << 4)
    assert kind == "q6_k"  # ql[128], qh[64], scales[16], d
    ql = raw[:, :128].reshape(len(raw), 2, 2, 32).astype(np.int64)  # half, run, l
    qh = raw[:, 128:192].reshape(len(raw), 2, 1, 32).astype(np.int64)
    low = np.concatenate([ql & 0x0F, ql >> 4], axis=2)  # half, (run 0 low, run 1 low, run 0 high, run 1 high)
    high = (qh >> np.array([0, 2, 4, 6]).reshape(1, 1, 4, 1)) & 3
    return (low | (high << 4)).reshape(len(raw), 256)


# The lattice types: each element's signed grid value, in tscope's `code_usage` order.
LATTICE_VALUES = {"iq2_xxs": [-43, -25, -8, 8, 25, 43], "iq2_xs": [-43, -25, -8, 8, 25, 43],
                  "iq2_s": [-43, -25, -8, 8, 25, 43],
                  "iq3_xxs": [-62, -52, -44, -36, -28, -20, -12, -4, 4, 12, 20, 28, 36, 44, 52, 62],
                  "iq3_s": list(range(-15, 16, 2)), "iq1_s": [-1, 0, 1], "iq1_m": [-1, 0, 1]}


def lattice_codes(packed: np.ndarray, kind: str, blocks: int) -> np.ndarray:
    """Each element's signed grid value of lattice super-blocks (ggml-common.h's layouts), read by
    gguf-py's own dequantizer from the blocks with every scale set so that a block's unit is known:
    d = 1 and the block scales 0, which gives grid × sign × 1/8 (IQ2), × 1/4 (IQ3_XXS), × 1 (IQ3_S),
    and grid ± 1/8 for IQ1 (its shift, rounded away)."""
    raw = packed.reshape(blocks, -1).copy()
    one = np.frombuffer(np.float16(1).tobytes(), dtype=np.uint8)
    if kind != "iq1_m":
        raw[:, 0:2] = one  # d
    if kind == "iq2_xxs":  # qs: 8 × (grid indices u32, signs and a 4-bit scale u32)
        raw[:, 9:66:8] &= 0x0F
    elif kind == "iq2_xs":
        raw[:, 66:74] = 0
    elif kind == "iq2_s":
        raw[:, 74:82] = 0
    elif kind == "iq3_xxs":  # scales_and_signs: 8 u32, the scale in the top 4 bits
        raw[:, 69:98:4] &= 0x0F
    elif kind == "iq3_s":
        raw[:, 106:110] = 0
    elif kind == "iq1_s":  # qh: 8 u16, the scale in bits 12-14
        raw[:, 35:50:2] &= 0x8F
    else:  # iq1_m: scales, 4 u16 of 3-bit scales whose top nibbles hold d's four nibbles
        raw[:, 48:56] = 0
        raw[:, 53] = 0xC0  # d = 0x3C00: nibble 2 in scales[2], nibble 3 in scales[3]
        raw[:, 55] = 0x30
    qtype = getattr(gguf.GGMLQuantizationType, kind.upper())
    unit_values = quants.dequantize(raw.reshape(-1), qtype).astype(np.float64).reshape(-1)
    scale = {"iq2_xxs": 8, "iq2_xs": 8, "iq2_s": 8, "iq3_xxs": 4}.get(kind, 1)
    grid = np.rint(unit_values * scale).astype(np.int64)
    values = np.array(LATTICE_VALUES[kind])
    index = np.searchsorted(values, grid)
    assert np.array_equal(values[np.minimum(index, len(values) - 1)], grid), kind
    return index


# llama.cpp's types without a search: its own MXFP4 and NVFP4 (tscope ids beside the OCP and NVIDIA
# formats), the ternary types, Q1_0 and Q2_0: format id → (ggml type, block elements). gguf-py knows
# neither Q1_0 nor Q2_0 (ggml type ids 41, 42).
UNSEARCHED = {"mxfp4:ggml": (gguf.GGMLQuantizationType.MXFP4, 32), "nvfp4:ggml": (gguf.GGMLQuantizationType.NVFP4, 64),
              "tq1_0": (gguf.GGMLQuantizationType.TQ1_0, 256), "tq2_0": (gguf.GGMLQuantizationType.TQ2_0, 256),
              "q1_0": (None, 128), "q2_0": (None, 64)}


def unsearched_codes(packed: np.ndarray, kind: str, blocks: int) -> np.ndarray:
    """The stored codes of MXFP4 (e, then 16 bytes: element j low nibble, j + 16 high), NVFP4 (4
    UE4M3 scales, then 8 bytes per sub-block of 16 the same way), TQ (the trit + 1, read by
    gguf-py's dequantizer from the blocks with d set to 1), Q1_0 (d, then a bit per element) and
    Q2_0 (d, then 2 bits per element, low first), in element order."""
    raw = packed.reshape(blocks, -1).copy()
    if kind == "q1_0":
        return ((raw[:, 2:].reshape(blocks, 16, 1) >> np.arange(8, dtype=np.uint8).reshape(1, 1, 8)) & 1).reshape(-1)
    if kind == "q2_0":
        shifts = np.array([0, 2, 4, 6], dtype=np.uint8).reshape(1, 1, 4)
        return ((raw[:, 2:].reshape(blocks, 16, 1) >> shifts) & 3).reshape(-1).astype(np.int64)
    if kind == "mxfp4:ggml":
        qs = raw[:, 1:17].astype(np.int64)
        return np.concatenate([qs & 0x0F, qs >> 4], axis=-1).reshape(-1)
    if kind == "nvfp4:ggml":
        qs = raw[:, 4:36].reshape(blocks, 4, 8).astype(np.int64)
        return np.concatenate([qs & 0x0F, qs >> 4], axis=-1).reshape(-1)
    at = 52 if kind == "tq1_0" else 64  # d, after the packed trits
    raw[:, at:at + 2] = np.frombuffer(np.float16(1).tobytes(), dtype=np.uint8)
    trits = quants.dequantize(raw.reshape(-1), UNSEARCHED[kind][0]).astype(np.int64) + 1
    assert set(np.unique(trits)) <= {0, 1, 2}
    return trits.reshape(-1)


def code_counts(packed: np.ndarray, kind: str, elements: int, slots: int) -> list:
    """How many of gguf-py's (or llama.cpp's) stored codes fall on each of tscope's `code_usage`
    slots: 0…15 or 0…31, and for Q8_0 −127…127; for K-quants 0…3, 0…7, 0…15, 0…31 or 0…63; for the
    lattice types the index of each element's signed grid value; MXFP4/NVFP4's value index, TQ's trit,
    Q1_0's sign bit, Q2_0's 2-bit code."""
    first = -127 if kind == "q8_0" else 0
    if kind in UNSEARCHED:
        return np.bincount(unsearched_codes(packed, kind, elements // UNSEARCHED[kind][1]), minlength=slots).tolist()
    block = 256 if kind.endswith("_k") or kind == "iq4_xs" or kind in LATTICE_VALUES else 32
    if kind in LATTICE_VALUES:
        return np.bincount(lattice_codes(packed, kind, elements // block), minlength=slots).tolist()
    return np.bincount(codes(packed, kind, elements // block) - first, minlength=slots).tolist()


def nvfp4_reference(x: np.ndarray) -> np.ndarray:
    """A numpy port of ggml-quants.c's `quantize_row_nvfp4_ref` (gguf-py has no NVFP4 quantizer, only
    its UE4M3 conversions, which it ports from ggml-impl.h): per sub-block of 16 the UE4M3 of amax/6,
    each element the first of the 16 values with the least |v·d − x|. The packed blocks."""
    sub = x.reshape(-1, 4, 16).astype(np.float32)
    ue = quants.NVFP4.fp32_to_ue4m3((np.abs(sub).max(axis=-1) / np.float32(6)).astype(np.float32))
    d = quants.NVFP4.ue4m3_to_fp32(ue).astype(np.float32)[..., None, None]
    values = np.array(quants.NVFP4.kvalues, dtype=np.float32).reshape(1, 1, 1, 16)
    best = np.argmin(np.abs(values * d - sub[..., None]), axis=-1).astype(np.uint8)  # the first minimum
    qs = best[..., :8] | (best[..., 8:] << 4)
    return np.concatenate([ue.astype(np.uint8), qs.reshape(len(sub), 32)], axis=-1)


def tie_tensor() -> np.ndarray:
    """Rows of 256 whose blocks hit every tie: MXFP4/NVFP4 midpoints between E2M1 values at a block
    scale of 1 (amax 6: 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5 and their negatives), TQ's x/amax = ±0.5,
    beside Student t rows."""
    midpoints = np.array([0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0], dtype=np.float32)
    row = np.resize(np.concatenate([midpoints, -midpoints, [6.0, -3.0]]), 256).astype(np.float32)
    row[::16] = 6.0  # every NVFP4 sub-block and MXFP4 block reaches amax 6
    heavy = (np.random.default_rng(11).standard_t(4, size=(6, 256)) * 0.02).astype(np.float32)
    return np.concatenate([np.stack([row, -row, row * 0.5]), heavy]).astype(np.float32)


def q1_0_reference(x: np.ndarray) -> np.ndarray:
    """A numpy port of ggml-quants.c's `quantize_row_q1_0_ref`: per block of 128, d = Σ|x| (float32,
    in element order) / 128 as FP16, and a bit for each x ≥ 0. The packed blocks."""
    blocks = x.reshape(-1, 128).astype(np.float32)
    total = np.add.accumulate(np.abs(blocks), axis=1, dtype=np.float32)[:, -1]  # sequential, as the C loop
    d = (total / np.float32(128)).astype(np.float16)
    bits = np.packbits((blocks >= 0).astype(np.uint8).reshape(-1, 16, 8), axis=-1, bitorder="little")
    return np.concatenate([d.view(np.uint8).reshape(-1, 2), bits.reshape(-1, 16)], axis=1)


def q2_0_reference(x: np.ndarray) -> np.ndarray:
    """A numpy port of ggml-quants.c's `quantize_row_q2_0_ref`: per block of 64, d = amax as FP16,
    q = (int)roundf(x · (1/amax)) + 1 in 0…3 (roundf: half away from zero). The packed blocks."""
    blocks = x.reshape(-1, 64).astype(np.float32)
    amax = np.abs(blocks).max(axis=1)
    inverse = np.where(amax > 0, np.float32(1) / np.where(amax > 0, amax, 1), 0).astype(np.float32)
    scaled = (blocks * inverse[:, None]).astype(np.float32)
    q = np.clip((np.sign(scaled) * np.floor(np.abs(scaled) + np.float32(0.5))).astype(np.int64) + 1, 0, 3)
    packed = (q.reshape(-1, 16, 4) << np.array([0, 2, 4, 6]).reshape(1, 1, 4)).sum(axis=-1).astype(np.uint8)
    return np.concatenate([amax.astype(np.float16).view(np.uint8).reshape(-1, 2), packed], axis=1)


@pytest.mark.parametrize("kind", sorted(UNSEARCHED))
def test_llamacpp_unsearched_types_equal_their_reference(tmp_path, kind):
    """`mxfp4:ggml`, `nvfp4:ggml`, `tq1_0`, `tq2_0`, `q1_0` and `q2_0` against gguf-py's ports of
    ggml's `quantize_row_*_ref` (MXFP4, TQ1_0, TQ2_0) or the numpy ports above (NVFP4, Q1_0, Q2_0,
    dequantized by the ports of `dequantize_row_q1_0/q2_0` the decode tests use), on ties and Student
    t rows: the same max error, MSE to 1e-12 and stored codes."""
    from gguf_npy_fixtures import dequantize_q1_0, dequantize_q2_0
    x = tie_tensor()
    path = tmp_path / "ties.safetensors"
    save_file({"x": x}, str(path))
    qtype = UNSEARCHED[kind][0]
    if kind == "q1_0":
        packed = q1_0_reference(x)
        x_hat = dequantize_q1_0(packed).reshape(x.shape)
    elif kind == "q2_0":
        packed = q2_0_reference(x)
        x_hat = dequantize_q2_0(packed).reshape(x.shape)
    else:
        packed = nvfp4_reference(x) if kind == "nvfp4:ggml" else quants.quantize(x, qtype)
        x_hat = quants.dequantize(packed, qtype).reshape(x.shape)
    [row] = run_json("quant", path, "--layer", "x", "--format", kind)
    error = x.astype(np.float64) - x_hat.astype(np.float64)
    assert row["format"] == kind and row["max_abs_err"] == np.abs(error).max()
    assert math.isclose(row["mse"], float(np.mean(error ** 2)), rel_tol=1e-12)
    assert row["code_usage"] == code_counts(packed.reshape(-1), kind, x.size, len(row["code_usage"]))
    elements, size = gguf.GGML_QUANT_SIZES[qtype] if qtype else (UNSEARCHED[kind][1], 18)
    assert row["bpw"] == size * 8 / elements


def test_llamacpp_mxfp4_and_nvfp4_differ_from_the_standards_on_ties(tmp_path):
    """On midpoints llama.cpp's MXFP4 rounds to the smaller magnitude, the OCP rule (tscope's `mxfp4`)
    half to even: the same error (a tie is a tie) but other values — 0.75 goes to 0.5, not 1; 1.25 to
    1, 1.75 to 1.5, 2.5 to 2, 3.5 to 3 and 5 to 4 under both rules' scale of 1. NVFP4 as llama.cpp
    makes it has no tensor scale (4.5 bits per weight, not 4.5 + 32/n)."""
    path = tmp_path / "ties.safetensors"
    save_file({"x": tie_tensor()[:1]}, str(path))
    rows = {r["format"]: r for r in run_json("quant", path, "--layer", "x", "--format", "mxfp4", "--format",
                                             "mxfp4:ggml", "--format", "nvfp4", "--format", "nvfp4:ggml")}
    assert rows["mxfp4"]["mse"] == rows["mxfp4:ggml"]["mse"]

    def chosen(format_id, values):  # value → how many elements took it
        counts = {}
        for value, count in zip(values, rows[format_id]["code_usage"]):
            counts[abs(value)] = counts.get(abs(value), 0) + count
        return {value: count for value, count in counts.items() if count}
    [ocp] = run_json("formats", "--format", "mxfp4")
    ours = chosen("mxfp4:ggml", [v / 2 for v in quants.MXFP4.kvalues])
    standard = chosen("mxfp4", ocp["values"])
    midpoints = sum(1 for v in tie_tensor()[0] if abs(v) in (0.75, 1.25, 1.75, 2.5, 3.5, 5.0))
    assert sum(ours.values()) == sum(standard.values()) == 256
    # ggml takes the lower value of every tie; the OCP rule the even one (0.75 → 1, 1.25 → 1, 1.75 → 2, …).
    assert ours != standard and ours.get(0.5, 0) > standard.get(0.5, 0) and midpoints > 0
    assert rows["nvfp4:ggml"]["bpw"] == 4.5 and rows["nvfp4"]["bpw"] > 4.5


@pytest.mark.parametrize("kind", sorted(TYPES))
def test_metrics_and_codes_equal_gguf_py(model, kind):
    path, values = model
    rows = {r["name"]: r for r in run_json("quant", path, "--layer", ".", "--format", kind)}
    for name, x in values.items():
        packed = quants.quantize(x, TYPES[kind])
        x_hat = quants.dequantize(packed, TYPES[kind]).reshape(x.shape)
        error = x.astype(np.float64) - x_hat.astype(np.float64)
        row = rows[name]
        assert row["group"] == "32" and row["format"] == kind
        assert row["max_abs_err"] == np.abs(error).max(), (kind, name)  # equal x̂ give equal maxima
        assert math.isclose(row["mse"], float(np.mean(error ** 2)), rel_tol=1e-12), (kind, name)
        signal = float(np.sum(x.astype(np.float64) ** 2))
        assert math.isclose(row["sqnr_db"], 10 * math.log10(signal / float(np.sum(error ** 2))), rel_tol=1e-12)
        assert row["code_usage"] == code_counts(packed, kind, x.size, len(row["code_usage"])), (kind, name)


def test_listed_by_ggml_name():
    listed = {f["id"]: f for f in run_json("formats", "--json")}
    for kind in TYPES:
        assert listed[kind]["name"] == kind.upper() and listed[kind]["bits"] == int(kind[1])


def test_bits_per_weight_are_ggml_block_sizes(model):
    """An FP16 d per block of 32 (and an FP16 m for the _1 types), whatever --scale-bits says:
    gguf-py's GGML_QUANT_SIZES (block elements, block bytes) give 4.5, 5, 5.5, 6 and 8.5."""
    path, _ = model
    for kind in TYPES:
        elements, size = gguf.GGML_QUANT_SIZES[TYPES[kind]]
        [row] = run_json("quant", path, "--layer", "heavy", "--format", kind, "--scale-bits", "8")
        assert math.isclose(row["bpw"], size * 8 / elements), (kind, row["bpw"])


def test_non_finite_elements_are_counted_and_the_rest_match(tmp_path):
    """A NaN or Inf takes no part in its block's scale (ggml's loops never see one): the finite
    elements round as in a block without it, checked against gguf-py on the block with the
    non-finite element replaced by 0 where 0 changes neither the largest magnitude nor the range."""
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((4, 64)) * 0.1).astype(np.float32)
    x[:, 0] = 0.5  # the largest magnitude and the maximum of each row's first block
    x[:, 1] = -0.5  # and its minimum
    clean = x.copy()
    x[:, 2], x[:, 3] = np.nan, np.inf
    clean[:, 2], clean[:, 3] = 0, 0
    path = tmp_path / "nonfinite.safetensors"
    save_file({"x": x}, str(path))
    for kind, qtype in TYPES.items():
        [row] = run_json("quant", path, "--layer", "x", "--format", kind)
        x_hat = quants.dequantize(quants.quantize(clean, qtype), qtype).reshape(x.shape)
        finite = np.isfinite(x)
        error = x[finite].astype(np.float64) - x_hat[finite].astype(np.float64)
        assert row["count"] == x.size and sum(row["code_usage"]) == finite.sum()
        assert row["max_abs_err"] == np.abs(error).max(), kind
        assert math.isclose(row["mse"], float(np.mean(error ** 2)), rel_tol=1e-12), kind


@pytest.mark.parametrize("kind", ["q4_0", "q4_1", "q8_0", "q2_k", "q3_k", "q4_k", "q6_k", "iq4_nl", "iq4_xs",
                                  "nf4", "int4-asym", "mxfp4", "nvfp4"])
def test_an_all_zero_tensor_is_zero_over_zero_in_every_format(tmp_path, kind):
    """A tensor of zeros has no signal and no error: every format says so (SQNR null with the
    all-zero reason), whatever code its zero is stored as (Q4_0's 8, IQ4's index of the value 1);
    a tensor with one non-zero element is not all zero."""
    path = tmp_path / "zeros.safetensors"
    one = np.zeros((2, 256), dtype=np.float32)
    one[1, 7] = 0.25
    save_file({"zeros": np.zeros((2, 256), dtype=np.float32), "one": one}, str(path))
    rows = {r["name"]: r for r in run_json("quant", path, "--layer", ".", "--format", kind)}
    assert rows["zeros"]["mse"] == 0 and rows["zeros"]["sqnr_db"] is None
    assert "every element is zero" in rows["zeros"]["reason"], rows["zeros"]
    assert rows["one"]["reason"] is None or "every element is zero" not in rows["one"]["reason"]


def test_an_overflowing_scale_is_not_called_exact(tmp_path):
    """Blocks whose FP16 scale overflows (|x| ≈ 1e6: Q4_0's d = max/−8 and TQ2_0's d = amax beyond
    65504) dequantize to ±inf or NaN, in gguf-py as in llama.cpp: no SQNR, and the row says x̂ is
    not finite rather than "exact"."""
    x = (np.random.default_rng(2).standard_normal((2, 256)) * 1e6).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point
        for qtype in (gguf.GGMLQuantizationType.Q4_0, gguf.GGMLQuantizationType.TQ2_0):
            assert not np.isfinite(quants.dequantize(quants.quantize(x, qtype), qtype)).all()
    path = tmp_path / "huge.safetensors"
    save_file({"x": x}, str(path))
    for row in run_json("quant", path, "--layer", "x", "--format", "q4_0", "--format", "tq2_0"):
        assert row["sqnr_db"] is None and "not finite" in row["reason"], row


def test_lattice_types_survive_values_where_ggml_aborts(tmp_path):
    """ggml asserts when every neighbour's error overflows (|x| ≈ 1e19 and up: its IQ2/IQ3 searches
    find no grid point); tscope takes the first neighbour there and carries on: every row has an
    SQNR or says why not, and the command exits 0 (IQ2_S aborted before)."""
    rng = np.random.default_rng(4)
    huge = (rng.standard_t(3, size=(2, 512)) * 1e30).astype(np.float32)
    outlier = (rng.standard_normal((2, 512)) * 0.02).astype(np.float32)
    outlier[:, 100] = 3e38
    path = tmp_path / "extreme.safetensors"
    save_file({"huge": huge, "outlier": outlier}, str(path))
    formats = [a for f in ("iq2_s", "iq3_xxs", "iq3_s", "iq1_m") for a in ("--format", f)]
    rows = run_json("quant", path, "--layer", ".", *formats)
    assert len(rows) == 8
    for row in rows:
        assert row["sqnr_db"] is not None or row["reason"], row
