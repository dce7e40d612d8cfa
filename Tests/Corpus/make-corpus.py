#!/usr/bin/env python3
"""Writes the malformed-input corpus: small safetensors, GGUF, .npy and .npz files, each broken in
one way a hostile or damaged file can be (truncations, absurd counts and lengths, offsets past the
end, overlapping tensors, bad alignment, wrong magic, unknown types' offsets, shape-product overflow).

Every file must make `tscope layers FILE` exit with status 2 and one stderr line naming the file
(Tests/python/test_corpus.py), and must open and decode under AddressSanitizer without a report
(scripts/asan-corpus). Deterministic: rerunning rewrites identical bytes.

    python3 Tests/Corpus/make-corpus.py      # rewrites the files next to this script
"""
import io
import json
import pathlib
import struct
import warnings
import zipfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
files: dict[str, bytes] = {}


def add(name: str, data: bytes):
    assert name not in files, name
    files[name] = data


# ---------------------------------------------------------------- safetensors

def safetensors(header: dict | str | bytes, data: bytes = b"", length: int | None = None) -> bytes:
    if isinstance(header, dict):
        header = json.dumps(header)
    if isinstance(header, str):
        header = header.encode()
    return struct.pack("<Q", len(header) if length is None else length) + header + data


def st_tensor(dtype="F32", shape=(2, 2), offsets=(0, 16)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


add("st-empty.safetensors", b"")
add("st-short-length.safetensors", b"\x10\x00\x00\x00")
add("st-header-length-huge.safetensors", safetensors({"a": st_tensor()}, bytes(16), length=1 << 63))
add("st-header-length-4gb.safetensors", safetensors({"a": st_tensor()}, bytes(16), length=1 << 32))
add("st-header-past-end.safetensors", safetensors({"a": st_tensor()}, bytes(16), length=4096))
add("st-bad-json.safetensors", safetensors('{"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]', bytes(16)))
add("st-header-not-object.safetensors", safetensors("[1, 2, 3]"))
add("st-offsets-past-end.safetensors", safetensors({"a": st_tensor(offsets=(0, 16))}, bytes(8)))
add("st-overlapping.safetensors", safetensors(
    {"a": st_tensor(offsets=(0, 16)), "b": st_tensor(offsets=(8, 24))}, bytes(24)))
add("st-unknown-dtype.safetensors", safetensors({"a": st_tensor(dtype="Q9_Z", offsets=(0, 2))}, bytes(2)))
add("st-shape-overflow.safetensors", safetensors(
    {"a": st_tensor(shape=(1 << 40, 1 << 40, 1 << 40), offsets=(0, 16))}, bytes(16)))
add("st-size-mismatch.safetensors", safetensors({"a": st_tensor(shape=(3, 3), offsets=(0, 16))}, bytes(16)))
add("st-negative-dim.safetensors", safetensors({"a": st_tensor(shape=(-1, 4), offsets=(0, 16))}, bytes(16)))
add("st-offsets-reversed.safetensors", safetensors({"a": st_tensor(offsets=(16, 0))}, bytes(16)))

# ---------------------------------------------------------------- GGUF

GGUF_STRING, GGUF_ARRAY, GGUF_UINT32, GGUF_BOOL = 8, 9, 4, 7


def gstr(text: str | bytes, length: int | None = None) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw) if length is None else length) + raw


def kv(key: str, vtype: int, payload: bytes) -> bytes:
    return gstr(key) + struct.pack("<I", vtype) + payload


def tensor_info(name: str, dims: list[int], ggml_type: int, offset: int, n_dims: int | None = None) -> bytes:
    out = gstr(name) + struct.pack("<I", len(dims) if n_dims is None else n_dims)
    out += b"".join(struct.pack("<Q", d) for d in dims)
    return out + struct.pack("<IQ", ggml_type, offset)


def gguf(kvs: list[bytes] = (), infos: list[bytes] = (), data: bytes = b"", version: int = 3,
         magic: bytes = b"GGUF", n_tensors: int | None = None, n_kv: int | None = None, alignment: int = 32) -> bytes:
    head = magic + struct.pack("<I", version)
    head += struct.pack("<QQ", len(infos) if n_tensors is None else n_tensors, len(kvs) if n_kv is None else n_kv)
    head += b"".join(kvs) + b"".join(infos)
    head += bytes(-len(head) % alignment)
    return head + data


F32, Q4_0 = 0, 2
arch = kv("general.architecture", GGUF_STRING, gstr("llama"))
one_f32 = tensor_info("w", [4, 2], F32, 0)

add("gguf-empty.gguf", b"")
add("gguf-wrong-magic.gguf", gguf([arch], [one_f32], bytes(32), magic=b"GGML"))
add("gguf-version-1.gguf", gguf([arch], [one_f32], bytes(32), version=1))
add("gguf-version-99.gguf", gguf([arch], [one_f32], bytes(32), version=99))
add("gguf-big-endian.gguf", b"GGUF" + struct.pack(">IQQ", 3, 0, 0))
add("gguf-truncated-header.gguf", b"GGUF" + struct.pack("<I", 3) + b"\x01\x00")
add("gguf-tensor-count-huge.gguf", gguf([arch], [one_f32], bytes(32), n_tensors=1 << 62))
add("gguf-kv-count-huge.gguf", gguf([arch], [one_f32], bytes(32), n_kv=(1 << 64) - 1))
add("gguf-kv-count-2e40.gguf", gguf([arch], [one_f32], bytes(32), n_kv=1 << 40))
add("gguf-tensor-count-1e9.gguf", gguf([arch], [one_f32], bytes(32), n_tensors=10**9))
add("gguf-key-length-huge.gguf", gguf([gstr("general.architecture", length=1 << 63)], []))
add("gguf-string-past-end.gguf", gguf([kv("general.name", GGUF_STRING, gstr("x", length=4096))], []))
add("gguf-array-count-huge.gguf", gguf(
    [kv("tokenizer.ggml.scores", GGUF_ARRAY, struct.pack("<IQ", 6, 1 << 61) + bytes(8))], []))
add("gguf-unknown-value-type.gguf", gguf([kv("general.thing", 77, bytes(8))], []))
add("gguf-bad-bool.gguf", gguf([kv("general.flag", GGUF_BOOL, b"\x07")], []))
# An array of an array of … (64 deep) of one uint32: a stack-depth attack on a recursive parser.
deep = b"".join(struct.pack("<IQ", GGUF_ARRAY, 1) for _ in range(64)) + struct.pack("<IQ", GGUF_UINT32, 1) + bytes(4)
add("gguf-deeply-nested-arrays.gguf", gguf([gstr("general.nest") + struct.pack("<I", GGUF_ARRAY) + deep], []))
# A type id ggml does not define is listed, not refused; but its offset is still checked.
add("gguf-unknown-ggml-type-offset-past-end.gguf", gguf([arch], [tensor_info("w", [4, 2], 99, 1 << 20)], bytes(32)))
add("gguf-unknown-ggml-type-misaligned.gguf", gguf(
    [arch], [one_f32, tensor_info("u", [4, 2], 99, 36)], bytes(96)))
# Block types added with issue 14: a row not a whole number of blocks, data shorter than the blocks.
IQ2_XXS, NVFP4, Q2_0 = 16, 40, 42
add("gguf-iq2-row-not-block-multiple.gguf", gguf([arch], [tensor_info("w", [128, 2], IQ2_XXS, 0)], bytes(160)))
add("gguf-nvfp4-row-not-block-multiple.gguf", gguf([arch], [tensor_info("w", [32, 2], NVFP4, 0)], bytes(96)))
add("gguf-q2_0-truncated-data.gguf", gguf([arch], [tensor_info("w", [64, 4], Q2_0, 0)], bytes(64)))
add("gguf-too-many-dims.gguf", gguf([arch], [tensor_info("w", [1, 1, 1, 1, 1, 8], F32, 0)], bytes(32)))
add("gguf-shape-overflow.gguf", gguf([arch], [tensor_info("w", [1 << 32, 1 << 32, 1 << 32], F32, 0)], bytes(32)))
add("gguf-dim-past-int64.gguf", gguf([arch], [tensor_info("w", [(1 << 64) - 1, 1], F32, 0)], bytes(32)))
add("gguf-offset-past-end.gguf", gguf([arch], [tensor_info("w", [4, 2], F32, 1 << 20)], bytes(32)))
add("gguf-offset-huge.gguf", gguf([arch], [tensor_info("w", [4, 2], F32, (1 << 63) - 32)], bytes(32)))
add("gguf-misaligned-offset.gguf", gguf([arch], [tensor_info("w", [4, 2], F32, 4)], bytes(64)))
add("gguf-alignment-not-power-of-2.gguf", gguf(
    [arch, kv("general.alignment", GGUF_UINT32, struct.pack("<I", 48))], [one_f32], bytes(32)))
add("gguf-alignment-zero.gguf", gguf(
    [arch, kv("general.alignment", GGUF_UINT32, struct.pack("<I", 0))], [one_f32], bytes(32)))
add("gguf-alignment-wrong-type.gguf", gguf(
    [arch, kv("general.alignment", GGUF_STRING, gstr("32"))], [one_f32], bytes(32)))
add("gguf-overlapping-tensors.gguf", gguf(
    [arch], [tensor_info("a", [16], F32, 0), tensor_info("b", [16], F32, 32)], bytes(96)))
add("gguf-row-not-block-multiple.gguf", gguf([arch], [tensor_info("w", [33, 2], Q4_0, 0)], bytes(64)))
add("gguf-truncated-data.gguf", gguf([arch], [tensor_info("w", [64, 64], F32, 0)], bytes(1000)))
add("gguf-duplicate-tensor.gguf", gguf([arch], [one_f32, one_f32], bytes(64)))
add("gguf-duplicate-key.gguf", gguf([arch, arch], [one_f32], bytes(32)))
add("gguf-tensor-name-past-end.gguf", gguf([arch], [gstr("w", length=1 << 40)]))

# ---------------------------------------------------------------- .npy


def npy(header: str | bytes, data: bytes = b"", version: int = 1, length: int | None = None, magic=b"\x93NUMPY") -> bytes:
    raw = header.encode("latin1") if isinstance(header, str) else header
    size = len(raw) if length is None else length
    prefix = magic + bytes([version, 0]) + (struct.pack("<H", size) if version == 1 else struct.pack("<I", size))
    return prefix + raw + data


def npy_dict(descr="'<f4'", fortran="False", shape="(2, 3)"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape) + " " * 8 + "\n"


add("npy-empty.npy", b"")
add("npy-wrong-magic.npy", npy(npy_dict(), bytes(24), magic=b"\x93NUMPX"))
add("npy-version-9.npy", npy(npy_dict(), bytes(24), version=9))
add("npy-header-length-past-end.npy", npy(npy_dict(), bytes(24), version=2, length=1 << 31))
add("npy-truncated-data.npy", npy(npy_dict(shape="(200, 300)"), bytes(24)))
add("npy-shape-overflow.npy", npy(npy_dict(shape="(4294967296, 4294967296, 4294967296)"), bytes(24)))
add("npy-dimension-too-large.npy", npy(npy_dict(shape="(99999999999999999999999999, 1)"), bytes(24)))
add("npy-garbage-header.npy", npy("this is not a dict at all\n", bytes(24)))
add("npy-unterminated-header.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3", bytes(24)))
add("npy-structured-dtype.npy", npy(npy_dict(descr="[('a', '<f4'), ('b', '<i4')]"), bytes(48)))
add("npy-object-dtype.npy", npy(npy_dict(descr="'|O'"), bytes(48)))
add("npy-missing-shape.npy", npy("{'descr': '<f4', 'fortran_order': False, }\n", bytes(24)))
add("npy-negative-dim.npy", npy(npy_dict(shape="(-1, 3)"), bytes(24)))

# ---------------------------------------------------------------- .npz


def zipped(members: dict[str, bytes], method=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = method
            archive.writestr(info, data)
    return buffer.getvalue()


def npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array)
    return buffer.getvalue()


good = npy_bytes(np.arange(12, dtype=np.float32).reshape(3, 4))
add("npz-not-a-zip.npz", b"PK\x03\x04" + bytes(range(60)))
add("npz-truncated.npz", zipped({"a.npy": good, "b.npy": good})[:150])
add("npz-member-not-npy.npz", zipped({"notes.npy": b"hello, this is text"}))
add("npz-member-truncated.npz", zipped({"a.npy": good[:-20]}, zipfile.ZIP_DEFLATED))
corrupt = bytearray(zipped({"a.npy": good}))
corrupt[corrupt.index(good[-8:])] ^= 0xFF  # flip a data byte: the stored CRC no longer matches
add("npz-bad-crc.npz", bytes(corrupt))
bad_method = bytearray(zipped({"a.npy": good}))
for signature, field in [(b"PK\x03\x04", 8), (b"PK\x01\x02", 10)]:  # local and central headers
    at = bad_method.index(signature)
    bad_method[at + field:at + field + 2] = struct.pack("<H", 12)  # bzip2
add("npz-unsupported-compression.npz", bytes(bad_method))
lying = bytearray(zipped({"a.npy": good}))
for signature, field in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)]:  # uncompressed size fields
    at = lying.index(signature)
    lying[at + field:at + field + 4] = struct.pack("<I", 0xFFFFFFF0)
add("npz-declared-size-lies.npz", bytes(lying))
with warnings.catch_warnings(), zipfile.ZipFile(buffer := io.BytesIO(), "w") as archive:
    warnings.simplefilter("ignore")  # zipfile warns about the duplicate name but writes it
    for _ in range(2):
        archive.writestr(zipfile.ZipInfo("a.npy", date_time=(2024, 1, 1, 0, 0, 0)), good)
add("npz-duplicate-member.npz", buffer.getvalue())


def main():
    for old in HERE.glob("*"):
        if old.is_file() and old.suffix in {".safetensors", ".gguf", ".npy", ".npz"}:
            old.unlink()
    for name, data in sorted(files.items()):
        (HERE / name).write_bytes(data)
    print(f"wrote {len(files)} malformed files to {HERE.name}/")


if __name__ == "__main__":
    main()
