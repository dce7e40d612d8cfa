"""Importance-weighted error (`--imatrix`) against a numpy oracle.

The imatrix files are written here by gguf-py (GGUF, `general.type = "imatrix"`) and by `struct`
(the legacy .dat), following the layouts of llama.cpp's `tools/imatrix/imatrix.cpp`
(`save_imatrix`, `save_imatrix_legacy`): GGUF keeps Σx² per column (`NAME.in_sum2`, ne =
[columns, experts]) and the token count per expert (`NAME.counts`, ne = [1, experts]); the .dat
keeps E[x²]·ncall. The model is written twice: as GGUF with llama.cpp's names and as Hugging Face
safetensors with the names `convert_hf_to_gguf.py` maps from, MoE experts one tensor each.
The oracle rounds with the numpy reference of test_quant_reference.py and weighs each squared
error by its column's E[x²].
"""
import json
import struct

import gguf
import numpy as np
import pytest
from safetensors.numpy import save_file

from conftest import run_json, run_tscope
from test_quant_reference import NF4, reference_codebook

LAYERS = 2
HIDDEN = 64
FFN = 96
EXPERTS = 4
EXPERT_FFN = 32
GROUP = 32
FORMATS = {"int4": None, "nf4": NF4}

# (GGUF stem, HF stem, rows, columns) per layer.
LINEAR = [
    ("attn_q", "self_attn.q_proj", HIDDEN, HIDDEN),
    ("attn_k", "self_attn.k_proj", HIDDEN // 2, HIDDEN),
    ("attn_v", "self_attn.v_proj", HIDDEN // 2, HIDDEN),
    ("attn_output", "self_attn.o_proj", HIDDEN, HIDDEN),
    ("ffn_gate", "mlp.gate_proj", FFN, HIDDEN),
    ("ffn_up", "mlp.up_proj", FFN, HIDDEN),
    ("ffn_down", "mlp.down_proj", HIDDEN, FFN),
]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """The same weights as GGUF and as HF safetensors, and imatrix files in both formats."""
    out = tmp_path_factory.mktemp("imatrix")
    rng = np.random.default_rng(13)
    gguf_tensors, hf_tensors, sums, counts = {}, {}, {}, {}
    gguf_tensors["token_embd.weight"] = hf_tensors["model.embed_tokens.weight"] = (
        rng.standard_t(5, (100, HIDDEN)).astype(np.float32) * 0.02)
    for layer in range(LAYERS):
        norm = (1 + 0.1 * rng.standard_normal(HIDDEN)).astype(np.float32)
        gguf_tensors[f"blk.{layer}.attn_norm.weight"] = hf_tensors[f"model.layers.{layer}.input_layernorm.weight"] = norm
        for gguf_stem, hf_stem, rows, columns in LINEAR:
            weight = rng.standard_t(4, (rows, columns)).astype(np.float32) * 0.05
            name = f"blk.{layer}.{gguf_stem}.weight"
            gguf_tensors[name] = hf_tensors[f"model.layers.{layer}.{hf_stem}.weight"] = weight
            tokens = 512 + 64 * layer
            # Σx² over `tokens` tokens of inputs whose scale varies a lot across columns.
            sums[name] = (tokens * rng.lognormal(0, 1.5, (1, columns))).astype(np.float32)
            counts[name] = np.array([[tokens]], dtype=np.float32)
    # One merged expert tensor [experts, rows, columns]; expert 2 saw no token.
    experts = rng.standard_t(4, (EXPERTS, EXPERT_FFN, HIDDEN)).astype(np.float32) * 0.05
    gguf_tensors["blk.0.ffn_gate_exps.weight"] = experts
    for expert in range(EXPERTS):
        hf_tensors[f"model.layers.0.block_sparse_moe.experts.{expert}.w1.weight"] = experts[expert].copy()
    expert_counts = np.array([[100], [37], [0], [250]], dtype=np.float32)
    sums["blk.0.ffn_gate_exps.weight"] = (expert_counts * rng.lognormal(0, 1, (EXPERTS, HIDDEN))).astype(np.float32)
    counts["blk.0.ffn_gate_exps.weight"] = expert_counts
    gguf_tensors["output_norm.weight"] = hf_tensors["model.norm.weight"] = np.ones(HIDDEN, dtype=np.float32)

    writer = gguf.GGUFWriter(str(out / "model.gguf"), "llama")
    for name, array in gguf_tensors.items():
        writer.add_tensor(name, array)
    finish(writer)
    save_file(hf_tensors, str(out / "model.safetensors"))

    writer = gguf.GGUFWriter(str(out / "imatrix.gguf"), "llama")
    writer.add_type(gguf.GGUFType.IMATRIX)
    writer.add_array("imatrix.datasets", ["calibration.txt"])
    writer.add_uint32("imatrix.chunk_count", 4)
    writer.add_uint32("imatrix.chunk_size", 512)
    for name in sums:
        writer.add_tensor(name + ".in_sum", (sums[name] * 0.01).astype(np.float32))
        writer.add_tensor(name + ".in_sum2", sums[name])
        writer.add_tensor(name + ".counts", counts[name])
    finish(writer)

    # Legacy: E[x²]·ncall per value, experts one after another (save_imatrix_legacy; an expert
    # without tokens is stored as 1·ncall).
    chunk = 512
    legacy = {}
    with open(out / "imatrix.dat", "wb") as handle:
        handle.write(struct.pack("<i", len(sums)))
        for name in sorted(sums):
            ncall = int((counts[name].max() + chunk - 1) // chunk)
            safe = np.where(counts[name] > 0, counts[name], 1)
            values = np.where(counts[name] > 0, sums[name] / safe, 1).astype(np.float32) * np.float32(ncall)
            values = values.astype(np.float32).ravel()
            legacy[name] = (values / np.float32(ncall)).reshape(sums[name].shape)
            encoded = name.encode()
            handle.write(struct.pack("<i", len(encoded)) + encoded + struct.pack("<ii", ncall, values.size))
            handle.write(values.tobytes())
        handle.write(struct.pack("<i", 4) + struct.pack("<i", 15) + b"calibration.txt")

    # The importance the GGUF file gives: in_sum2 / counts, 0 for an expert without tokens.
    from_gguf = {name: np.where(counts[name] > 0, sums[name] / np.where(counts[name] > 0, counts[name], 1), 0)
                 for name in sums}
    return {"dir": out, "gguf": gguf_tensors, "hf": hf_tensors,
            "importance": {"gguf": from_gguf, "dat": legacy}}


def finish(writer):
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def hf_to_gguf(name):
    """The GGUF name and expert of an HF name in the test model (the oracle's own table)."""
    if name.startswith("model.layers.0.block_sparse_moe.experts."):
        return "blk.0.ffn_gate_exps.weight", int(name.split(".")[5])
    for gguf_stem, hf_stem, _, _ in LINEAR:
        for layer in range(LAYERS):
            if name == f"model.layers.{layer}.{hf_stem}.weight":
                return f"blk.{layer}.{gguf_stem}.weight", None
    return None, None


def oracle(weight, importance, format_id):
    """10·log10(Σ a_j w² / Σ a_j (w − ŵ)²) in float64, each row with its expert's importance."""
    rows = weight.reshape(-1, weight.shape[-1])
    x_hat, _ = reference_codebook(rows, FORMATS[format_id], GROUP)
    per_row = np.repeat(importance, rows.shape[0] // importance.shape[0], axis=0).astype(np.float64)
    error = rows.astype(np.float64) - x_hat.astype(np.float64)
    return 10 * np.log10(np.sum(per_row * rows.astype(np.float64) ** 2) / np.sum(per_row * error ** 2))


@pytest.mark.parametrize("imatrix", ["gguf", "dat"])
@pytest.mark.parametrize("model", ["gguf", "hf"])
def test_imatrix_sqnr_matches_numpy(models, model, imatrix):
    path = models["dir"] / ("model.gguf" if model == "gguf" else "model.safetensors")
    args = ["quant", path, "--layer", ".", "--group", GROUP, "--imatrix", models["dir"] / f"imatrix.{imatrix}"]
    for format_id in FORMATS:
        args += ["--format", format_id]
    rows = run_json(*args)
    tensors = models[model]
    assert {row["name"] for row in rows} == set(tensors)
    covered = 0
    for row in rows:
        assert "imatrix_sqnr_db" in row
        gguf_name, expert = (row["name"], None) if model == "gguf" else hf_to_gguf(row["name"])
        importance = models["importance"][imatrix].get(gguf_name)
        if importance is None:
            assert row["mse"] is not None
            assert row["imatrix_sqnr_db"] is None and "not in the imatrix" in row["reason"], row
            continue
        covered += 1
        if expert is not None:
            importance = importance[expert:expert + 1]
            if not importance.any():  # an expert no token reached (GGUF counts 0)
                assert row["imatrix_sqnr_db"] is None and "no calibration token" in row["reason"], row
                continue
        expected = oracle(tensors[row["name"]], importance, row["format"])
        assert row["imatrix_sqnr_db"] == pytest.approx(expected, rel=1e-9, abs=1e-9), row
        # The weighting matters here (a legacy file weighs the idle expert uniformly: no change).
        if np.ptp(importance) > 0:
            assert abs(row["imatrix_sqnr_db"] - row["sqnr_db"]) > 1e-3
    expected_covered = (LAYERS * len(LINEAR) + (1 if model == "gguf" else EXPERTS)) * len(FORMATS)
    assert covered == expected_covered


def test_report_writes_the_column_in_every_format(models, tmp_path):
    model = models["dir"] / "model.safetensors"
    imatrix = models["dir"] / "imatrix.gguf"
    for suffix in ("csv", "json", "md"):
        run_tscope("report", model, "--format", "nf4", "--group", GROUP, "--imatrix", imatrix,
                   "--out", tmp_path / f"r.{suffix}")
    rows = json.loads((tmp_path / "r.json").read_text())["rows"]
    csv_lines = (tmp_path / "r.csv").read_text().splitlines()
    header = csv_lines[0].split(",")
    assert header[-2:] == ["imatrix_sqnr_db", "reason"]
    by_name = {row["name"]: row for row in rows}
    q = by_name["model.layers.1.self_attn.q_proj.weight"]
    expected = oracle(models["hf"][q["name"]], models["importance"]["gguf"]["blk.1.attn_q.weight"], "nf4")
    assert q["imatrix_sqnr_db"] == pytest.approx(expected, rel=1e-9)
    assert by_name["model.norm.weight"]["imatrix_sqnr_db"] is None
    assert "imatrix_sqnr_db" in (tmp_path / "r.md").read_text()
    # Without --imatrix the columns stay as they were.
    run_tscope("report", model, "--format", "nf4", "--out", tmp_path / "plain.csv")
    assert "imatrix" not in (tmp_path / "plain.csv").read_text().splitlines()[0]


def test_a_row_length_the_imatrix_disagrees_with_is_one_line_and_status_2(models, tmp_path):
    writer = gguf.GGUFWriter(str(tmp_path / "short.gguf"), "llama")
    writer.add_type(gguf.GGUFType.IMATRIX)
    writer.add_tensor("blk.0.attn_q.weight.in_sum2", np.ones((1, HIDDEN - 8), dtype=np.float32))
    writer.add_tensor("blk.0.attn_q.weight.counts", np.ones((1, 1), dtype=np.float32))
    finish(writer)
    for model in ("model.gguf", "model.safetensors"):
        result = run_tscope("quant", models["dir"] / model, "--layer", "attn_q|q_proj", "--format", "nf4",
                            "--imatrix", tmp_path / "short.gguf", check=False)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "blk.0.attn_q.weight" in lines[0] and str(HIDDEN - 8) in lines[0], lines


def test_a_file_that_is_no_imatrix_is_one_line_and_status_2(models, tmp_path):
    (tmp_path / "junk.dat").write_bytes(b"\x05\x00\x00\x00abc")
    for bad in (models["dir"] / "model.gguf", tmp_path / "junk.dat", tmp_path / "missing.dat"):
        result = run_tscope("quant", models["dir"] / "model.gguf", "--layer", "attn_q", "--format", "nf4",
                            "--imatrix", bad, check=False)
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_explorer_error_table_shows_the_weighted_sqnr(tmp_path):
    rng = np.random.default_rng(5)
    weight = (rng.standard_t(4, (64, 256)) * 0.05).astype(np.float32)
    writer = gguf.GGUFWriter(str(tmp_path / "m.gguf"), "llama")
    writer.add_tensor("blk.0.attn_q.weight", weight)
    finish(writer)
    importance = rng.lognormal(0, 1.5, (1, 256)).astype(np.float32)
    writer = gguf.GGUFWriter(str(tmp_path / "imatrix.gguf"), "llama")
    writer.add_type(gguf.GGUFType.IMATRIX)
    writer.add_tensor("blk.0.attn_q.weight.in_sum2", (importance * 300).astype(np.float32))
    writer.add_tensor("blk.0.attn_q.weight.counts", np.array([[300]], dtype=np.float32))
    finish(writer)
    screen = run_tscope("snapshot", tmp_path / "m.gguf", "--imatrix", tmp_path / "imatrix.gguf",
                        "--size", "110x30", "--ascii").stdout
    lines = screen.splitlines()
    header = next(line for line in lines if "imat dB" in line)
    assert header.split("|")[-2].split()[-2:] == ["imat", "dB"]
    expected = {"INT4": oracle_at(weight, importance, "int4", 128),
                "NF4": oracle_at(weight, importance, "nf4", 128)}
    for name, value in expected.items():
        row = next(line for line in lines if f"{name} " in line and "e-" in line)
        assert row.split("|")[-2].split()[-1] == f"{value:.2f}", row
    # Without --imatrix the table keeps its columns.
    plain = run_tscope("snapshot", tmp_path / "m.gguf", "--size", "110x30", "--ascii").stdout
    assert "imat" not in plain


def oracle_at(weight, importance, format_id, group):
    x_hat, _ = reference_codebook(weight, FORMATS[format_id], group)
    error = weight.astype(np.float64) - x_hat.astype(np.float64)
    a = importance.astype(np.float64)
    return 10 * np.log10(np.sum(a * weight.astype(np.float64) ** 2) / np.sum(a * error ** 2))


def test_merged_shards_keep_the_column(models, tmp_path):
    model = models["dir"] / "model.gguf"
    for shard in (1, 2):
        run_tscope("report", model, "--format", "nf4", "--imatrix", models["dir"] / "imatrix.dat",
                   "--shard", f"{shard}/2", "--out", tmp_path / f"part{shard}.json")
    run_tscope("report", model, "--format", "nf4", "--imatrix", models["dir"] / "imatrix.dat",
               "--out", tmp_path / "whole.csv")
    run_tscope("merge", tmp_path / "part1.json", tmp_path / "part2.json", "--out", tmp_path / "merged.csv")
    assert (tmp_path / "merged.csv").read_text() == (tmp_path / "whole.csv").read_text()
