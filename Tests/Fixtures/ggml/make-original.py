#!/usr/bin/env python3
"""Writes original.gguf: a tiny LLaMA-architecture F32 model (gguf-py's GGUFWriter), Student's t
weights (nu = 5, scale 0.02), rows of 256 and 512 so every ggml block size divides them.
Usage: make-original.py OUT.gguf   (deterministic: seed 14)"""
import sys

import gguf
import numpy as np

rng = np.random.default_rng(14)
writer = gguf.GGUFWriter(sys.argv[1], arch="llama")
writer.add_name("tscope ggml fixture")
writer.add_block_count(1)
writer.add_context_length(64)
writer.add_embedding_length(256)
writer.add_feed_forward_length(512)
writer.add_head_count(4)
writer.add_head_count_kv(1)
writer.add_layer_norm_rms_eps(1e-5)
# numpy shape (rows, row length): llama.cpp shows these as [row length, rows].
shapes = {"token_embd.weight": (8, 256), "blk.0.attn_q.weight": (16, 256), "blk.0.ffn_down.weight": (4, 512),
          "blk.0.attn_norm.weight": (256,)}
for name, shape in shapes.items():
    values = (rng.standard_t(5.0, size=shape) * 0.02).astype(np.float32)
    if len(shape) == 1:
        values = 1 + values
    writer.add_tensor(name, values)
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()
