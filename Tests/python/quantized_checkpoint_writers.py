"""numpy writers of the checkpoint conventions that ship quantized weights, and numpy ports of
each convention's own dequantization (the oracle tscope must equal value for value).

The conventions' libraries need torch, which is not installed here, so each writer follows the
library's source, named beside it (versions: compressed-tensors 0.20.1 from PyPI, openai/gpt-oss
at 1983a9d, deepseek-ai/DeepSeek-V3 inference/, AutoGPTQ 0.7). The files themselves are written by
the official `safetensors` package (its `serialize`, which takes torch's dtype names).
"""
import json
import pathlib

import ml_dtypes
import numpy as np
from safetensors._safetensors_rust import TensorSpec, serialize

BF16 = ml_dtypes.bfloat16
E4M3 = ml_dtypes.float8_e4m3fn
E2M1 = ml_dtypes.float4_e2m1fn
E2M1_VALUES = np.arange(16, dtype=np.uint8).view(E2M1).astype(np.float32)

_DTYPE_NAMES = {
    np.dtype(np.float32): "float32", np.dtype(np.float16): "float16", np.dtype(BF16): "bfloat16",
    np.dtype(E4M3): "float8_e4m3fn", np.dtype(np.uint8): "uint8", np.dtype(np.int32): "int32",
    np.dtype(np.int64): "int64",
}


def save(path: pathlib.Path, tensors: dict, specs: dict | None = None) -> None:
    """Writes `tensors` (numpy arrays) with safetensors' own serializer; `specs` gives
    (dtype name, shape) for tensors whose safetensors dtype numpy cannot name (F4, F8_E8M0)."""
    keep, entries = [], {}
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        keep.append(array)
        dtype, shape = (specs or {}).get(name, (_DTYPE_NAMES[array.dtype], list(array.shape)))
        entries[name] = TensorSpec(dtype=dtype, shape=shape, data_ptr=array.ctypes.data, data_len=array.nbytes)
    path.write_bytes(serialize(entries))


def write_config(folder: pathlib.Path, quantization_config: dict, name: str = "config.json") -> None:
    body = {"quantization_config": quantization_config} if name == "config.json" else quantization_config
    (folder / name).write_text(json.dumps(body))


def compressed_tensors_config(fmt: str, weights: dict, targets=("Linear",)) -> dict:
    return {"quant_method": "compressed-tensors", "format": fmt,
            "config_groups": {"group_0": {"targets": list(targets), "weights": weights}}}


def nearest_e2m1_codes(x: np.ndarray) -> np.ndarray:
    """E2M1 codes of x (ml_dtypes rounds to nearest even, saturating: what `_round_to_fp4` does)."""
    return np.clip(x, -6, 6).astype(np.float32).astype(E2M1).view(np.uint8) & 0x0F


def pack_nibbles(codes: np.ndarray) -> np.ndarray:
    """Two codes a byte, the first in the low nibble (`pack_fp4_to_uint8`)."""
    flat = codes.reshape(-1, 2)
    return (flat[:, 0] | (flat[:, 1] << 4)).astype(np.uint8)


# compressed-tensors nvfp4-pack-quantized and mxfp4-pack-quantized
# (compressors/nvfp4/base.py, compressors/nvfp4/helpers.py, compressors/mxfp4/base.py, compressors/mx_utils.py)

def write_ct_fp4(folder: pathlib.Path, rng, nv: bool, rows=8, columns=64):
    w = rng.standard_t(5, size=(rows, columns)).astype(np.float32) * 0.02
    block = 16 if nv else 32
    groups = w.reshape(rows, columns // block, block)
    amax = np.abs(groups).max(axis=-1)
    if nv:
        global_scale = np.array([448.0 * 6.0 / np.abs(w).max()], dtype=np.float32)
        scale = (amax / 6.0 * global_scale[0]).astype(np.float32).astype(E4M3)
        effective = scale.astype(np.float32) / global_scale[0]
        stored_scale = scale
    else:
        exponent = 127 + np.floor(np.log2(amax / 6.0)).astype(np.int32)  # compress_mx_scale
        stored_scale = exponent.astype(np.uint8)
        effective = np.float32(2.0) ** (exponent - 127).astype(np.float32)
    codes = nearest_e2m1_codes(groups / effective[..., None]).reshape(rows, columns)
    tensors = {"model.layers.0.mlp.down_proj.weight_packed": pack_nibbles(codes).reshape(rows, columns // 2),
               "model.layers.0.mlp.down_proj.weight_scale": stored_scale,
               "model.norm.weight": rng.normal(1, 0.1, columns).astype(np.float32)}
    if nv:
        tensors["model.layers.0.mlp.down_proj.weight_global_scale"] = global_scale
    save(folder / "model.safetensors", tensors)
    fmt = "nvfp4-pack-quantized" if nv else "mxfp4-pack-quantized"
    write_config(folder, compressed_tensors_config(fmt, {"num_bits": 4, "type": "float", "group_size": block}))
    # The oracle: NVFP4PackedCompressor.decompress → dequantize(x_q bf16, scale, global_scale, dtype=bf16).
    values = E2M1_VALUES[codes].astype(BF16)
    if nv:
        scale_f = stored_scale.astype(BF16).astype(np.float32) / global_scale[0]  # bf16 / f32 tensor → f32
        expected = (values.astype(np.float32) * np.repeat(scale_f, block, axis=1)).astype(BF16)
    else:
        scale_f = (np.float32(2.0) ** (stored_scale.astype(np.int32) - 127).astype(np.float32)).astype(BF16)
        expected = values * np.repeat(scale_f, block, axis=1)  # bf16 × bf16 → bf16
    return "model.layers.0.mlp.down_proj.weight", expected.astype(np.float32)


# compressed-tensors pack-quantized (compressors/pack_quantized/helpers.py pack_to_int32, dense since PR #715)

def pack_to_int32(values: np.ndarray, bits: int) -> np.ndarray:
    """Rows of signed `bits`-bit values → dense little-endian Int32 words (element i at bit i·bits)."""
    unsigned = (values.astype(np.int64) + (1 << (bits - 1))).astype(np.uint64)
    rows, columns = unsigned.shape
    words = -(-columns * bits // 32)
    out = np.zeros((rows, words + 1), dtype=np.uint64)
    for column in range(columns):
        bit = column * bits
        out[:, bit // 32] |= (unsigned[:, column] << np.uint64(bit % 32)) & np.uint64(0xFFFFFFFF)
        if bit % 32 + bits > 32:
            out[:, bit // 32 + 1] |= unsigned[:, column] >> np.uint64(32 - bit % 32)
    return out[:, :words].astype(np.uint32).view(np.int32)


def write_ct_int(folder: pathlib.Path, rng, bits: int, group: int | None, symmetric: bool, rows=8, columns=64,
                 scale_dtype=BF16):
    w = rng.standard_t(5, size=(rows, columns)).astype(np.float32) * 0.02
    width = group or columns
    g = w.reshape(rows, columns // width, width)
    qmax, qmin = (1 << (bits - 1)) - 1, -(1 << (bits - 1))
    if symmetric:
        scale = (np.abs(g).max(axis=-1) / ((qmax - qmin) / 2)).astype(scale_dtype)
        zero = np.zeros(scale.shape, dtype=np.int64)
    else:
        lo, hi = np.minimum(g.min(axis=-1), 0), np.maximum(g.max(axis=-1), 0)
        scale = ((hi - lo) / (qmax - qmin)).astype(scale_dtype)
        zero = np.clip(np.round(qmin - lo / scale.astype(np.float32)), qmin, qmax).astype(np.int64)
    q = np.clip(np.round(g / scale.astype(np.float32)[..., None] + zero[..., None]), qmin, qmax).astype(np.int64)
    q = q.reshape(rows, columns)
    prefix = "model.layers.0.self_attn.q_proj"
    tensors = {prefix + ".weight_packed": pack_to_int32(q, bits), prefix + ".weight_scale": scale,
               prefix + ".weight_shape": np.array([rows, columns], dtype=np.int64)}
    if not symmetric:
        tensors[prefix + ".weight_zero_point"] = np.ascontiguousarray(pack_to_int32(zero.T, bits).T)  # packed_dim=0
    save(folder / "model.safetensors", tensors)
    weights = {"num_bits": bits, "type": "int", "symmetric": symmetric,
               "strategy": "group" if group else "channel", "group_size": group}
    write_config(folder, compressed_tensors_config("pack-quantized", weights))
    # The oracle: _dequantize in the scale's dtype: (x_q − zero_point) · scale.
    expanded = np.repeat(scale, width, axis=1)
    diff = (q - np.repeat(zero, width, axis=1)).astype(scale_dtype)
    return prefix + ".weight", (diff * expanded).astype(np.float32)


# compressed-tensors float-quantized (compressors/naive_quantized/base.py, quantization/lifecycle/forward_helpers.py)

def write_ct_fp8(folder: pathlib.Path, rng, block: tuple | None, rows=200, columns=160):
    w = rng.standard_t(5, size=(rows, columns)).astype(np.float32) * 0.02
    if block:
        bh, bw = block
        sr, sc = -(-rows // bh), -(-columns // bw)
        scale = np.empty((sr, sc), dtype=np.float32)
        for i in range(sr):
            for j in range(sc):
                scale[i, j] = np.abs(w[i * bh:(i + 1) * bh, j * bw:(j + 1) * bw]).max() / 448
        expanded = np.repeat(np.repeat(scale, bh, axis=0), bw, axis=1)[:rows, :columns]
        weights = {"num_bits": 8, "type": "float", "strategy": "block", "block_structure": list(block)}
    else:
        scale = (np.abs(w).max(axis=1, keepdims=True) / 448).astype(BF16)
        expanded = np.repeat(scale, columns, axis=1)
        weights = {"num_bits": 8, "type": "float", "strategy": "channel"}
    q = (w / expanded.astype(np.float32)).astype(E4M3)
    prefix = "model.layers.0.mlp.up_proj"
    save(folder / "model.safetensors", {prefix + ".weight": q, prefix + ".weight_scale": scale})
    write_config(folder, compressed_tensors_config("float-quantized", weights))
    return prefix + ".weight", (q.astype(scale.dtype) * expanded).astype(np.float32)


# gpt-oss MXFP4 experts (openai/gpt-oss gpt_oss/torch/weights.py _get_mxfp4_tensor)

def write_gpt_oss(folder: pathlib.Path, rng, experts=2, rows=4, groups=3):
    codes = rng.integers(0, 16, size=(experts, rows, groups, 32), dtype=np.uint8)
    exponents = rng.integers(115, 135, size=(experts, rows, groups), dtype=np.uint8)
    blocks = pack_nibbles(codes).reshape(experts, rows, groups, 16)
    stem = "model.layers.0.mlp.experts.gate_up_proj"
    save(folder / "model.safetensors", {stem + "_blocks": blocks, stem + "_scales": exponents,
                                        stem + "_bias": np.zeros((experts, rows), dtype=BF16)})
    write_config(folder, {"quant_method": "mxfp4"})
    # lut in bf16, then torch.ldexp(sub, exp, out=sub): bf16 · 2^e (as f32), stored back in bf16.
    lut = E2M1_VALUES.astype(BF16).astype(np.float32)
    scale = np.float32(2.0) ** (exponents.astype(np.int32) - 127).astype(np.float32)
    out = (lut[codes] * scale[..., None]).astype(BF16)
    return stem, out.reshape(experts, rows, groups * 32).astype(np.float32)


# FP8 with weight_scale_inv per 128×128 block (deepseek-ai/DeepSeek-V3 inference/kernel.py weight_dequant)

def write_block_fp8(folder: pathlib.Path, rng, rows=200, columns=300, block=128):
    sr, sc = -(-rows // block), -(-columns // block)
    scale_inv = (rng.uniform(0.5, 2.0, size=(sr, sc)) * 1e-4).astype(np.float32)
    expanded = np.repeat(np.repeat(scale_inv, block, axis=0), block, axis=1)[:rows, :columns]
    w = rng.standard_t(5, size=(rows, columns)).astype(np.float32) * 0.02
    q = (w / expanded).astype(E4M3)
    prefix = "model.layers.0.self_attn.o_proj"
    save(folder / "model.safetensors", {prefix + ".weight": q, prefix + ".weight_scale_inv": scale_inv})
    write_config(folder, {"quant_method": "fp8", "fmt": "e4m3", "weight_block_size": [block, block],
                          "activation_scheme": "dynamic"})
    # y = x.to(float32) * s, stored in the default dtype (bfloat16 in fp8_cast_bf16.py).
    return prefix + ".weight", (q.astype(np.float32) * expanded).astype(BF16).astype(np.float32)


# GPTQ (AutoGPTQ auto_gptq/nn_modules/qlinear/qlinear_cuda_old.py pack() and forward's dequantization)

def write_gptq(folder: pathlib.Path, rng, bits=4, group=32, inputs=128, outputs=64, act_order=True, autoround=False):
    """AutoGPTQ's packing; with `autoround`, the config AutoRound writes for its `auto_gptq` packing."""
    per_word = 32 // bits
    groups = inputs // group
    scales = (rng.uniform(0.5, 2.0, size=(groups, outputs)) * 1e-3).astype(np.float16)
    zeros = rng.integers(1, (1 << bits) - 1, size=(groups, outputs))
    g_idx = np.arange(inputs, dtype=np.int32) // group
    if act_order:
        g_idx = g_idx[rng.permutation(inputs)]
    q = rng.integers(0, 1 << bits, size=(inputs, outputs))  # intweight, [in, out]
    qweight = np.zeros((inputs // per_word, outputs), dtype=np.uint32)
    for j in range(inputs):
        qweight[j // per_word] |= (q[j].astype(np.uint32) << np.uint32(bits * (j % per_word)))
    stored_zeros = (zeros - 1).astype(np.uint32)  # pack(): zeros -= 1
    qzeros = np.zeros((groups, outputs // per_word), dtype=np.uint32)
    for j in range(outputs):
        qzeros[:, j // per_word] |= stored_zeros[:, j] << np.uint32(bits * (j % per_word))
    prefix = "model.layers.0.mlp.gate_proj"
    save(folder / "model.safetensors", {prefix + ".qweight": qweight.view(np.int32), prefix + ".qzeros": qzeros.view(np.int32),
                                        prefix + ".scales": scales, prefix + ".g_idx": g_idx,
                                        prefix + ".bias": np.zeros(outputs, dtype=np.float16)})
    if autoround:
        write_config(folder, {"quant_method": "auto-round", "bits": bits, "group_size": group, "sym": False,
                              "packing_format": "auto_round:auto_gptq"})
    else:
        write_config(folder, {"bits": bits, "group_size": group, "desc_act": act_order, "sym": False,
                              "checkpoint_format": "gptq"}, name="quantize_config.json")
    # forward: zeros = (stored + 1) & mask; weight = scales[g_idx] * (weight − zeros[g_idx]) in float16.
    unpacked_zeros = ((stored_zeros.astype(np.int64) + 1) & ((1 << bits) - 1))
    weight = scales[g_idx] * (q - unpacked_zeros[g_idx]).astype(np.float16)
    return prefix + ".weight", weight.T.astype(np.float32)  # logical nn.Linear weight [out, in]
