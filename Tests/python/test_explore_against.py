"""`tscope ORIGINAL --against SHIPPED` in the explorer, driven headless by `tscope snapshot`: the
"shipped TYPE" row of the error table and the shipped panel of the compare view against numpy's
error between the original weights and gguf-py's dequantized values (the fixture of test_diff.py:
a LLaMA model as safetensors and as the GGUF llama.cpp's converter writes, q/k rows permuted,
blocks quantized by `gguf.quants.quantize`), and against a compressed-tensors NVFP4 checkpoint.
"""
import re

import numpy as np
import pytest
from safetensors.numpy import save_file

import quantized_checkpoint_writers as writers
from conftest import run_tscope
from test_diff import error, hf_tensors, write_gguf

SIZE = "120x40"


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    folder = tmp_path_factory.mktemp("against")
    tensors = hf_tensors(np.random.default_rng(15))
    hf = {name: w for name, (_, w, _) in tensors.items()}
    hf["model.rotary_emb.inv_freq"] = np.linspace(1, 0.01, 8, dtype=np.float32)  # not converted
    save_file(hf, str(folder / "model.safetensors"))
    shipped = write_gguf(folder / "model-q.gguf", tensors, quantized=True)
    by_hf = {hf_name: (values, qtype) for _, (hf_name, values, qtype) in shipped.items()}
    return folder, tensors, by_hf


def snapshot(original, shipped, keys, size=SIZE, check=True):
    return run_tscope("snapshot", original, "--against", shipped, "--keys", keys, "--size", size, check=check)


def shipped_row(screen):
    """(type, SQNR text, the rest of the row) of the table's shipped row."""
    for line in screen.splitlines():
        match = re.search(r"[ ▶]●shipped (\S+)\s+([0-9.e+-]+)\s+([0-9.]+|∞)\s+(.*?)│$", line)
        if match:
            return match.group(1), match.group(3), match.group(4)
    raise AssertionError("no measured shipped row on the screen:\n" + screen)


@pytest.mark.parametrize("name", [
    "model.layers.0.self_attn.q_proj.weight",  # Q8_0, rows permuted for the rotary layout
    "model.layers.1.self_attn.k_proj.weight",  # Q4_0, permuted with the kv head count
    "model.layers.0.mlp.up_proj.weight",  # Q4_0
    "lm_head.weight",  # Q8_0, named output.weight in the GGUF
])
def test_the_shipped_row_is_numpys_error_of_gguf_pys_values(llama, name):
    folder, tensors, by_hf = llama
    screen = snapshot(folder / "model.safetensors", folder / "model-q.gguf", f"/{name}<enter>").stdout
    assert "model.safetensors vs model-q.gguf" in screen
    values, qtype = by_hf[name]
    type_name, sqnr, rest = shipped_row(screen)
    assert type_name == qtype.name
    truth = error(tensors[name][1], values)
    assert abs(float(sqnr) - truth["sqnr_db"]) < 0.006, (name, sqnr, truth["sqnr_db"])
    # The stored bits per weight (34 bytes per 32 for Q8_0, 18 for Q4_0) end the row.
    bpw = {"Q8_0": "8.500", "Q4_0": "4.500"}[type_name]
    assert rest.split()[-1] == bpw, rest


def test_the_compare_view_shows_the_shipped_error_histogram(llama):
    folder, tensors, by_hf = llama
    name = "model.layers.0.self_attn.q_proj.weight"
    screen = snapshot(folder / "model.safetensors", folder / "model-q.gguf", f"/{name}<enter>ce").stdout
    match = re.search(r"shipped Q8_0  SQNR ([0-9.]+) dB", screen)
    assert match, screen
    truth = error(tensors[name][1], by_hf[name][0])
    assert abs(float(match.group(1)) - truth["sqnr_db"]) < 0.006
    # Its axis spans ± the largest error (a hair wider), shown to two significant digits.
    lines = screen.splitlines()
    title = next(i for i, line in enumerate(lines) if "shipped Q8_0  SQNR" in line)
    axis = next(line for line in lines[title + 1:] if re.search(r"-\d", line))
    largest = float(re.search(r"-([0-9.e+-]+)", axis).group(1))
    assert largest == pytest.approx(truth["max_abs_err"], rel=0.06)


def test_a_tensor_without_a_shipped_partner_says_why(llama):
    folder, _, _ = llama
    screen = snapshot(folder / "model.safetensors", folder / "model-q.gguf", "/inv_freq<enter>").stdout
    assert re.search(r"●shipped\s+the shipped model has no such tensor", screen), screen


def test_models_with_nothing_in_common_are_refused_with_one_line(llama, tmp_path):
    folder, _, _ = llama
    save_file({"unrelated": np.zeros(4, dtype=np.float32)}, str(tmp_path / "other.safetensors"))
    apart = snapshot(folder / "model.safetensors", tmp_path / "other.safetensors", "", check=False)
    assert apart.returncode == 2 and "other.safetensors" in apart.stderr and apart.stderr.count("\n") == 1


def test_a_compressed_tensors_nvfp4_checkpoint(tmp_path):
    shipped_folder, original_folder = tmp_path / "shipped", tmp_path / "original"
    shipped_folder.mkdir()
    original_folder.mkdir()
    name, dequantized = writers.write_ct_fp4(shipped_folder, np.random.default_rng(11), nv=True)
    original = (dequantized + np.random.default_rng(12).normal(0, 0.002, dequantized.shape)).astype(np.float32)
    save_file({name: original}, str(original_folder / "model.safetensors"))
    screen = snapshot(original_folder / "model.safetensors", shipped_folder, "").stdout
    type_name, sqnr, _ = shipped_row(screen)
    assert type_name == "CT-NVFP4"
    assert abs(float(sqnr) - error(original, dequantized)["sqnr_db"]) < 0.006
