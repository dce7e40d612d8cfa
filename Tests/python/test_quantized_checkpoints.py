"""Checkpoints that ship quantized weights, read as the logical tensors they hold.

Each fixture is written at test time by a numpy writer that follows the convention's own library
(quantized_checkpoint_writers.py names each source file; the libraries need torch, which is not
installed here) into a file written by the official `safetensors` package. `tscope decode` must
equal the convention's own dequantization, ported to numpy, bit for bit; `layers` shows the weight
once, under its name, with the shipped format as its dtype, and none of its parts. Files written by
compressed-tensors itself (with torch, once) are checked in test_compressed_tensors_library.py.
"""
import json
import pathlib
import subprocess

import ml_dtypes
import numpy as np
import pytest

import quantized_checkpoint_writers as writers
from conftest import run_json, run_tscope, tscope_binary


def decoded(model: pathlib.Path, name: str, shape) -> np.ndarray:
    result = subprocess.run([tscope_binary(), "decode", str(model), "--tensor", name], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    return np.frombuffer(result.stdout, dtype=np.float32).reshape(shape)


def assert_bitwise_equal(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape
    same = (actual.view(np.uint32) == expected.view(np.uint32)) | (np.isnan(actual) & np.isnan(expected))
    assert same.all(), f"{(~same).sum()} of {same.size} differ; first at {np.argwhere(~same)[0]}: " \
        f"{actual[tuple(np.argwhere(~same)[0])]} vs {expected[tuple(np.argwhere(~same)[0])]}"


CASES = {
    "ct-nvfp4": (lambda folder, rng: writers.write_ct_fp4(folder, rng, nv=True), "CT-NVFP4"),
    "ct-mxfp4": (lambda folder, rng: writers.write_ct_fp4(folder, rng, nv=False), "CT-MXFP4"),
    "ct-int4-g32": (lambda folder, rng: writers.write_ct_int(folder, rng, 4, 32, True), "CT-INT4-G32"),
    "ct-int4-g16-asym": (lambda folder, rng: writers.write_ct_int(folder, rng, 4, 16, False), "CT-INT4-G16-ASYM"),
    "ct-int8-channel-f16": (lambda folder, rng: writers.write_ct_int(folder, rng, 8, None, True, scale_dtype=np.float16),
                            "CT-INT8-CH"),
    "ct-int3-g32-dense": (lambda folder, rng: writers.write_ct_int(folder, rng, 3, 32, True), "CT-INT3-G32"),
    "ct-fp8-channel": (lambda folder, rng: writers.write_ct_fp8(folder, rng, None), "CT-FP8-CH"),
    "ct-fp8-block": (lambda folder, rng: writers.write_ct_fp8(folder, rng, (128, 128)), "CT-FP8-B128x128"),
    "gpt-oss-mxfp4": (writers.write_gpt_oss, "GPTOSS-MXFP4"),
    "deepseek-fp8": (writers.write_block_fp8, "FP8-B128x128"),
    "gptq-int4-act-order": (writers.write_gptq, "GPTQ-INT4-G32"),
    "autoround-int4": (lambda folder, rng: writers.write_gptq(folder, rng, act_order=False, autoround=True),
                       "AUTOROUND-INT4-G32"),
    "gptq-int8": (lambda folder, rng: writers.write_gptq(folder, rng, bits=8, group=64, act_order=False),
                  "GPTQ-INT8-G64"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_decoded_weight_equals_the_conventions_dequantization(case, tmp_path):
    write, shipped = CASES[case]
    name, expected = write(tmp_path, np.random.default_rng(sorted(CASES).index(case)))
    listed = run_json("layers", tmp_path)
    by_name = {entry["name"]: entry for entry in listed}
    assert by_name[name]["dtype"] == shipped
    assert by_name[name]["shape"] == list(expected.shape)
    # The parts are not listed on their own.
    part_suffixes = ("_blocks", "_scales", ".qweight", ".qzeros", ".scales", ".g_idx", ".weight_scale",
                     ".weight_packed", ".weight_scale_inv", ".weight_shape", ".weight_global_scale",
                     ".weight_zero_point")
    assert not [entry["name"] for entry in listed if entry["name"].endswith(part_suffixes)]
    assert_bitwise_equal(decoded(tmp_path, name, expected.shape), expected)


def test_quant_and_fit_treat_a_shipped_weight_like_any_analysed_tensor(tmp_path):
    name, expected = writers.write_ct_fp4(tmp_path, np.random.default_rng(7), nv=True)
    fits = run_json("fit", tmp_path, "--layer", name)
    assert [entry["name"] for entry in fits] == [name] and fits[0].get("reason") is None
    rows = run_json("quant", tmp_path, "--layer", name, "--format", "nvfp4")
    assert rows[0]["count"] == expected.size and rows[0]["reason"] is None


def test_f4_and_f8_e8m0_dtypes_decode_to_the_ml_dtypes_grids(tmp_path):
    codes = np.arange(16, dtype=np.uint8)
    packed = writers.pack_nibbles(codes)
    exponents = np.arange(256, dtype=np.uint8)
    writers.save(tmp_path / "m.safetensors", {"f4": packed, "e8m0": exponents},
                 {"f4": ("float4_e2m1fn_x2", [8]), "e8m0": ("float8_e8m0fnu", [256])})
    listed = {entry["name"]: entry for entry in run_json("layers", tmp_path / "m.safetensors")}
    assert listed["f4"]["dtype"] == "F4" and listed["f4"]["shape"] == [16]
    assert listed["e8m0"]["dtype"] == "F8_E8M0"
    assert_bitwise_equal(decoded(tmp_path / "m.safetensors", "f4", (16,)),
                         codes.view(ml_dtypes.float4_e2m1fn).astype(np.float32))
    assert_bitwise_equal(decoded(tmp_path / "m.safetensors", "e8m0", (256,)),
                         exponents.view(ml_dtypes.float8_e8m0fnu).astype(np.float32))


def raw_safetensors(path: pathlib.Path, header: dict, data: bytes) -> None:
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + data)


def test_f6_is_listed_with_the_reason_its_packing_is_not_specified(tmp_path):
    values = np.random.default_rng(4).standard_normal(64).astype(np.float32)
    raw_safetensors(tmp_path / "m.safetensors",
                    {"a": {"dtype": "F6_E2M3", "shape": [4], "data_offsets": [0, 3]},
                     "b": {"dtype": "F32", "shape": [64], "data_offsets": [3, 259]}}, bytes(3) + values.tobytes())
    fits = {entry["name"]: entry for entry in run_json("fit", tmp_path / "m.safetensors")}
    assert "3 bytes" in fits["a"]["reason"]
    assert fits["b"].get("reason") is None


def one_line_error(result, *needles):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def edit(path: pathlib.Path, name: str, shape=None, data: bytes | None = None) -> None:
    """Changes one tensor's shape or bytes in place (keeping its byte count), as a corrupt file would."""
    raw = path.read_bytes()
    length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + length])
    body = bytearray(raw[8 + length:])
    if shape is not None:
        header[name]["shape"] = shape
    if data is not None:
        begin, end = header[name]["data_offsets"]
        assert len(data) == end - begin
        body[begin:end] = data
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + bytes(body))


def test_packed_bytes_that_disagree_with_weight_shape_are_refused(tmp_path):
    writers.write_ct_int(tmp_path, np.random.default_rng(1), 4, 32, True)
    prefix = "model.layers.0.self_attn.q_proj"
    edit(tmp_path / "model.safetensors", prefix + ".weight_shape", data=np.array([8, 96], dtype=np.int64).tobytes())
    one_line_error(run_tscope("layers", tmp_path, check=False), "model.safetensors", prefix + ".weight_packed", "weight_shape")


def test_a_scale_of_the_wrong_shape_is_refused(tmp_path):
    writers.write_ct_fp4(tmp_path, np.random.default_rng(2), nv=False)
    scale = "model.layers.0.mlp.down_proj.weight_scale"
    edit(tmp_path / "model.safetensors", scale, shape=[16, 1])  # [8, 2] holds the same 16 bytes
    one_line_error(run_tscope("layers", tmp_path, check=False), "model.safetensors", scale, "shape")


def test_an_unknown_format_lists_the_weight_with_its_reason_and_loads_the_rest(tmp_path):
    writers.write_ct_fp4(tmp_path, np.random.default_rng(3), nv=True)
    config = json.loads((tmp_path / "config.json").read_text())
    config["quantization_config"]["format"] = "nvfp8-future-quantized"
    (tmp_path / "config.json").write_text(json.dumps(config))
    fits = {entry["name"]: entry for entry in run_json("fit", tmp_path)}
    weight = fits["model.layers.0.mlp.down_proj.weight"]
    assert "nvfp8-future-quantized" in weight["reason"]
    assert fits["model.norm.weight"].get("reason") is None
    assert not any("weight_packed" in name or "weight_scale" in name for name in fits)
