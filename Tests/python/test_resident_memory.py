"""Commands that stream over a whole model keep resident memory near one tensor's working set, not
the model's: each tensor's mapped pages are released once it is done (`report`, `fit`, `quant`,
`diff`; in the explorer the survey and the model overview for every tensor but the focused one, and
each tensor focus leaves), as a 70B model's 140 GB could never be resident. Peak RSS is measured from a fresh, small
process (see test_changing_files.MEASURE) against `layers` on the same model as the baseline."""
import json
import subprocess
import sys

import gguf
import numpy as np
import pytest
from gguf import quants
from safetensors.numpy import save_file

from conftest import tscope_binary
from test_changing_files import MEASURE

TENSORS, ROWS, COLUMNS = 16, 4096, 1024  # 16 tensors of 16 MiB: 256 MiB of F32


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resident")
    rng = np.random.default_rng(7)
    weights = {f"model.layers.{i}.mlp.down_proj.weight": (rng.standard_t(5, (ROWS, COLUMNS)) * 0.02).astype(np.float32)
               for i in range(TENSORS)}
    original = folder / "model.safetensors"
    save_file(weights, str(original))
    shipped = folder / "model-q8_0.gguf"
    writer = gguf.GGUFWriter(str(shipped), "llama")
    for name, x in weights.items():
        q = quants.quantize(x, gguf.GGMLQuantizationType.Q8_0)
        writer.add_tensor(name, q, raw_shape=q.shape, raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return original, shipped


def peak_mib(*args):
    run = subprocess.run([sys.executable, "-S", "-c", MEASURE, tscope_binary(), *map(str, args)],
                         capture_output=True, text=True)
    status, peak_kb = json.loads(run.stdout.strip().splitlines()[-1])
    assert status == 0, run.stderr
    return peak_kb / 1024  # Linux: KiB


@pytest.mark.parametrize("command", ["fit", "quant", "report", "diff", "overview", "survey", "browse"])
def test_streaming_commands_hold_about_one_tensor(models, command):
    original, shipped = models
    args = {
        "fit": ["fit", original],
        "quant": ["quant", original, "--layer", ".", "--format", "nf4"],
        "report": ["report", original, "--format", "nf4"],
        "diff": ["diff", original, shipped],
        "overview": ["snapshot", original, "--keys", "v"],  # waits for every exact cell
        "survey": ["snapshot", original, "--keys", "oo"],  # the list sorted by ν: every tensor's fit
        # Every tensor focused in turn, each read whole (histogram, fit, exact results) before the next.
        "browse": ["snapshot", original, "--keys", "/down<enter>" + "j" * (TENSORS - 1)],
    }[command]
    baseline = peak_mib("layers", original)
    model_mib = (original.stat().st_size + (shipped.stat().st_size if command == "diff" else 0)) / 2**20
    peak = peak_mib(*args)
    # Keeping every mapped page would put the peak above baseline + the model (256 MiB, 324 with
    # the GGUF); releasing each tensor's pages keeps it within a few tensors' (16 MiB each).
    assert peak < baseline + model_mib / 2, (command, peak, baseline, model_mib)
