"""Files made by llama.cpp's own tools (`llama-quantize`, `llama-imatrix`), committed under
Tests/Fixtures/llamacpp/ (its README names the llama.cpp commit and the commands;
scripts/make-llamacpp-fixtures made them). CI does not build llama.cpp: it reads those files.

- every tensor of every quantized file decodes (`tscope decode`) to gguf-py's
  `gguf.quants.dequantize` bit for bit, and to the numpy ports of ggml's `dequantize_row_*` for the
  types gguf-py lacks (Q1_0, Q2_0);
- `tscope diff` of the F32 original against the Q4_K_M file (and every other committed file), and
  of the same model as Hugging Face safetensors (q/k rows put back in HF layout by numpy here)
  against them, equal numpy's error between the original and the dequantized values, tensor by tensor;
- `--imatrix` with llama-imatrix's own files (GGUF and legacy .dat) gives `imatrix_sqnr_db` equal
  to a numpy oracle that reads the imatrix itself (gguf-py for the GGUF one, `struct` for the .dat).
"""
import json
import re
import pathlib
import struct
import subprocess

import gguf
import numpy as np
import pytest
from safetensors.numpy import save_file

from conftest import ROOT, run_json, run_tscope, tscope_binary
from gguf_npy_fixtures import Q1_0, Q2_0, dequantize_q1_0, dequantize_q2_0
from test_quant_reference import NF4, reference_codebook

FIXTURES = ROOT / "Tests" / "Fixtures" / "llamacpp"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text())
# Every committed quantized file: llama-quantize's own mixes (Q4_K_M, …) and the three `--pure`
# files with one type per tensor or two (mix-a, mix-b, mix-c).
MADE = {name: entry["file"] for group in ("types", "mixes") for name, entry in MANIFEST[group].items()
        if entry["file"]}
# Types gguf-py has no dequantizer for: ggml type id → (name, the numpy port of ggml's dequantize_row_*).
PORTS = {Q1_0[0]: ("Q1_0", dequantize_q1_0), Q2_0[0]: ("Q2_0", dequantize_q2_0)}

HF_STEMS = {"attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
            "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
            "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}


# The searches of llama.cpp's types run eight sub-blocks at a time in vector lanes by default, or one
# by one as ggml runs them (TSCOPE_GGML_SEARCH=scalar, the path a row's shorter tail takes): both
# must give llama.cpp's bytes.
SEARCHES = ["lanes", "scalar"]


def hf_name(name: str) -> str:
    """The Hugging Face name convert_hf_to_gguf.py maps to this GGUF name (the oracle's own table)."""
    fixed = {"token_embd.weight": "model.embed_tokens.weight", "output_norm.weight": "model.norm.weight",
             "output.weight": "lm_head.weight"}
    if name in fixed:
        return fixed[name]
    _, layer, stem, _ = name.split(".")
    return f"model.layers.{layer}.{HF_STEMS[stem]}.weight"


def unpermute(w: np.ndarray, n_head: int) -> np.ndarray:
    """The inverse of convert_hf_to_gguf.py's `LlamaModel.permute`: GGUF q/k rows back to HF layout."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def field(reader: gguf.GGUFReader, key: str):
    return reader.fields[key].contents()


class Tensor:
    """One tensor of a GGUF file: name, ggml type id, numpy shape and its raw bytes."""

    def __init__(self, name, type_id, shape, data):
        self.name, self.type_id, self.shape, self.data = name, type_id, shape, data

    @property
    def type_name(self) -> str:
        return PORTS[self.type_id][0] if self.type_id in PORTS else gguf.GGMLQuantizationType(self.type_id).name

    @property
    def block(self) -> tuple[int, int]:
        """(elements, bytes) of one block: gguf-py's table, or ggml's for the types it lacks."""
        if self.type_id in PORTS:
            return {Q1_0[0]: Q1_0[2:], Q2_0[0]: Q2_0[2:]}[self.type_id]
        return gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(self.type_id)]

    @property
    def bits_per_weight(self) -> float:
        elements, size = self.block
        return size * 8 / elements


def tensors_of(path: pathlib.Path) -> list:
    """The file's tensors, read by gguf-py's GGUFReader; a file with a type id gguf-py does not know
    (Q2_0, id 42, in gguf 0.19) is read by `read_gguf_tensors` below, a plain reading of the GGUF v3
    layout (gguf-py's `constants.py` names the value types)."""
    try:
        reader = gguf.GGUFReader(path)
    except ValueError:
        return read_gguf_tensors(path)
    return [Tensor(t.name, int(t.tensor_type), tuple(int(n) for n in reversed(t.shape)), np.asarray(t.data))
            for t in reader.tensors]


def read_gguf_tensors(path: pathlib.Path) -> list:
    data = path.read_bytes()
    magic, version, n_tensors, n_kv = struct.unpack_from("<IIQQ", data)
    assert magic == 0x46554747 and version == 3
    at, alignment = 24, 32
    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def string(at):
        (length,) = struct.unpack_from("<Q", data, at)
        return data[at + 8:at + 8 + length].decode(), at + 8 + length

    def skip(kind, at):
        if kind == 8:
            return string(at)[1]
        if kind == 9:
            inner, count = struct.unpack_from("<IQ", data, at)
            at += 12
            for _ in range(count):
                at = skip(inner, at)
            return at
        return at + sizes[kind]

    for _ in range(n_kv):
        key, at = string(at)
        (kind,) = struct.unpack_from("<I", data, at)
        if key == "general.alignment":
            (alignment,) = struct.unpack_from("<I", data, at + 4)
        at = skip(kind, at + 4)
    infos = []
    for _ in range(n_tensors):
        name, at = string(at)
        (dims,) = struct.unpack_from("<I", data, at)
        ne = struct.unpack_from(f"<{dims}Q", data, at + 4)
        type_id, offset = struct.unpack_from("<IQ", data, at + 4 + 8 * dims)
        at += 4 + 8 * dims + 12
        infos.append((name, ne, type_id, offset))
    start = (at + alignment - 1) // alignment * alignment
    out = []
    for name, ne, type_id, offset in infos:
        count = int(np.prod(ne))
        if type_id in PORTS:
            block, size = {Q1_0[0]: Q1_0[2:], Q2_0[0]: Q2_0[2:]}[type_id]
        else:
            block, size = gguf.GGML_QUANT_SIZES[gguf.GGMLQuantizationType(type_id)]
        raw = np.frombuffer(data, dtype=np.uint8, count=count // block * size, offset=start + offset)
        out.append(Tensor(name, type_id, tuple(int(n) for n in reversed(ne)), raw.reshape(-1, size)))
    return out


def values_of(tensor: Tensor) -> np.ndarray:
    """The tensor's values as float32 in numpy order, decoded by gguf-py or a numpy port of ggml."""
    if tensor.type_id == gguf.GGMLQuantizationType.F32:
        return tensor.data.view(np.float32).reshape(tensor.shape) if tensor.data.dtype == np.uint8 else \
            np.asarray(tensor.data, dtype=np.float32).reshape(tensor.shape)
    if tensor.type_id in PORTS:
        return PORTS[tensor.type_id][1](tensor.data.reshape(-1, tensor.data.shape[-1])).reshape(tensor.shape) \
            .astype(np.float32)
    qtype = gguf.GGMLQuantizationType(tensor.type_id)
    return gguf.quants.dequantize(tensor.data, qtype).reshape(tensor.shape).astype(np.float32)


def decode(path: pathlib.Path, name: str) -> np.ndarray:
    result = subprocess.run([tscope_binary(), "decode", str(path), "--tensor", name], capture_output=True,
                            check=True)
    return np.frombuffer(result.stdout, dtype="<f4")


def test_the_fixtures_cover_every_ggml_block_type():
    """What llama-quantize made here covers every block type of issue 14, and what its log said it
    wrote (manifest.json) is what the files hold."""
    seen = set()
    for name, file in MADE.items():
        tensors = tensors_of(FIXTURES / file)
        group = "mixes" if name in MANIFEST["mixes"] else "types"
        assert {t.name: t.type_name for t in tensors} == MANIFEST[group][name]["tensor_types"], name
        seen |= {t.type_name for t in tensors}
    assert {"Q4_K_M", "Q2_K", "IQ2_XXS", "mix-a", "mix-b"} <= set(MADE)
    assert seen == {"F32", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0",
                    "IQ4_NL", "IQ4_XS", "IQ3_S", "IQ3_XXS", "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ1_S", "IQ1_M",
                    "TQ1_0", "TQ2_0", "MXFP4", "NVFP4", "Q1_0", "Q2_0"}, seen


@pytest.mark.parametrize("name", sorted(MADE))
def test_every_tensor_decodes_to_the_reference_bit_for_bit(name):
    path = FIXTURES / MADE[name]
    tensors = tensors_of(path)
    layers = {row["name"]: row for row in run_json("layers", path)}
    assert set(layers) == {t.name for t in tensors}
    for tensor in tensors:
        theirs = values_of(tensor).ravel()
        ours = decode(path, tensor.name)
        assert ours.shape == theirs.shape, tensor.name
        assert np.array_equal(ours.view(np.uint32), theirs.view(np.uint32)), (name, tensor.name, tensor.type_name)


def original() -> tuple[gguf.GGUFReader, dict]:
    path = FIXTURES / "model-f32.gguf"
    return gguf.GGUFReader(path), {t.name: values_of(t) for t in tensors_of(path)}


def error(x: np.ndarray, y: np.ndarray) -> dict:
    x, y = x.astype(np.float64), y.astype(np.float64)
    e = x - y
    signal, noise = float((x * x).sum()), float((e * e).sum())
    return {"mse": noise / x.size, "sqnr_db": 10 * np.log10(signal / noise) if noise > 0 else None,
            "max_abs_err": float(np.abs(e).max()), "rel_l2": float(np.sqrt(noise / signal))}


@pytest.fixture(scope="module")
def hf_model(tmp_path_factory):
    """The F32 original as Hugging Face safetensors: HF names, q_proj/k_proj rows un-permuted."""
    reader, weights = original()
    heads = {"attn_q": int(field(reader, "llama.attention.head_count")),
             "attn_k": int(field(reader, "llama.attention.head_count_kv"))}
    hf = {}
    for name, w in weights.items():
        stem = name.split(".")[-2]
        hf[hf_name(name)] = unpermute(w, heads[stem]) if stem in heads else w
    path = tmp_path_factory.mktemp("llamacpp") / "model.safetensors"
    save_file(hf, str(path))
    return path


@pytest.mark.parametrize("name", sorted(MADE))
@pytest.mark.parametrize("side", ["gguf", "hf"])
def test_diff_against_each_shipped_file_equals_numpy(side, name, hf_model):
    """The error llama-quantize made, tensor by tensor: Q4_K_M (its mix: Q4_K, Q6_K, F32 norms) as
    the issue asks, and every other committed file, so every block type is measured once."""
    shipped_path = FIXTURES / MADE[name]
    shipped = tensors_of(shipped_path)
    _, weights = original()
    source = FIXTURES / "model-f32.gguf" if side == "gguf" else hf_model
    rows = run_json("diff", source, shipped_path)
    assert all(row["reason"] is None for row in rows), [row for row in rows if row["reason"]]
    by_name = {row["shipped_name"]: row for row in rows}
    assert set(by_name) == {t.name for t in shipped}
    types = set()
    for tensor in shipped:
        row = by_name[tensor.name]
        types.add(tensor.type_name)
        assert row["name"] == (tensor.name if side == "gguf" else hf_name(tensor.name))
        assert row["shipped_type"] == tensor.type_name
        assert row["bpw"] == pytest.approx(tensor.bits_per_weight, rel=1e-12)
        assert row["count"] == weights[tensor.name].size
        # Both sides in GGUF row order: the error is the same number whichever order the rows are in,
        # and tscope only gets it if it pairs each HF value with its own shipped value.
        truth = error(weights[tensor.name], values_of(tensor))
        for key in ("mse", "max_abs_err", "rel_l2"):
            assert row[key] == pytest.approx(truth[key], rel=1e-9, abs=1e-300), (tensor.name, key)
        if truth["sqnr_db"] is None:
            assert row["sqnr_db"] is None
        else:
            assert row["sqnr_db"] == pytest.approx(truth["sqnr_db"], rel=1e-9), tensor.name
    if name == "Q4_K_M":
        assert types == {"Q4_K", "Q6_K", "F32"}


@pytest.mark.parametrize("file, name, kind", [("mix-a.gguf", "token_embd.weight", "q4_0"),
                                               ("mix-a.gguf", "output.weight", "q4_1"),
                                               ("mix-b.gguf", "blk.0.attn_v.weight", "q8_0"),
                                               (MADE["Q2_K"], "token_embd.weight", "q2_k"),
                                               (MADE["Q3_K_M"], "token_embd.weight", "q3_k"),
                                               (MADE["Q4_K_M"], "token_embd.weight", "q4_k"),
                                               (MADE["IQ2_XXS"], "output.weight", "q5_k"),
                                               (MADE["Q4_K_M"], "output.weight", "q6_k"),
                                               ("mix-d.gguf", "token_embd.weight", "iq3_xxs"),
                                               ("mix-d.gguf", "output.weight", "iq1_m"),
                                               ("mix-e.gguf", "token_embd.weight", "iq2_s"),
                                               ("mix-e.gguf", "output.weight", "iq3_s"),
                                               ("mix-b.gguf", "blk.0.attn_q.weight", "mxfp4:ggml"),
                                               ("mix-b.gguf", "blk.0.attn_k.weight", "nvfp4:ggml"),
                                               ("mix-a.gguf", "blk.0.ffn_up.weight", "tq1_0"),
                                               ("mix-a.gguf", "blk.0.ffn_down.weight", "tq2_0"),
                                               ("mix-b.gguf", "token_embd.weight", "q1_0"),
                                               ("mix-b.gguf", "output.weight", "q2_0")])
@pytest.mark.parametrize("search", SEARCHES)
def test_ggml_formats_equal_what_llama_quantize_wrote(file, name, kind, search):
    """tscope's llama.cpp formats on the F32 original equal the tensors llama-quantize wrote: these
    have no imatrix entry (token_embd, output) or a type that ignores it (Q8_0), so llama.cpp ran
    `quantize_row_*_ref`, the recipe tscope ports (the K-quants' scale searches included), or for
    the lattice types ggml's `quantize_row_<type>_impl` without weights. Same max error and MSE as
    llama.cpp's values (decoded by gguf-py), and the same code counts as its stored codes."""
    from test_ggml_formats import code_counts
    [shipped] = [t for t in tensors_of(FIXTURES / file) if t.name == name]
    assert format_of(shipped.type_name) == kind
    _, weights = original()
    truth = error(weights[name], values_of(shipped))
    [row] = run_json("quant", FIXTURES / "model-f32.gguf", "--layer", f"^{re.escape(name)}$", "--format", kind,
                     env={"TSCOPE_GGML_SEARCH": search})
    assert row["max_abs_err"] == truth["max_abs_err"]
    assert row["mse"] == pytest.approx(truth["mse"], rel=1e-12)
    packed = shipped.data.reshape(-1).view(np.uint8)
    assert row["code_usage"] == code_counts(packed, kind, weights[name].size, len(row["code_usage"]))


GGML_FORMATS = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS",
                "IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ1_S", "IQ1_M", "MXFP4", "NVFP4", "TQ1_0", "TQ2_0",
                "Q1_0", "Q2_0"}
# ggml makes these only with an imatrix: no plain id, and `diff --made-by` tries them only with one.
IMATRIX_ONLY = {"IQ2_XXS", "IQ2_XS", "IQ1_S"}
# ggml makes these from their reference whether or not an imatrix is given.
NO_IMATRIX_PATH = {"Q8_0", "MXFP4", "NVFP4", "TQ1_0", "TQ2_0", "Q1_0", "Q2_0"}


def format_of(type_name: str) -> str:
    """tscope's format id of a ggml type: its name in lower case, but `mxfp4:ggml` and `nvfp4:ggml`
    (the plain ids are the OCP and NVIDIA formats)."""
    return type_name.lower() + (":ggml" if type_name in ("MXFP4", "NVFP4") else "")


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize("file", sorted({entry for entry in MADE.values()}))
def test_imatrix_formats_equal_every_tensor_llama_quantize_wrote(file, search):
    """`TYPE:imatrix` with llama-imatrix's GGUF quantizes as `llama-quantize --imatrix` did: every
    tensor of a llama.cpp type tscope offers, in every committed file — the K-quants, Q4_0…Q5_1, IQ4
    and the lattice types from the imatrix path (quantize_row_*_impl), token_embd and output (no
    imatrix entry) and Q8_0 (none) from the reference path (or ggml's path without weights). Same max
    error, MSE and stored codes as llama.cpp's."""
    from test_ggml_formats import code_counts
    _, weights = original()
    by_type = {}
    for tensor in tensors_of(FIXTURES / file):
        if tensor.type_name in GGML_FORMATS:
            by_type.setdefault(tensor.type_name, []).append(tensor)
    if not by_type:
        pytest.skip(f"{file} holds none of the types tscope offers")
    for type_name, shipped in by_type.items():
        kind = format_of(type_name)
        pattern = "^(" + "|".join(re.escape(t.name) for t in shipped) + ")$"
        rows = {r["name"]: r for r in run_json("quant", FIXTURES / "model-f32.gguf", "--layer", pattern, "--format",
                                               f"{kind}:imatrix", "--imatrix", FIXTURES / "imatrix.gguf",
                                               env={"TSCOPE_GGML_SEARCH": search})}
        for tensor in shipped:
            truth = error(weights[tensor.name], values_of(tensor))
            row = rows[tensor.name]
            assert row["format"] == f"{kind}:imatrix"
            assert row["max_abs_err"] == truth["max_abs_err"], (file, tensor.name)
            assert row["mse"] == pytest.approx(truth["mse"], rel=1e-12), (file, tensor.name)
            packed = tensor.data.reshape(-1).view(np.uint8)
            assert row["code_usage"] == code_counts(packed, kind, weights[tensor.name].size,
                                                    len(row["code_usage"])), (file, tensor.name)


def test_report_runs_the_imatrix_path_as_quant_does(tmp_path):
    """`report` resolves `TYPE:imatrix` with each tensor's imatrix entry as `quant` does: the same
    rows (a tensor without an entry on the reference path); without --imatrix it is refused."""
    imatrix = FIXTURES / "imatrix.gguf"
    formats = ["--format", "q4_k:imatrix", "--format", "iq4_xs:imatrix"]
    quant = {(r["name"], r["format"]): r for r in run_json("quant", FIXTURES / "model-f32.gguf", "--layer", ".",
                                                          *formats, "--imatrix", imatrix)}
    out = tmp_path / "report.json"
    run_tscope("report", FIXTURES / "model-f32.gguf", *formats, "--imatrix", imatrix, "--out", out)
    rows = json.loads(out.read_text())["rows"]
    assert {(r["name"], r["format"]) for r in rows} == set(quant)
    for row in rows:
        twin = quant[(row["name"], row["format"])]
        for key in ("mse", "sqnr_db", "max_abs_err", "imatrix_sqnr_db"):
            assert row[key] == twin[key], (row["name"], row["format"], key)
    refused = run_tscope("report", FIXTURES / "model-f32.gguf", *formats, check=False)
    assert refused.returncode == 2 and "--imatrix FILE" in refused.stderr


def test_imatrix_formats_need_an_imatrix():
    """Without --imatrix, `TYPE:imatrix` is refused with one line (exit 2); on a format that is not
    a llama.cpp type, too; and a type ggml makes only with an imatrix (IQ2_XXS, IQ2_XS, IQ1_S) has
    no plain id."""
    for format_id, words in (("q4_k:imatrix", "--imatrix FILE"), ("nf4:imatrix", "only llama.cpp's types"),
                             ("iq2_xxs", "'iq2_xxs:imatrix'"), ("iq1_s", "only with an importance matrix")):
        result = run_tscope("quant", FIXTURES / "model-f32.gguf", "--layer", "attn_q", "--format", format_id,
                            check=False)
        assert result.returncode == 2 and result.stdout == ""
        [line] = result.stderr.splitlines()
        assert words in line and format_id in line


def test_the_explorer_picks_the_imatrix_path():
    """In the explorer, the picker lists `imatrix` under Q4_K; picked with Q4_K on attn_q, its row
    shows what `quant` measures (SQNR and imatrix-weighted SQNR to the table's two decimals); without
    --imatrix, the row says to give one."""
    # From the list's end (SF4(auto), Lloyd16, Q2_0, Q1_0, TQ2_0, TQ1_0, NVFP4 ggml, MXFP4 ggml, the
    # lattice types' eleven forms from IQ1_M imatrix up to IQ2_XXS imatrix, then IQ4_XS, IQ4_NL, Q6_K,
    # Q5_K each with its imatrix form): up 27 to Q4_K imatrix, then Q4_K.
    picker = "f" + "j" * 140 + "k" * 27 + "<space>k<space><enter>"
    keys = "j<right>jj" + picker  # blk.0 → attn_q
    imatrix = FIXTURES / "imatrix.gguf"
    screen = run_tscope("snapshot", FIXTURES / "model-f32.gguf", "--imatrix", imatrix, "--size", "120x40",
                        "--keys", keys).stdout
    assert "blk.0.attn_q.weight" in screen
    rows = {r["format"]: r for r in run_json("quant", FIXTURES / "model-f32.gguf", "--layer", "attn_q", "--format",
                                             "q4_k", "--format", "q4_k:imatrix", "--imatrix", imatrix)}
    for name, format_id in (("Q4_K imatrix", "q4_k:imatrix"), ("Q4_K ", "q4_k")):
        [line] = [line for line in screen.splitlines() if re.search(r"[●○]" + re.escape(name) + r"\s+\d", line)]
        numbers = re.findall(r"-?\d+\.\d+", line.split(name, 1)[1])
        assert f"{rows[format_id]['sqnr_db']:.2f}" in numbers, (line, rows[format_id]["sqnr_db"])
        assert f"{rows[format_id]['imatrix_sqnr_db']:.2f}" in numbers, (line, rows[format_id]["imatrix_sqnr_db"])
    assert rows["q4_k:imatrix"]["mse"] != rows["q4_k"]["mse"]
    without = run_tscope("snapshot", FIXTURES / "model-f32.gguf", "--size", "120x40", "--keys", keys).stdout
    [line] = [line for line in without.splitlines() if "Q4_K imatrix format" in line]
    assert "--imatrix" in line or "quantizes as llama-quantize" in line


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize("kind", ["q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "iq4_nl", "iq4_xs"])
def test_k_quants_equal_llama_quantize_on_edge_super_blocks(kind, search):
    """kquant-edge-TYPE.gguf (scripts/make-kquant-edge-fixtures): llama-quantize --pure, no imatrix,
    on super-blocks built to reach the searches' rare paths — zero and constant super-blocks and
    sub-blocks, scales below FP16's subnormals, sub-block scales that round to 0, one-sided data,
    exact ties, an outlier, large values. Every tensor, each holding one magnitude class so its MSE
    weighs every super-block: the same max error, MSE and stored codes as llama.cpp's."""
    from test_ggml_formats import code_counts
    original = {t.name: values_of(t) for t in tensors_of(FIXTURES / "kquant-edge-f16.gguf")}
    rows = {r["name"]: r for r in run_json("quant", FIXTURES / "kquant-edge-f16.gguf", "--layer", ".",
                                           "--format", kind, env={"TSCOPE_GGML_SEARCH": search})}
    shipped = [t for t in tensors_of(FIXTURES / f"kquant-edge-{kind.upper()}.gguf") if t.type_name != "F32"]
    assert len(shipped) == 9 and {t.type_name for t in shipped} == {kind.upper()}
    for tensor in shipped:
        truth = error(original[tensor.name], values_of(tensor))
        row = rows[tensor.name]
        assert row["max_abs_err"] == truth["max_abs_err"], tensor.name
        assert row["mse"] == pytest.approx(truth["mse"], rel=1e-12), tensor.name
        packed = tensor.data.reshape(-1).view(np.uint8)
        assert row["code_usage"] == code_counts(packed, kind, original[tensor.name].size,
                                                len(row["code_usage"])), tensor.name


def imatrix_entries() -> set:
    """The weights llama-imatrix wrote an entry for (gguf-py's reading of the GGUF imatrix)."""
    return {t.name.removesuffix(".in_sum2") for t in gguf.GGUFReader(FIXTURES / "imatrix.gguf").tensors
            if t.name.endswith(".in_sum2")}


@pytest.mark.parametrize("chunk", [None, 700])
@pytest.mark.parametrize("side", ["gguf", "hf"])
def test_diff_tells_how_each_tensor_was_made(hf_model, side, chunk):
    """`diff --made-by --imatrix`: every tensor of a type tscope makes, in every committed file,
    is named as llama-quantize made it — its imatrix path where imatrix.gguf has an entry for the
    tensor (but Q8_0, which has none), its reference path elsewhere; other types and F32 say why they
    were not tried.
    From the HF original too (q/k rows permuted back). Without --imatrix, the imatrix-made tensors
    are "not the reference path"; against slightly changed weights, "neither path". Also with the
    original quantized two rows of 256 at a time (TSCOPE_MADE_BY_CHUNK=700), as a 70B tensor is in
    chunks of 4M elements."""
    env = {"TSCOPE_MADE_BY_CHUNK": str(chunk)} if chunk else None
    entries = imatrix_entries()
    source = FIXTURES / "model-f32.gguf" if side == "gguf" else hf_model
    offered = GGML_FORMATS
    checked = 0
    for file in sorted(set(MADE.values())):
        types = {t.name: t.type_name for t in tensors_of(FIXTURES / file)}
        rows = run_json("diff", source, FIXTURES / file, "--made-by", "--imatrix", FIXTURES / "imatrix.gguf",
                        env=env)
        plain = {r["shipped_name"]: r for r in run_json("diff", source, FIXTURES / file, "--made-by", env=env)}
        for row in rows:
            name, type_name = row["shipped_name"], types[row["shipped_name"]]
            if type_name not in offered:  # not tried, and the row says why
                why = "is not a llama.cpp quantized type" if type_name == "F32" else "tscope does not make"
                assert row["made_by"].startswith("unknown: ") and type_name in row["made_by"], (file, name)
                assert why in row["made_by"], (file, name)
                continue
            checked += 1
            by_imatrix = name in entries and type_name not in NO_IMATRIX_PATH
            assert row["made_by"] == ("llama-quantize --imatrix" if by_imatrix else "llama-quantize"), (file, name)
            if type_name in IMATRIX_ONLY:
                assert plain[name]["made_by"] == f"unknown: tscope makes {type_name} only with an imatrix (--imatrix)"
            else:
                assert plain[name]["made_by"] == ("not the reference path" if by_imatrix else "llama-quantize")
    assert checked >= 95  # the fixtures hold 99 such tensors


def test_diff_made_by_tells_other_weights_apart(tmp_path):
    """The same file against weights 0.1% larger: "neither path" for every tensor of a type tscope
    makes (a one-ulp nudge of one element would not do: it rarely moves a quantized value)."""
    _, weights = original()
    changed = tmp_path / "changed.gguf"
    writer = gguf.GGUFWriter(str(changed), "llama")
    for name, w in weights.items():
        writer.add_tensor(name, (w * np.float32(1.001)).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    rows = run_json("diff", changed, FIXTURES / MADE["Q4_K_M"], "--made-by", "--imatrix", FIXTURES / "imatrix.gguf")
    made = [r["made_by"] for r in rows if r["shipped_type"] in ("Q4_K", "Q6_K")]
    assert len(made) == 9 and set(made) == {"neither path"}, made


def test_diff_imatrix_needs_made_by():
    result = run_tscope("diff", FIXTURES / "model-f32.gguf", FIXTURES / MADE["Q4_K_M"], "--imatrix",
                        FIXTURES / "imatrix.gguf", check=False)
    assert result.returncode == 2 and result.stdout == "" and "--made-by" in result.stderr


def test_diff_says_when_the_two_models_look_swapped():
    """ORIGINAL first: given the Q4_K_M file first and the F32 one second, diff still measures as
    told (exit 0) but says on stderr that the original holds the quantized types (read with
    gguf-py) and the shipped none; in the right order, and between two quantized files, it says
    nothing."""
    shipped_path = FIXTURES / MADE["Q4_K_M"]
    quantized = {t.type_name for t in tensors_of(shipped_path)} - {"F32", "F16"}
    swapped = run_tscope("diff", shipped_path, FIXTURES / "model-f32.gguf")
    assert swapped.returncode == 0 and swapped.stdout
    [line] = swapped.stderr.splitlines()
    assert "may be swapped" in line and str(shipped_path) in line
    named = re.search(r"holds quantized tensors \(([^)]*)\)", line).group(1).split(", ")
    assert set(named) == quantized
    assert run_tscope("diff", FIXTURES / "model-f32.gguf", shipped_path).stderr == ""
    assert run_tscope("diff", FIXTURES / "mix-a.gguf", FIXTURES / "mix-b.gguf").stderr == ""


def importance_from_gguf(path: pathlib.Path) -> dict:
    """gguf-py's reading of llama-imatrix's GGUF: a_j = in_sum2 / counts per expert row."""
    reader = gguf.GGUFReader(path)
    assert field(reader, "general.type") == "imatrix"
    tensors = {t.name: np.asarray(t.data, dtype=np.float32).reshape(tuple(int(n) for n in reversed(t.shape)))
               for t in reader.tensors}
    out = {}
    for name, sums in tensors.items():
        if name.endswith(".in_sum2"):
            weight = name.removesuffix(".in_sum2")
            counts = tensors[weight + ".counts"]
            out[weight] = np.where(counts > 0, sums / np.where(counts > 0, counts, 1), 0)
    return out


def importance_from_dat(path: pathlib.Path) -> dict:
    """The legacy .dat (save_imatrix_legacy): per entry name, ncall, nval floats of E[x²]·ncall."""
    data = path.read_bytes()
    (entries,), at, out = struct.unpack_from("<i", data), 4, {}
    for _ in range(entries):
        (length,) = struct.unpack_from("<i", data, at)
        name = data[at + 4:at + 4 + length].decode()
        ncall, nval = struct.unpack_from("<ii", data, at + 4 + length)
        at += 12 + length
        values = np.frombuffer(data, dtype="<f4", count=nval, offset=at)
        at += 4 * nval
        out[name] = (values / np.float32(ncall)).reshape(1, -1)
    return out


def oracle(weight: np.ndarray, importance: np.ndarray, values, group: int) -> float:
    x_hat, _ = reference_codebook(weight, values, group)
    e = weight.astype(np.float64) - x_hat.astype(np.float64)
    a = importance.astype(np.float64)
    return 10 * np.log10(np.sum(a * weight.astype(np.float64) ** 2) / np.sum(a * e ** 2))


@pytest.mark.parametrize("imatrix", ["gguf", "dat"])
@pytest.mark.parametrize("side", ["gguf", "hf"])
def test_imatrix_sqnr_from_llama_imatrix_files_equals_numpy(imatrix, side, hf_model):
    path = FIXTURES / f"imatrix.{imatrix}"
    importance = importance_from_gguf(path) if imatrix == "gguf" else importance_from_dat(path)
    _, weights = original()
    # llama-imatrix saw every linear layer of the block (not token_embd: a lookup; not output
    # without --process-output).
    assert {name.split(".")[-2] for name in importance} == {"attn_q", "attn_k", "attn_v", "attn_output",
                                                           "ffn_gate", "ffn_up", "ffn_down"}
    model = FIXTURES / "model-f32.gguf" if side == "gguf" else hf_model
    rows = run_json("quant", model, "--layer", ".", "--group", 32, "--format", "int4", "--format", "nf4",
                    "--imatrix", path)
    gguf_names = {(name if side == "gguf" else hf_name(name)): name for name in weights}
    assert {row["name"] for row in rows} == set(gguf_names)
    covered = 0
    for row in rows:
        gguf_name = gguf_names[row["name"]]
        if gguf_name not in importance:
            assert row["imatrix_sqnr_db"] is None and "not in the imatrix" in row["reason"], row
            continue
        # GGUF row order: the converter's q/k permutation moves rows, not the columns the
        # importance weighs, so the weighted sums are those of the HF layout too.
        weight = weights[gguf_name]
        expected = oracle(weight, importance[gguf_name], {"int4": None, "nf4": NF4}[row["format"]], 32)
        assert row["imatrix_sqnr_db"] == pytest.approx(expected, rel=1e-9), row
        assert abs(row["imatrix_sqnr_db"] - row["sqnr_db"]) > 1e-4  # the weighting matters here
        covered += 1
    assert covered == 2 * len(importance)


def test_lattice_types_cost_ggml_block_sizes_and_need_an_imatrix_entry():
    """The lattice types' bits per weight are ggml's block sizes (gguf-py's GGML_QUANT_SIZES:
    IQ2_XXS 2.0625 … IQ1_S 1.5625). An imatrix-only type on a tensor the imatrix has no entry for
    (token_embd) is listed with the reason and no numbers, not dropped, while the other tensors
    are measured."""
    formats = [f"{t.lower()}:imatrix" if t in IMATRIX_ONLY else t.lower()
               for t in ("IQ2_XXS", "IQ2_XS", "IQ2_S", "IQ3_XXS", "IQ3_S", "IQ1_S", "IQ1_M")]
    args = [a for f in formats for a in ("--format", f)]
    rows = run_json("quant", FIXTURES / "model-f32.gguf", "--layer", "token_embd|attn_q", *args,
                    "--imatrix", FIXTURES / "imatrix.gguf")
    for row in rows:
        kind = row["format"].split(":")[0].upper()
        elements, size = gguf.GGML_QUANT_SIZES[getattr(gguf.GGMLQuantizationType, kind)]
        if row["name"] == "token_embd.weight" and kind in IMATRIX_ONLY:
            assert row["sqnr_db"] is None and "has no entry for this tensor" in row["reason"], row
        else:
            assert row["bpw"] == size * 8 / elements and row["sqnr_db"] > 0, row
    assert len(rows) == 14
