#!/usr/bin/env python3
"""Writes samples/sample.safetensors, the small deterministic model the bare `tscope` opens.

LLM-like names and shapes (a two-block decoder with hidden size 256), weights drawn from
Student's t with known nu and scales typical of LLM layers (~0.02), plus a normal and a Laplace
control and a few planted outliers. The true distribution of every tensor is recorded in
`__metadata__` (key: the tensor's name, value: JSON) so tests can check the fits against it.
F32, F16 and BF16 (via ml_dtypes), written with the official safetensors package.

Usage: samples/make-sample.py [OUT]   (default: samples/sample.safetensors next to this script)
"""
import json
import pathlib
import sys

import ml_dtypes
import numpy as np
from safetensors.numpy import save_file

# Fixed: every run writes the same tensors and metadata (only the order of the `__metadata__`
# keys in the header may differ, as the safetensors writer keeps them in a hash map).
SEED = 20240721
HIDDEN, INTERMEDIATE, VOCAB = 256, 512, 1024

rng = np.random.default_rng(SEED)
tensors = {}
metadata = {"generator": "samples/make-sample.py", "seed": str(SEED)}

DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": ml_dtypes.bfloat16}


def add(name, shape, dtype, dist, scale, nu=None, loc=0.0, outliers=0):
    """Draws a tensor, plants `outliers` values at ±(25..40)·scale, stores it and its truth."""
    count = int(np.prod(shape))
    if dist == "t":
        values = loc + scale * rng.standard_t(nu, size=count)
    elif dist == "normal":
        values = rng.normal(loc, scale, size=count)
    elif dist == "laplace":
        values = rng.laplace(loc, scale, size=count)
    else:
        raise ValueError(dist)
    if outliers:
        where = rng.choice(count, size=outliers, replace=False)
        values[where] = loc + rng.choice([-1.0, 1.0], size=outliers) * rng.uniform(25, 40, size=outliers) * scale
    tensors[name] = values.reshape(shape).astype(np.float32).astype(DTYPES[dtype])
    truth = {"dist": dist, "loc": loc, "scale": scale, "dtype": dtype}
    if nu is not None:
        truth["nu"] = nu
    if outliers:
        truth["outliers"] = outliers
    metadata[name] = json.dumps(truth, sort_keys=True)


add("model.embed_tokens.weight", (VOCAB, HIDDEN), "F32", "t", 0.02, nu=5)
# Block 0 in F16, block 1 in BF16: nu from heavy (3) to nearly normal (30).
blocks = [
    ("F16", {"q": (3, 0.02), "k": (3, 0.025), "v": (8, 0.015), "o": (5, 0.012),
             "gate": (5, 0.02), "up": (8, 0.02), "down": (3, 0.015)}),
    ("BF16", {"q": (5, 0.02), "k": (5, 0.022), "v": (30, 0.015), "o": (8, 0.012),
              "gate": (8, 0.02), "up": (30, 0.02), "down": (5, 0.015)}),
]
for index, (dtype, params) in enumerate(blocks):
    prefix = f"model.layers.{index}"
    for part in ("q", "k", "v", "o"):
        nu, scale = params[part]
        add(f"{prefix}.self_attn.{part}_proj.weight", (HIDDEN, HIDDEN), dtype, "t", scale, nu=nu,
            outliers=8 if (index, part) == (1, "o") else 0)
    for part, shape in (("gate", (INTERMEDIATE, HIDDEN)), ("up", (INTERMEDIATE, HIDDEN)),
                        ("down", (HIDDEN, INTERMEDIATE))):
        nu, scale = params[part]
        add(f"{prefix}.mlp.{part}_proj.weight", shape, dtype, "t", scale, nu=nu,
            outliers=12 if (index, part) == (0, "down") else 0)
    add(f"{prefix}.input_layernorm.weight", (HIDDEN,), "F32", "t", 0.05, nu=30, loc=1.0)
    add(f"{prefix}.post_attention_layernorm.weight", (HIDDEN,), "F32", "t", 0.05, nu=30, loc=1.0)
add("model.norm.weight", (HIDDEN,), "F32", "t", 0.05, nu=30, loc=1.0)
add("lm_head.weight", (VOCAB, HIDDEN), "F16", "t", 0.02, nu=8)
add("controls.normal.weight", (HIDDEN, HIDDEN), "F32", "normal", 0.02)
add("controls.laplace.weight", (HIDDEN, HIDDEN), "F32", "laplace", 0.014)
# Integer tensors are listed but not analysed.
tensors["model.position_ids"] = np.arange(128, dtype=np.int64).reshape(1, 128)
metadata["model.position_ids"] = json.dumps({"dist": "arange", "dtype": "I64"}, sort_keys=True)

out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).with_name("sample.safetensors")
save_file(tensors, str(out), metadata=metadata)
print(f"wrote {out} ({out.stat().st_size:,} bytes, {len(tensors)} tensors)", file=sys.stderr)
