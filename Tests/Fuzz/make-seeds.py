#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (Tests/Fuzz/FuzzTargets.swift) into OUT/TARGET/.

Seeds are the repo's own fixtures: the malformed corpus (Tests/Corpus), the GGML block fixtures
(Tests/Fixtures/ggml), the files Tests/python/gguf_npy_fixtures.py and
quantized_checkpoint_writers.py write, small imatrix files in both formats, samples/, themes/,
and the TOML and key-script examples of the docs. Kept reproducers (Tests/Corpus/regressions/
TARGET/) are seeds too. Usage: make-seeds.py OUT
"""
import hashlib
import json
import pathlib
import re
import struct
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests/python"))


def main(out: pathlib.Path):
    seeds = {}

    def add(target, data: bytes):
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)
        seeds[target] = seeds.get(target, 0) + 1

    def add_files(target, paths):
        for path in paths:
            if path.is_file():
                add(target, path.read_bytes())

    corpus = ROOT / "Tests/Corpus"
    with tempfile.TemporaryDirectory() as scratch:
        scratch = pathlib.Path(scratch)
        import gguf_npy_fixtures
        fixtures = scratch / "fixtures"
        fixtures.mkdir()
        gguf_npy_fixtures.write_all(fixtures)
        small = lambda paths: [p for p in paths if p.stat().st_size <= 65536]
        add_files("safetensors", small(sorted(fixtures.glob("*.safetensors")) + sorted(corpus.glob("st-*"))))
        add_files("safetensors", small([ROOT / "samples/sample.safetensors"]) if (ROOT / "samples/sample.safetensors").exists() else [])
        add_files("gguf", small(sorted(fixtures.glob("*.gguf")) + sorted(corpus.glob("gguf-*"))))
        add_files("npy", small(sorted(fixtures.glob("*.npy")) + sorted(corpus.glob("npy-*"))))
        add_files("npz", small(sorted(fixtures.glob("*.npz")) + sorted(corpus.glob("npz-*"))))

        # GGML blocks: a type byte (the index into FuzzTargets.decodedTypes: GGMLBlockType's cases
        # in declaration order, then the scalar dtypes) and four blocks of a fixture tensor.
        import gguf
        swift = (ROOT / "Sources/TensorIO/GGMLBlockType.swift").read_text()
        cases = re.findall(r"^  case (\w+) = (\d+)$", swift, re.M)
        sizes = {int(t): size for t, (_, size) in gguf.GGML_QUANT_SIZES.items()}
        sizes.update({41: 18, 42: 18})  # Q1_0, Q2_0 (newer than this gguf-py)
        for path in sorted((ROOT / "Tests/Fixtures/ggml").glob("*.gguf")):
            # The last tensor's data ends the file: its last four blocks.
            index = next((i for i, (case, _) in enumerate(cases) if case.replace("_", "").lower() == path.stem.replace("_", "").lower()), None)
            if index is not None:
                block_bytes = sizes[int(cases[index][1])]
                add("ggml-blocks", bytes([index]) + path.read_bytes()[-4 * block_bytes:])
        block_ids = cases
        rng = np.random.default_rng(17)
        for index in range(len(block_ids), len(block_ids) + 14):  # the scalar dtypes
            add("ggml-blocks", bytes([index]) + rng.integers(0, 256, 64, dtype=np.uint8).tobytes())

        # Index JSON.
        add("safetensors-index", json.dumps({"metadata": {"total_size": 1234},
                                             "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                                                            "b.weight": "model-00002-of-00002.safetensors"}}).encode())
        add("safetensors-index", b'{"weight_map": {"x": "sub/shard.safetensors"}, "metadata": {"k": [1, {"a": null}], "f": true}}')

        # Quantized checkpoints: config, a zero byte, the safetensors image.
        import quantized_checkpoint_writers as writers
        cases = {
            "ct-nvfp4": lambda f, r: writers.write_ct_fp4(f, r, nv=True),
            "ct-mxfp4": lambda f, r: writers.write_ct_fp4(f, r, nv=False),
            "ct-int4": lambda f, r: writers.write_ct_int(f, r, 4, 32, True),
            "ct-int8": lambda f, r: writers.write_ct_int(f, r, 8, None, False),
            "ct-fp8": lambda f, r: writers.write_ct_fp8(f, r, None, rows=16, columns=32),
            "ct-fp8-block": lambda f, r: writers.write_ct_fp8(f, r, (8, 16), rows=16, columns=32),
            "gpt-oss": lambda f, r: writers.write_gpt_oss(f, r),
            "block-fp8": lambda f, r: writers.write_block_fp8(f, r, rows=20, columns=30, block=8),
            "gptq": lambda f, r: writers.write_gptq(f, r, inputs=64, outputs=16),
            "autoround": lambda f, r: writers.write_gptq(f, r, inputs=64, outputs=16, autoround=True),
        }
        for name, write in cases.items():
            folder = scratch / name
            folder.mkdir()
            try:
                write(folder, np.random.default_rng(3))
            except TypeError:
                continue
            config = folder / "config.json"
            if not config.exists():
                config = folder / "quantize_config.json"
            add("quantization-config", config.read_bytes() + b"\0" + (folder / "model.safetensors").read_bytes())

        # imatrix: GGUF (general.type = imatrix) and legacy .dat (llama.cpp save_imatrix_legacy).
        sums = {"blk.0.attn_q.weight": np.arange(1, 9, dtype=np.float32).reshape(1, 8),
                "blk.0.ffn_gate_exps.weight": np.arange(1, 17, dtype=np.float32).reshape(2, 8)}
        counts = {"blk.0.attn_q.weight": np.array([[4]], dtype=np.float32),
                  "blk.0.ffn_gate_exps.weight": np.array([[3], [0]], dtype=np.float32)}
        writer = gguf.GGUFWriter(str(scratch / "imatrix.gguf"), "llama")
        writer.add_type(gguf.GGUFType.IMATRIX)
        for name in sums:
            writer.add_tensor(name + ".in_sum2", sums[name])
            writer.add_tensor(name + ".counts", counts[name])
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        add_files("imatrix", [scratch / "imatrix.gguf"])
        legacy = struct.pack("<i", len(sums))
        for name, values in sums.items():
            legacy += struct.pack("<i", len(name)) + name.encode() + struct.pack("<ii", 2, values.size) + values.tobytes()
        add("imatrix", legacy + struct.pack("<i", 4) + struct.pack("<i", 3) + b"cal")

    # Text formats.
    add_files("theme", sorted((ROOT / "themes").glob("*.toml")))
    add("theme", b'theme[main_bg]="#00000"\ntheme[main_fg]="#cc\xc3\xa9"\ntheme[title]="#ffffff"\n'
                 b'theme[hi_fg]="255 0 0"\ntheme[selected_bg]="#0a0a0a"\n# a btop theme\n')
    add("codebook-toml", b'[mine]\nname = "My 4-bit"\nbits = 4\nvalues = [-1, -0.5, 0, 0.25, 0.5, 1]\n\n'
                         b'[nf3]\nvalues = [-1.0, -0.53, -0.25, 0.0, 0.18, 0.38, 0.62, 1.0]\n')
    add("codebook-toml", b'[a]\nvalues = [0, 1]\n[b.c]\nvalues = [1e-3, 2]\n')
    add("costs-toml", b'replace = false\n[e2m1-sr]\narea = 1.02\npower = 1.01\nsource = "our 7 nm synthesis, 2026-11"\n'
                      b'\n["sf4@2.7"]\narea = 0\npower = 3\nsource = ""\n')
    add("costs-toml", b'replace = true\n[int4]\narea = 1\npower = 1\nsource = "x"\n')
    add_files("key-script", sorted((ROOT / "samples").glob("*.keys")))
    add("key-script", b"# a demo\nkey j\nkeys jjf<enter>\ntype /attn\nwait 0.4\nresize 100x30\nkey ctrl-c\n\nkey esc\n")

    # Kept reproducers.
    regressions = corpus / "regressions"
    for folder in sorted(p for p in regressions.iterdir() if p.is_dir()):
        add_files(folder.name, sorted(folder.iterdir()))
    for target, count in sorted(seeds.items()):
        print(f"{target}: {count} seeds")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
