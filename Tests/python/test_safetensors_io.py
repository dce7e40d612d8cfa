"""safetensors reading and decoding cross-checked against the official safetensors package,
numpy and ml_dtypes (SPEC §2, §4, §7; issue 2).

Every fixture is written at test time by `safetensors.numpy.save_file` (or, for malformed files,
byte by byte) in pytest's tmp_path.
"""
import json
import os
import pathlib
import struct
import subprocess
import time

import ml_dtypes
import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

from conftest import run_json, run_tscope, tscope_binary

SAFETENSORS_NAMES = {
    "bool": "BOOL", "float64": "F64", "float32": "F32", "float16": "F16", "int64": "I64", "uint64": "U64",
    "int32": "I32", "uint32": "U32", "int16": "I16", "uint16": "U16", "int8": "I8", "uint8": "U8",
    "complex64": "C64", "bfloat16": "BF16", "float8_e4m3fn": "F8_E4M3", "float8_e5m2": "F8_E5M2",
}
NUMPY_DTYPES = {
    "bool": np.bool_, "float64": np.float64, "float32": np.float32, "float16": np.float16, "int64": np.int64,
    "uint64": np.uint64, "int32": np.int32, "uint32": np.uint32, "int16": np.int16, "uint16": np.uint16,
    "int8": np.int8, "uint8": np.uint8, "complex64": np.complex64, "bfloat16": ml_dtypes.bfloat16,
    "float8_e4m3fn": ml_dtypes.float8_e4m3fn, "float8_e5m2": ml_dtypes.float8_e5m2,
}


def python_layers(path):
    """What the official package reports: (name, dtype, shape) in its offset order."""
    with safe_open(str(path), "np") as f:
        return [(name, f.get_slice(name).get_dtype(), f.get_slice(name).get_shape()) for name in f.offset_keys()]


def tscope_layers(path):
    return [(t["name"], t["dtype"], t["shape"]) for t in run_json("layers", path)]


def decoded(path, name):
    """tscope's Float32 decode of one tensor, as raw float32 bits (so NaN payloads compare too)."""
    result = subprocess.run([tscope_binary(), "decode", str(path), "--tensor", name], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return np.frombuffer(result.stdout, dtype=np.uint32)


# --- every dtype the official writer supports -------------------------------------------------

def test_every_dtype_safetensors_writes_is_listed_as_the_package_reports(tmp_path):
    rng = np.random.default_rng(1)
    tensors = {}
    for index, (name, dtype) in enumerate(NUMPY_DTYPES.items()):
        shape = [(2, 3), (5,), (1, 2, 2), ()][index % 4]
        tensors[f"t.{name}"] = np.asarray(rng.standard_normal(shape) * 10).astype(dtype)
    tensors["t.empty"] = np.zeros((0, 4), np.float32)
    path = tmp_path / "all.safetensors"
    save_file(tensors, str(path), metadata={"k": "v"})
    expected = python_layers(path)
    assert len(expected) == len(tensors)
    assert tscope_layers(path) == expected
    dtypes = {t["name"]: t["dtype"] for t in run_json("layers", path)}
    for name in NUMPY_DTYPES:
        assert dtypes[f"t.{name}"] == SAFETENSORS_NAMES[name]
    for entry in run_json("layers", path):
        assert entry["count"] == int(np.prod(entry["shape"])) and entry["file"] == "all.safetensors"


@pytest.mark.parametrize("name", ["float64", "float32", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2",
                                  "int8", "int16", "int32"])
def test_decoded_values_equal_numpy_astype_float32(tmp_path, name):
    rng = np.random.default_rng(2)
    values = rng.standard_t(3, size=5000) * 40
    values[:4] = [0.0, -0.0, 1e-30, -3e38]
    dtype = NUMPY_DTYPES[name]
    if name.startswith("int"):
        values = np.clip(np.round(values * 1e6), np.iinfo(dtype).min, np.iinfo(dtype).max)
    with np.errstate(over="ignore"):  # -3e38 overflows the narrow floats to -inf, as intended
        array = values.astype(dtype)
    path = tmp_path / "one.safetensors"
    save_file({"x": array}, str(path))
    reference = array.astype(np.float32).view(np.uint32)
    np.testing.assert_array_equal(decoded(path, "x"), reference)


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16])
def test_all_65536_half_patterns_decode_bit_exactly(tmp_path, dtype):
    patterns = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    array = patterns.view(dtype).reshape(256, 256)
    path = tmp_path / "patterns.safetensors"
    save_file({"patterns": array}, str(path))
    ours = decoded(path, "patterns")
    reference = array.astype(np.float32).ravel().view(np.uint32)
    nan = np.isnan(array.astype(np.float32).ravel())
    # Finite values and infinities: bit for bit. NaNs: still NaN, same sign, payload kept in the top bits.
    np.testing.assert_array_equal(ours[~nan], reference[~nan])
    assert np.isnan(ours[nan].view(np.float32)).all()
    np.testing.assert_array_equal(ours[nan] >> 31, reference[nan] >> 31)
    if dtype is np.float16:
        np.testing.assert_array_equal(ours[nan], reference[nan])  # numpy keeps F16 NaN payloads as we do


@pytest.mark.parametrize("dtype", [ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e5m2])
def test_all_256_fp8_patterns_decode_as_ml_dtypes(tmp_path, dtype):
    array = np.arange(256, dtype=np.uint16).astype(np.uint8).view(dtype)
    path = tmp_path / "fp8.safetensors"
    save_file({"codes": array}, str(path))
    ours = decoded(path, "codes").view(np.float32)
    reference = array.astype(np.float32)
    nan = np.isnan(reference)
    np.testing.assert_array_equal(ours[~nan].view(np.uint32), reference[~nan].view(np.uint32))
    assert np.isnan(ours[nan]).all()
    if dtype is ml_dtypes.float8_e4m3fn:
        assert nan.sum() == 2  # only 0x7F and 0xFF: OCP "fn" has no infinities


# --- the real MiniLM, single and sharded ------------------------------------------------------

def test_minilm_lists_exactly_what_safetensors_reports(minilm):
    expected = python_layers(minilm)
    got = run_json("layers", minilm)
    assert [(t["name"], t["dtype"], t["shape"]) for t in got] == expected
    assert len(got) == 104  # 104 tensors (the header's 105 keys include __metadata__)
    assert sum(t["count"] for t in got) == 22_713_728


def split_into_shards(source, folder, shards=3):
    """Splits a safetensors file into `shards` files plus a HF-style index, with the official writer."""
    with safe_open(str(source), "np") as f:
        names = list(f.offset_keys())
        tensors = {name: f.get_tensor(name) for name in names}
    folder.mkdir()
    weight_map = {}
    for index in range(shards):
        part = names[index::shards]
        file = f"model-{index + 1:05d}-of-{shards:05d}.safetensors"
        save_file({name: tensors[name] for name in part}, str(folder / file), metadata={"format": "pt"})
        weight_map.update({name: file for name in part})
    total = sum(t.nbytes for t in tensors.values())
    (folder / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))
    return weight_map


def test_minilm_split_into_shards_lists_the_same_tensors(minilm, tmp_path):
    folder = tmp_path / "sharded"
    weight_map = split_into_shards(minilm, folder)
    expected = {name: (dtype, shape) for name, dtype, shape in python_layers(minilm)}
    for model in [folder, folder / "model.safetensors.index.json"]:
        got = run_json("layers", model)
        assert {t["name"]: (t["dtype"], t["shape"]) for t in got} == expected
        assert {t["name"]: t["file"] for t in got} == weight_map
        assert [t["file"] for t in got] == sorted(t["file"] for t in got)  # shards in file-name order
    (folder / "model.safetensors.index.json").unlink()
    assert {t["name"] for t in run_json("layers", folder)} == set(expected)  # folder of shards, no index


def test_the_human_table_is_plain_text_with_totals(minilm):
    out = run_tscope("layers", minilm).stdout
    assert "\x1b" not in out  # not a terminal: no control codes
    assert "22,713,728" in out and "104 tensors" in out
    assert "encoder.layer.5" in out and "11,720,448" in out


def test_sample_model_has_the_documented_tensors(sample_model):
    got = run_json("layers", sample_model)
    dtypes = {t["dtype"] for t in got}
    assert {"F32", "F16", "BF16", "I64"} <= dtypes
    assert [(t["name"], t["dtype"], t["shape"]) for t in got] == python_layers(sample_model)
    with safe_open(str(sample_model), "np") as f:
        truth = f.metadata()
    nus = {json.loads(truth[t["name"]]).get("nu") for t in got}
    assert {3, 5, 8, 30} <= nus
    assert {json.loads(truth[t["name"]])["dist"] for t in got} >= {"t", "normal", "laplace"}


# --- malformed files: exit 2, one line naming the file, quickly -------------------------------

def header_file(path, header, data=b"", declared=None):
    raw = json.dumps(header).encode() if not isinstance(header, bytes) else header
    path.write_bytes(struct.pack("<Q", len(raw) if declared is None else declared) + raw + data)
    return path, None


def malformed_cases(tmp_path, minilm_bytes):
    yield "truncated", (tmp_path / "truncated.safetensors", minilm_bytes[: len(minilm_bytes) // 2])
    yield "tiny", (tmp_path / "tiny.safetensors", b"\x01\x02")
    yield "header length past end", (tmp_path / "long.safetensors", struct.pack("<Q", 10**6) + b"{}")
    yield "bad json", (tmp_path / "json.safetensors", struct.pack("<Q", 9) + b'{"a": [1,')
    yield "unknown dtype", header_file(
        tmp_path / "dtype.safetensors", {"a": {"dtype": "F3", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4)
    yield "offsets out of range", header_file(
        tmp_path / "range.safetensors", {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8)
    yield "overlapping", header_file(
        tmp_path / "overlap.safetensors",
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
         "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12)
    yield "shape/byte mismatch", header_file(
        tmp_path / "shape.safetensors", {"a": {"dtype": "F32", "shape": [3, 3], "data_offsets": [0, 32]}}, b"\0" * 32)
    folder = tmp_path / "shards"
    folder.mkdir()
    save_file({"a": np.ones(2, np.float32)}, str(folder / "model-00001-of-00002.safetensors"))
    (folder / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {
        "a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}))
    yield "missing shard", (folder / "model.safetensors.index.json", None)


@pytest.fixture(scope="module")
def minilm_bytes(minilm):
    return minilm.read_bytes()


CASES = ["truncated", "tiny", "header length past end", "bad json", "unknown dtype", "offsets out of range",
         "overlapping", "shape/byte mismatch", "missing shard"]


@pytest.mark.parametrize("case", CASES)
def test_malformed_input_is_exit_2_with_one_line_naming_the_file(tmp_path, minilm_bytes, case):
    path, content = dict(malformed_cases(tmp_path, minilm_bytes))[case]
    if content is not None and not path.exists():
        path.write_bytes(content)
    started = time.monotonic()
    result = run_tscope("layers", path, check=False, timeout=10)
    assert time.monotonic() - started < 3
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    named = "model-00002-of-00002.safetensors" if case == "missing shard" else path.name
    assert named in lines[0]
    assert result.stdout == ""


def test_a_sparse_7b_shaped_sharded_model_lists_every_tensor(tmp_path):
    """scripts/make-sparse-7b: 13.5 GB of holes; only headers are read (timing: scripts/bench-layers)."""
    folder = tmp_path / "sparse-7b"
    subprocess.run([str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "make-sparse-7b"), str(folder)],
                   check=True, capture_output=True, timeout=120)
    got = run_json("layers", folder, timeout=30)
    assert len(got) == 291
    assert sum(t["count"] for t in got) == 6_738_415_616
    index = json.loads((folder / "model.safetensors.index.json").read_text())
    assert {t["name"]: t["file"] for t in got} == index["weight_map"]


def test_a_fifo_named_like_a_model_is_rejected_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    result = run_tscope("layers", fifo, check=False, timeout=10)
    assert result.returncode == 2 and "pipe.safetensors: not a regular file" in result.stderr


def test_the_table_totals_per_dtype_match_the_file(sample_model):
    """The dtype summary of the human table against counts computed from the official reader."""
    expected = {}
    with safe_open(str(sample_model), "np") as f:
        for name in f.keys():
            dtype, shape = f.get_slice(name).get_dtype(), f.get_slice(name).get_shape()
            tensors, params = expected.get(dtype, (0, 0))
            expected[dtype] = (tensors + 1, params + int(np.prod(shape)))
    lines = run_tscope("layers", sample_model).stdout.splitlines()
    summary = lines[lines.index(next(l for l in lines if l.startswith("dtype  tensors"))) + 1:]
    got = {}
    for line in summary:
        cells = line.split()
        if len(cells) >= 3 and cells[1].replace(",", "").isdigit():
            got[cells[0].rstrip("*")] = (int(cells[1].replace(",", "")), int(cells[2].replace(",", "")))
    total = got.pop("total")
    assert got == expected
    assert total == (sum(t for t, _ in expected.values()), sum(p for _, p in expected.values()))
