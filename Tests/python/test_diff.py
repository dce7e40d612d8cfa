"""`tscope diff ORIGINAL SHIPPED` against numpy: the error of gguf-py's dequantized values (and a
compressed-tensors writer's) against the original weights, tensor by tensor.

The GGUF is written the way llama.cpp's convert_hf_to_gguf.py writes a LLaMA model: names by
gguf-py's tensor map, q_proj/k_proj rows permuted by `LlamaModel.permute`, blocks quantized by
gguf-py's own `gguf.quants.quantize` (it quantizes Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 itself).
"""
import json

import gguf
import numpy as np
import pytest
from safetensors.numpy import save_file

import quantized_checkpoint_writers as writers
from conftest import run_json, run_tscope

Q = gguf.GGMLQuantizationType
LAYERS, HIDDEN, HEADS, KV_HEADS, INTERMEDIATE, VOCAB = 2, 64, 4, 2, 128, 64
HEAD_DIM = HIDDEN // HEADS

# HF stem → (GGUF stem, shape, shipped type).
LAYER_TENSORS = {
    "input_layernorm": ("attn_norm", (HIDDEN,), Q.F32),
    "self_attn.q_proj": ("attn_q", (HIDDEN, HIDDEN), Q.Q8_0),
    "self_attn.k_proj": ("attn_k", (KV_HEADS * HEAD_DIM, HIDDEN), Q.Q4_0),
    "self_attn.v_proj": ("attn_v", (KV_HEADS * HEAD_DIM, HIDDEN), Q.Q5_1),
    "self_attn.o_proj": ("attn_output", (HIDDEN, HIDDEN), Q.Q4_1),
    "post_attention_layernorm": ("ffn_norm", (HIDDEN,), Q.F32),
    "mlp.gate_proj": ("ffn_gate", (INTERMEDIATE, HIDDEN), Q.Q8_0),
    "mlp.up_proj": ("ffn_up", (INTERMEDIATE, HIDDEN), Q.Q4_0),
    "mlp.down_proj": ("ffn_down", (HIDDEN, INTERMEDIATE), Q.Q5_0),
}
MODEL_TENSORS = {
    "model.embed_tokens.weight": ("token_embd.weight", (VOCAB, HIDDEN), Q.F16),
    "model.norm.weight": ("output_norm.weight", (HIDDEN,), Q.F32),
    "lm_head.weight": ("output.weight", (VOCAB, HIDDEN), Q.Q8_0),
}


def permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """convert_hf_to_gguf.py `LlamaModel.permute` (n_head already the kv count for k_proj)."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def unpermute(w: np.ndarray, n_head: int) -> np.ndarray:
    """Its inverse: GGUF rows back to the Hugging Face layout."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def heads_of(hf_name: str):
    if ".q_proj." in hf_name:
        return HEADS
    if ".k_proj." in hf_name:
        return KV_HEADS
    return None


def error(original: np.ndarray, shipped: np.ndarray) -> dict:
    x, y = original.astype(np.float64), shipped.astype(np.float64)
    e = x - y
    signal, noise = float((x * x).sum()), float((e * e).sum())
    return {"mse": noise / x.size, "sqnr_db": 10 * np.log10(signal / noise) if noise > 0 else None,
            "max_abs_err": float(np.abs(e).max()), "rel_l2": float(np.sqrt(noise / signal))}


def hf_tensors(rng) -> dict:
    """Every (HF name → (GGUF name, float32 weights, shipped type))."""
    out = {}
    for layer in range(LAYERS):
        for hf, (stem, shape, qtype) in LAYER_TENSORS.items():
            out[f"model.layers.{layer}.{hf}.weight"] = (f"blk.{layer}.{stem}.weight", shape, qtype)
        # A q bias (Qwen-style, here under LLaMA's converter): its 1-D rows are permuted too.
        out[f"model.layers.{layer}.self_attn.q_proj.bias"] = (f"blk.{layer}.attn_q.bias", (HIDDEN,), Q.F32)
    out.update(MODEL_TENSORS)
    return {name: (gguf_name, (rng.standard_normal(shape) * 0.02).astype(np.float32), qtype)
            for name, (gguf_name, shape, qtype) in out.items()}


def write_gguf(path, tensors: dict, quantized: bool, extra=None):
    """A LLaMA GGUF as convert_hf_to_gguf.py writes it; the shipped dequantized values (HF layout)."""
    writer = gguf.GGUFWriter(str(path), arch="llama")
    writer.add_block_count(LAYERS)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_embedding_length(HIDDEN)
    shipped = {}
    for hf_name, (gguf_name, w, qtype) in tensors.items():
        heads = heads_of(hf_name)
        data = permute(w, heads) if heads else w
        qtype = qtype if quantized else Q.F32
        if qtype == Q.F32:
            values = data
            writer.add_tensor(gguf_name, data)
        elif qtype == Q.F16:
            values = data.astype(np.float16)
            writer.add_tensor(gguf_name, values)
            values = values.astype(np.float32)
        else:
            blocks = gguf.quants.quantize(data, qtype)
            writer.add_tensor(gguf_name, blocks, raw_shape=blocks.shape, raw_dtype=qtype)
            values = gguf.quants.dequantize(blocks, qtype)
        shipped[gguf_name] = (hf_name, unpermute(values, heads) if heads else values, qtype)
    for name, array in (extra or {}).items():
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return shipped


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    folder = tmp_path_factory.mktemp("diff")
    rng = np.random.default_rng(14)
    tensors = hf_tensors(rng)
    hf = {name: w for name, (_, w, _) in tensors.items()}
    hf["model.rotary_emb.inv_freq"] = np.linspace(1, 0.01, 8, dtype=np.float32)  # not converted
    save_file(hf, str(folder / "model.safetensors"))
    shipped = write_gguf(folder / "model-q.gguf", tensors, quantized=True,
                         extra={"rope_freqs.weight": np.ones(8, dtype=np.float32)})
    write_gguf(folder / "model-f32.gguf", tensors, quantized=False)
    return folder, tensors, shipped


def assert_rows_match(rows, expected: dict):
    """`expected`: shipped name → (original name, original values, shipped values, type name, bpw)."""
    measured = {row["shipped_name"]: row for row in rows if row["reason"] is None}
    assert set(measured) == set(expected)
    for name, (original_name, original, values, type_name, bpw) in expected.items():
        row = measured[name]
        assert row["name"] == original_name
        assert row["shipped_type"] == type_name
        assert row["count"] == original.size
        assert row["bpw"] == pytest.approx(bpw, rel=1e-12)
        truth = error(original, values)
        for key in ("mse", "max_abs_err", "rel_l2"):
            assert row[key] == pytest.approx(truth[key], rel=1e-9, abs=1e-300), (name, key)
        if truth["sqnr_db"] is None:
            assert row["sqnr_db"] is None
        else:
            assert row["sqnr_db"] == pytest.approx(truth["sqnr_db"], rel=1e-9), name


def bits_per_weight(qtype) -> float:
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    return size * 8 / block


def test_quantized_gguf_against_hf_safetensors_equals_numpy(llama):
    folder, tensors, shipped = llama
    rows = run_json("diff", folder / "model.safetensors", folder / "model-q.gguf")
    expected = {gguf_name: (hf_name, tensors[hf_name][1], values, qtype.name, bits_per_weight(qtype))
                for gguf_name, (hf_name, values, qtype) in shipped.items() if gguf_name != "output.weight"}
    expected["output.weight"] = ("lm_head.weight", tensors["lm_head.weight"][1], shipped["output.weight"][1],
                                 "Q8_0", 8.5)
    assert_rows_match(rows, expected)
    # The undone permutation is what makes q/k small: compared in GGUF row order they would not be.
    q = next(row for row in rows if row["shipped_name"] == "blk.0.attn_q.weight")
    assert q["layer_type"] == "attn_q" and q["sqnr_db"] > 30
    reasons = {(row["name"], row["shipped_name"]): row["reason"] for row in rows if row["reason"]}
    assert set(reasons) == {(None, "rope_freqs.weight"), ("model.rotary_emb.inv_freq", None)}
    assert rows[-1]["name"] == "model.rotary_emb.inv_freq"  # the original's leftovers come last


def test_gguf_against_gguf_and_the_inverse_permutation(llama):
    folder, tensors, shipped = llama
    rows = run_json("diff", folder / "model-f32.gguf", folder / "model-q.gguf")
    expected = {}
    for gguf_name, (hf_name, values, qtype) in shipped.items():
        expected[gguf_name] = (gguf_name, tensors[hf_name][1], values, qtype.name, bits_per_weight(qtype))
    assert_rows_match(rows, expected)
    # The HF safetensors as "shipped" against the F32 GGUF: every value equal once the rows are
    # put back, so every error is zero.
    rows = run_json("diff", folder / "model-f32.gguf", folder / "model.safetensors")
    measured = [row for row in rows if row["reason"] is None]
    assert len(measured) == len(tensors)
    for row in measured:
        assert row["mse"] == 0 and row["max_abs_err"] == 0 and row["sqnr_db"] is None, row


def test_table_and_report_files(llama, tmp_path):
    folder, _, _ = llama
    args = ["diff", folder / "model.safetensors", folder / "model-q.gguf"]
    table = run_tscope(*args).stdout
    assert "blk.0.attn_q.weight" in table and "Not compared:" in table and "By shipped type:" in table
    assert "rope_freqs.weight" in table
    stdout = json.loads(run_tscope(*args, "--json").stdout)
    run_tscope(*args, "--out", tmp_path / "d.json")
    assert json.loads((tmp_path / "d.json").read_text()) == stdout
    run_tscope(*args, "--out", tmp_path / "d.csv")
    lines = (tmp_path / "d.csv").read_text().splitlines()
    assert lines[0].split(",")[:4] == ["name", "shipped_name", "shipped_type", "layer_type"]
    assert len(lines) == len(stdout) + 1
    run_tscope(*args, "--out", tmp_path / "d.md")
    assert "| blk.1.ffn_down.weight | Q5_0 |" in (tmp_path / "d.md").read_text()


def test_shape_mismatch_is_listed_with_its_reason(tmp_path):
    rng = np.random.default_rng(3)
    save_file({"a.weight": rng.standard_normal((4, 32)).astype(np.float32),
               "b.weight": rng.standard_normal((4, 32)).astype(np.float32)}, str(tmp_path / "o.safetensors"))
    save_file({"a.weight": rng.standard_normal((4, 32)).astype(np.float32),
               "b.weight": rng.standard_normal((2, 64)).astype(np.float32)}, str(tmp_path / "s.safetensors"))
    rows = run_json("diff", tmp_path / "o.safetensors", tmp_path / "s.safetensors")
    by_name = {row["shipped_name"]: row for row in rows}
    assert by_name["a.weight"]["reason"] is None
    assert "shape" in by_name["b.weight"]["reason"] and by_name["b.weight"]["mse"] is None


def test_compressed_tensors_checkpoint_against_its_original(tmp_path):
    shipped_folder, original_folder = tmp_path / "shipped", tmp_path / "original"
    shipped_folder.mkdir()
    original_folder.mkdir()
    name, dequantized = writers.write_ct_int(shipped_folder, np.random.default_rng(5), 4, 32, True)
    # write_ct_int draws the original first from the generator it is given: the same draw again.
    original = np.random.default_rng(5).standard_t(5, size=dequantized.shape).astype(np.float32) * 0.02
    save_file({name: original}, str(original_folder / "model.safetensors"))
    rows = run_json("diff", original_folder / "model.safetensors", shipped_folder)
    assert len(rows) == 1 and rows[0]["shipped_type"] == "CT-INT4-G32"
    truth = error(original, dequantized)
    for key in ("mse", "sqnr_db", "max_abs_err", "rel_l2"):
        assert rows[0][key] == pytest.approx(truth[key], rel=1e-9)


def test_bad_input_is_one_line_and_exit_2(llama, tmp_path):
    folder, _, _ = llama
    missing = run_tscope("diff", folder / "model.safetensors", tmp_path / "nope.gguf", check=False)
    assert missing.returncode == 2 and "nope.gguf" in missing.stderr and missing.stderr.count("\n") == 1
    (tmp_path / "bad.gguf").write_bytes(b"GGUF\x03\x00\x00\x00garbage")
    bad = run_tscope("diff", folder / "model.safetensors", tmp_path / "bad.gguf", check=False)
    assert bad.returncode == 2 and "bad.gguf" in bad.stderr and bad.stderr.count("\n") == 1
    save_file({"unrelated": np.zeros(4, dtype=np.float32)}, str(tmp_path / "other.safetensors"))
    apart = run_tscope("diff", folder / "model.safetensors", tmp_path / "other.safetensors", check=False)
    assert apart.returncode == 2 and "other.safetensors" in apart.stderr and apart.stderr.count("\n") == 1


CONVENTIONS = {
    "ct-nvfp4": lambda folder, rng: writers.write_ct_fp4(folder, rng, nv=True),
    "ct-mxfp4": lambda folder, rng: writers.write_ct_fp4(folder, rng, nv=False),
    "ct-int4-asym": lambda folder, rng: writers.write_ct_int(folder, rng, 4, 32, False),
    "ct-int8-channel": lambda folder, rng: writers.write_ct_int(folder, rng, 8, None, True),
    "ct-fp8": lambda folder, rng: writers.write_ct_fp8(folder, rng, None),
    "ct-fp8-block": lambda folder, rng: writers.write_ct_fp8(folder, rng, (128, 128)),
    "gpt-oss-mxfp4": writers.write_gpt_oss,
    "fp8-128x128": writers.write_block_fp8,
    "gptq": writers.write_gptq,
    "autoround": lambda folder, rng: writers.write_gptq(folder, rng, autoround=True),
}


@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
def test_every_checkpoint_convention_against_an_original(tmp_path, convention):
    """Issue 15: for each convention, `tscope diff` gives numpy's error between an original and the
    values the convention's (ported) dequantization gives for the shipped file."""
    shipped_folder, original_folder = tmp_path / "shipped", tmp_path / "original"
    shipped_folder.mkdir()
    original_folder.mkdir()
    name, dequantized = CONVENTIONS[convention](shipped_folder, np.random.default_rng(11))
    # Any original of the same shape checks the arithmetic: the shipped values plus a small error.
    original = (dequantized + np.random.default_rng(12).normal(0, 0.002, dequantized.shape)).astype(np.float32)
    save_file({name: original}, str(original_folder / "model.safetensors"))
    rows = [row for row in run_json("diff", original_folder / "model.safetensors", shipped_folder)
            if row["name"] == name]
    assert len(rows) == 1 and rows[0]["reason"] is None, rows
    # Elements that are NaN on either side (an FP8 writer stores E4M3 NaN codes) are counted apart.
    finite = np.isfinite(original) & np.isfinite(dequantized)
    assert rows[0]["non_finite"] == int((~finite).sum())
    truth = error(original[finite], dequantized[finite])
    for key in ("mse", "sqnr_db", "max_abs_err", "rel_l2"):
        assert rows[0][key] == pytest.approx(truth[key], rel=1e-9), key
