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
# Byte offsets of the f16 scale fields inside each K-quant block.
K_SCALE_FIELDS = {Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208]}


def t_data(rng, shape, nu=5.0, scale=0.02):
    return (rng.standard_t(nu, size=shape) * scale).astype(np.float32)


def random_k_blocks(rng, qtype, rows, row_length):
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, size=(rows * row_length // block_size, type_size), dtype=np.uint8)
    for offset in K_SCALE_FIELDS[qtype]:
        scales = (rng.standard_normal(blocks.shape[0]) * 1e-3).astype(np.float16)
        blocks[:, offset:offset + 2] = scales.view(np.uint8).reshape(-1, 2)
    return blocks.reshape(rows, row_length // block_size * type_size)


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
    q2k = rng.integers(0, 256, size=(2, gguf.GGML_QUANT_SIZES[Q.Q2_K][1]), dtype=np.uint8)
    add("q2_k.weight", q2k, raw_dtype=Q.Q2_K, dtype_name="Q2_K")

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
    write_numpy(fx, rng)
    write_fuzz_seeds(out, rng)
    fx.write_manifest()


if __name__ == "__main__":
    write_all(pathlib.Path(sys.argv[1]))
