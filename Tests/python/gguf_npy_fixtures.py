"""Writes GGUF, .npy and .npz fixtures with the official `gguf` and `numpy` packages, plus the
values each tensor must decode to, as computed by those packages (gguf-py's `dequantize`,
numpy's `astype(float32)`).

Used by the Swift tests (Tests/TensorIOTests run `python3 gguf_npy_fixtures.py OUTDIR`) and by
Tests/python/test_gguf_npy.py. OUTDIR receives the model files, `manifest.json` (one entry per
tensor: file, name, dtype, shape outermost-first, display_shape, expected) and the expected values
as raw little-endian float32 files under `expected/`.
"""
import json
import pathlib
import sys

import gguf
import numpy as np

Q = gguf.GGMLQuantizationType
# gguf-py quantizes these itself; the K-quants it can only dequantize, so their blocks are random
# bytes with sane half-precision scales, which exercises every bit of the layout just as well.
QUANTIZABLE = [Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1]
K_QUANTS = [Q.Q4_K, Q.Q5_K, Q.Q6_K]
# Byte offsets of the f16 scale fields inside each block of a type gguf-py cannot quantize.
K_SCALE_FIELDS = {Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208]}
# Every other block type in ggml's table that gguf-py dequantizes, with its f16 scale fields;
# MXFP4 and NVFP4 have 8-bit scales (every byte is a finite scale), IQ1_M spreads its f16 over
# the top nibbles of four u16 (set by random_blocks), Q8_K has an f32 d at 0.
MORE_SCALE_FIELDS = {
    Q.Q2_K: [80, 82], Q.Q3_K: [108], Q.IQ2_XXS: [0], Q.IQ2_XS: [0], Q.IQ2_S: [0], Q.IQ3_XXS: [0],
    Q.IQ3_S: [0], Q.IQ1_S: [0], Q.IQ1_M: [], Q.IQ4_NL: [0], Q.IQ4_XS: [0], Q.TQ1_0: [52], Q.TQ2_0: [64],
    Q.MXFP4: [], Q.NVFP4: [],
}
# Types gguf-py has no dequantizer for (Q2_0 not even an id): (id, name, block elements, block bytes).
Q1_0, Q2_0, Q8_K = (41, "Q1_0", 128, 18), (42, "Q2_0", 64, 18), (15, "Q8_K", 256, 292)


def t_data(rng, shape, nu=5.0, scale=0.02):
    return (rng.standard_t(nu, size=shape) * scale).astype(np.float32)


def random_k_blocks(rng, qtype, rows, row_length):
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    return random_blocks(rng, block_size, type_size, K_SCALE_FIELDS[qtype], rows, row_length)


def random_blocks(rng, block_size, type_size, scale_fields, rows, row_length, iq1m=False, f32_scale=False):
    """Random block bytes (every bit of the layout exercised) with sane half-precision scales."""
    blocks = rng.integers(0, 256, size=(rows * row_length // block_size, type_size), dtype=np.uint8)
    for offset in scale_fields:
        scales = (rng.standard_normal(blocks.shape[0]) * 1e-3).astype(np.float16)
        blocks[:, offset:offset + 2] = scales.view(np.uint8).reshape(-1, 2)
    if iq1m:  # the f16 d is the top nibbles of the four u16 scales at 48..55
        bits = (rng.standard_normal(blocks.shape[0]) * 1e-3).astype(np.float16).view(np.uint16)
        for k in range(4):
            word = blocks[:, 48 + 2 * k:50 + 2 * k].copy().view(np.uint16)[:, 0]
            word = (word & 0x0FFF) | (((bits >> (4 * k)) & 0xF) << 12)
            blocks[:, 48 + 2 * k:50 + 2 * k] = word.astype(np.uint16).view(np.uint8).reshape(-1, 2)
    if f32_scale:
        blocks[:, 0:4] = (rng.standard_normal(blocks.shape[0]) * 1e-3).astype(np.float32).view(np.uint8).reshape(-1, 4)
    return blocks.reshape(rows, row_length // block_size * type_size)


def dequantize_q1_0(blocks: np.ndarray) -> np.ndarray:
    """numpy port of ggml's dequantize_row_q1_0 (ggml/src/ggml-quants.c): x = bit ? d : -d."""
    blocks = blocks.reshape(-1, 18)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    bits = (blocks[:, 2:].reshape(-1, 16, 1) >> np.arange(8, dtype=np.uint8).reshape(1, 1, 8)) & 1
    return np.where(bits.reshape(-1, 128) != 0, d, -d).astype(np.float32).ravel()


def dequantize_q2_0(blocks: np.ndarray) -> np.ndarray:
    """numpy port of ggml's dequantize_row_q2_0 (ggml/src/ggml-quants.c): x = (q - 1) * d."""
    blocks = blocks.reshape(-1, 18)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    q = (blocks[:, 2:].reshape(-1, 16, 1) >> np.array([0, 2, 4, 6], dtype=np.uint8).reshape(1, 1, 4)) & 3
    return ((q.reshape(-1, 64).astype(np.int32) - 1).astype(np.float32) * d).ravel()


def dequantize_q8_k(blocks: np.ndarray) -> np.ndarray:
    """numpy port of ggml's dequantize_row_q8_K (ggml/src/ggml-quants.c): x = d * q."""
    blocks = blocks.reshape(-1, 292)
    d = blocks[:, :4].copy().view(np.float32)
    return (d * blocks[:, 4:260].view(np.int8).astype(np.float32)).ravel()


def write_every_type(fx: "Fixtures", rng, file="every_type.gguf"):
    """One tensor of every block type in ggml's table that the first fixture file lacks, and a
    tensor of a made-up type id 99 (listed, not decoded) between ordinary ones."""
    writer = gguf.GGUFWriter(str(fx.out / file), arch="llama")
    rows, row_length = 3, 512

    def add(name, blocks, type_id, dtype_name, expected, shape=(rows, row_length)):
        writer.add_tensor(name, blocks.view(np.int8), raw_shape=shape, raw_dtype=type_id)
        if expected is None:
            fx.listed(file, name, dtype_name, shape, list(reversed(shape)))
        else:
            fx.expect(file, name, dtype_name, shape, expected, list(reversed(shape)))

    before = t_data(rng, (2, 64))
    add("before.weight", before.view(np.uint8), Q.F32, "F32", before, before.shape)
    for qtype, fields in MORE_SCALE_FIELDS.items():
        block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
        blocks = random_blocks(rng, block_size, type_size, fields, rows, row_length, iq1m=qtype == Q.IQ1_M)
        if qtype == Q.MXFP4:  # E8M0 exponents near 2^0 (255 would give 12 * 2^127 = inf)
            blocks.reshape(-1, type_size)[:, 0] = rng.integers(100, 140, size=blocks.size // type_size)
        add(f"{qtype.name.lower()}.weight", blocks, qtype, qtype.name, gguf.quants.dequantize(blocks, qtype))
    for (type_id, name, block_size, type_size), port in [(Q1_0, dequantize_q1_0), (Q2_0, dequantize_q2_0),
                                                          (Q8_K, dequantize_q8_k)]:
        blocks = random_blocks(rng, block_size, type_size, [] if name == "Q8_K" else [0], rows, row_length,
                               f32_scale=name == "Q8_K")
        add(f"{name.lower()}.weight", blocks, type_id, name, port(blocks))
    add("future.weight", rng.integers(0, 256, size=(rows, 100), dtype=np.uint8), 99, "type 99", None)
    after = t_data(rng, (4, 32))
    add("after.weight", after.view(np.uint8), Q.F32, "F32", after, after.shape)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


class Fixtures:
    def __init__(self, out: pathlib.Path):
        self.out = out
        (out / "expected").mkdir(parents=True, exist_ok=True)
        self.entries = []

    def expect(self, file, name, dtype, shape, values, display_shape=None):
        path = f"expected/{file}.{name}.f32"
        np.ascontiguousarray(values, dtype="<f4").tofile(self.out / path)
        self.entries.append({
            "file": file, "name": name, "dtype": dtype, "shape": list(shape),
            "display_shape": list(display_shape if display_shape is not None else shape),
            "expected": path,
        })

    def listed(self, file, name, dtype, shape, display_shape=None):
        """A tensor that is listed but not decoded (no expected values)."""
        self.entries.append({
            "file": file, "name": name, "dtype": dtype, "shape": list(shape),
            "display_shape": list(display_shape if display_shape is not None else shape), "expected": None,
        })

    def write_manifest(self):
        (self.out / "manifest.json").write_text(json.dumps(self.entries, indent=1))


def write_gguf(fx: Fixtures, rng, file="model.gguf", alignment=None):
    writer = gguf.GGUFWriter(str(fx.out / file), arch="llama")
    writer.add_name("tscope fixture")
    writer.add_uint32("fixture.uint32", 4096)
    writer.add_int32("fixture.int32", -7)
    writer.add_float32("fixture.float32", 0.5)
    writer.add_bool("fixture.bool", True)
    writer.add_uint64("fixture.uint64", 1 << 40)
    writer.add_array("fixture.short_array", [1, 2, 3])
    writer.add_array("fixture.tokens", [f"tok{i}" for i in range(100)])
    if alignment is not None:
        writer.add_custom_alignment(alignment)

    def add(name, array, display_shape=None, raw_dtype=None, dtype_name=None, expected=None):
        writer.add_tensor(name, array, raw_dtype=raw_dtype)
        shape = array.shape if raw_dtype is None or array.dtype != np.uint8 else \
            gguf.quants.quant_shape_from_byte_shape(array.shape, raw_dtype)
        if expected is None:
            fx.listed(file, name, dtype_name, shape, list(reversed(shape)))
        else:
            fx.expect(file, name, dtype_name, shape, expected, list(reversed(shape)))

    f32 = t_data(rng, (3, 64))
    add("f32.weight", f32, dtype_name="F32", expected=f32)
    f16 = t_data(rng, (5, 48)).astype(np.float16)
    add("f16.weight", f16, dtype_name="F16", expected=f16.astype(np.float32))
    bf16_source = t_data(rng, (4, 40))
    bf16 = gguf.quants.quantize(bf16_source, Q.BF16)
    add("bf16.weight", bf16, raw_dtype=Q.BF16, dtype_name="BF16", expected=gguf.quants.dequantize(bf16, Q.BF16))
    i8 = rng.integers(-128, 128, size=(2, 16), dtype=np.int8)
    add("i8.weight", i8, dtype_name="I8", expected=i8.astype(np.float32))
    i32 = rng.integers(-(1 << 20), 1 << 20, size=(7,), dtype=np.int32)
    add("i32.bias", i32, dtype_name="I32", expected=i32.astype(np.float32))
    for qtype in QUANTIZABLE:
        data = t_data(rng, (3, 128))
        data[0, :32] = 0  # an all-zero block
        raw = gguf.quants.quantize(data, qtype)
        add(f"{qtype.name.lower()}.weight", raw, raw_dtype=qtype, dtype_name=qtype.name,
            expected=gguf.quants.dequantize(raw, qtype))
    three_d = gguf.quants.quantize(t_data(rng, (2, 3, 64)), Q.Q8_0)
    add("q8_0.three_d", three_d, raw_dtype=Q.Q8_0, dtype_name="Q8_0", expected=gguf.quants.dequantize(three_d, Q.Q8_0))
    for qtype in K_QUANTS:
        raw = random_k_blocks(rng, qtype, 3, 512)
        add(f"{qtype.name.lower()}.weight", raw, raw_dtype=qtype, dtype_name=qtype.name,
            expected=gguf.quants.dequantize(raw, qtype))
    q2k = random_blocks(rng, 256, gguf.GGML_QUANT_SIZES[Q.Q2_K][1], MORE_SCALE_FIELDS[Q.Q2_K], 2, 256)
    add("q2_k.weight", q2k, raw_dtype=Q.Q2_K, dtype_name="Q2_K", expected=gguf.quants.dequantize(q2k, Q.Q2_K))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def write_as_version_2(source: pathlib.Path, target: pathlib.Path):
    """GGUF v2 and v3 share the little-endian layout; only the version field differs."""
    data = bytearray(source.read_bytes())
    data[4:8] = (2).to_bytes(4, "little")
    target.write_bytes(bytes(data))


def write_numpy(fx: Fixtures, rng):
    arrays = {
        "f4_c": t_data(rng, (6, 10)),
        "f4_big": t_data(rng, (4, 9)).astype(">f4"),
        "f2": t_data(rng, (3, 8)).astype("<f2"),
        "f2_big": t_data(rng, (3, 8)).astype(">f2"),
        "f8": t_data(rng, (5,)).astype("<f8"),
        "f8_big_fortran": np.asfortranarray(t_data(rng, (3, 4, 5)).astype(">f8")),
        "f4_fortran": np.asfortranarray(t_data(rng, (7, 3))),
        "i1": rng.integers(-128, 128, size=(4, 4), dtype=np.int8),
        "i2_big": rng.integers(-30000, 30000, size=(6,), dtype=np.int16).astype(">i2"),
        "i4": rng.integers(-(1 << 24), 1 << 24, size=(2, 3), dtype=np.int32),
        "scalar": np.array(1.5, dtype=np.float32),
    }
    analysable = {"f4": "F32", "f2": "F16", "f8": "F64", "i1": "I8", "i2": "I16", "i4": "I32"}
    for name, array in arrays.items():
        file = f"{name}.npy"
        np.save(fx.out / file, array)
        dtype = analysable[array.dtype.str[1:]]
        fx.expect(file, name, dtype, array.shape, array.astype(np.float32).ravel(order="C"))
    listed = {"i8": rng.integers(0, 9, size=(3,), dtype=np.int64), "u1": np.arange(5, dtype=np.uint8),
              "b1": np.array([True, False, True])}
    names = {"i8": "I64", "u1": "U8", "b1": "BOOL"}
    for name, array in listed.items():
        np.save(fx.out / f"{name}.npy", array)
        fx.listed(f"{name}.npy", name, names[name], array.shape)
    # Format versions 2 and 3, written by numpy's own format module.
    for version in [(2, 0), (3, 0)]:
        array = t_data(rng, (2, 5))
        file = f"version{version[0]}.npy"
        with open(fx.out / file, "wb") as handle:
            np.lib.format.write_array(handle, array, version=version)
        fx.expect(file, f"version{version[0]}", "F32", array.shape, array)
    # An activation dump: np.savez (stored) and np.savez_compressed (deflated).
    members = {"layer0.attn_out": t_data(rng, (2, 7, 16)), "layer0.mlp_out": t_data(rng, (2, 7, 16)).astype(np.float16),
               "logits_fortran": np.asfortranarray(t_data(rng, (3, 11)))}
    np.savez(fx.out / "activations.npz", **members)
    np.savez_compressed(fx.out / "activations_compressed.npz", **members)
    for file in ["activations.npz", "activations_compressed.npz"]:
        for name, array in members.items():
            dtype = "F16" if array.dtype == np.float16 else "F32"
            fx.expect(file, name, dtype, array.shape, array.astype(np.float32).ravel(order="C"))


def write_fuzz_seeds(out: pathlib.Path, rng):
    """A small valid safetensors file, written by the safetensors package, for the fuzz loop."""
    from safetensors.numpy import save_file
    save_file({"embed.weight": t_data(rng, (4, 8)), "norm.weight": t_data(rng, (8,)).astype(np.float16)},
              str(out / "seed.safetensors"), metadata={"format": "np"})


def write_all(out: pathlib.Path):
    rng = np.random.default_rng(20240607)
    fx = Fixtures(out)
    write_gguf(fx, rng)
    write_gguf(fx, np.random.default_rng(7), file="aligned64.gguf", alignment=64)
    write_as_version_2(out / "model.gguf", out / "model_v2.gguf")
    fx.entries += [dict(entry, file="model_v2.gguf") for entry in fx.entries if entry["file"] == "model.gguf"]
    write_every_type(fx, np.random.default_rng(14))
    write_numpy(fx, rng)
    write_fuzz_seeds(out, rng)
    fx.write_manifest()


if __name__ == "__main__":
    write_all(pathlib.Path(sys.argv[1]))
