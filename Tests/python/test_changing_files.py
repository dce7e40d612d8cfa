"""Files that change, lie or must stay untouched, through the real binary.

- A model truncated while `report` reads it: exit 2 with one line, never a crash signal or a
  stack trace.
- Headers that lie about their sizes: exit 2 within 1 s with peak memory under 100 MB
  (measured per child with os.wait4's rusage).
- Every command and a scripted explorer session leave a copy of the model byte for byte and
  mtime for mtime as it was, and open it read-only (strace's openat flags).
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import ROOT, run_tscope, tscope_binary

CORPUS = ROOT / "Tests" / "Corpus"


def one_line(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_report_on_a_model_truncated_while_it_runs(minilm, tmp_path):
    copy = tmp_path / "model.safetensors"
    shutil.copyfile(minilm, copy)
    size = copy.stat().st_size
    formats = [argument for name in ["int4", "nf4", "e2m1", "sf4@fit", "mxfp4", "nvfp4"]
               for argument in ("--format", name)]
    process = subprocess.Popen(
        [tscope_binary(), "report", copy, *formats], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Truncated while it runs: after it opened the file, long before it is done.
    time.sleep(0.5)
    assert process.poll() is None, "the report finished before the file changed; make it slower"
    os.truncate(copy, 20_000_000)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 2, stderr
    line = one_line(stderr)
    # The check before each tensor names the file; a truncation between that check and a read
    # is caught by the SIGBUS handler, whose line names the file too.
    assert line in (
        f"tscope: {copy}: changed on disk (size {size:,} → 20,000,000 bytes) since it was opened",
        f"tscope: {copy}: changed on disk while being read (SIGBUS)",
    ), line


def test_a_read_past_the_new_end_raises_sigbus_and_the_line_names_the_file(tmp_path):
    """`decode` checks the file once, then streams the tensor to stdout chunk by chunk (64 Ki
    elements). Reading only the first MiB of a 32 MiB tensor keeps it blocked on the full pipe,
    mid-read and past its check; the file is then truncated to half the tensor's data, and the
    rest of the read faults on a page past the new end: a SIGBUS every time, caught by the
    handler, which names the file from the faulting address."""
    import numpy as np
    from safetensors.numpy import save_file

    path = tmp_path / "big.safetensors"
    values = np.arange(8 << 20, dtype=np.float32)
    save_file({"w": values}, str(path))
    header = 8 + int.from_bytes(path.read_bytes()[:8], "little")
    process = subprocess.Popen(
        [tscope_binary(), "decode", path, "--tensor", "w"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = process.stdout.read(1 << 20)
        assert np.array_equal(np.frombuffer(first, dtype=np.float32), values[: 1 << 18])
        assert process.poll() is None, "decode finished before the file changed"
        os.truncate(path, header + values.nbytes // 2)
        rest = process.stdout.read()
        stderr = process.stderr.read().decode()
        process.wait(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 2, (process.returncode, stderr)
    assert one_line(stderr) == f"tscope: {path}: changed on disk while being read (SIGBUS)"
    # It stopped inside the part that was cut off, after writing the part that is left.
    done = len(first) + len(rest)
    assert values.nbytes // 2 <= done < values.nbytes, done
    assert np.array_equal(np.frombuffer(first + rest, dtype=np.float32)[: 1 << 20], values[: 1 << 20])


LIES = ["st-header-length-4gb.safetensors", "gguf-kv-count-2e40.gguf", "gguf-tensor-count-1e9.gguf",
        "st-header-length-huge.safetensors", "gguf-kv-count-huge.gguf", "gguf-tensor-count-huge.gguf",
        "gguf-shape-overflow.gguf", "st-shape-overflow.safetensors", "gguf-array-count-huge.gguf",
        "npy-shape-overflow.npy"]


# Runs a command from a fresh, small Python process and prints its exit status and peak RSS: a
# child forked straight from the test process would start at the test process's own peak RSS
# (numpy, scipy, … well over 100 MB; Linux keeps the high-water mark across exec), hiding tscope's.
MEASURE = """
import json, os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(json.dumps([os.waitstatus_to_exitcode(status), usage.ru_maxrss]))
"""


@pytest.mark.parametrize("name", LIES)
def test_lying_header_is_refused_fast_in_little_memory(name):
    path = CORPUS / name
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-S", "-c", MEASURE, tscope_binary(), "layers", str(path)], capture_output=True, text=True)
    elapsed = time.monotonic() - started
    status, peak_kb = json.loads(run.stdout.strip().splitlines()[-1])
    assert status == 2, run.stderr
    one_line(run.stderr)
    assert elapsed < 1.0, elapsed
    peak_mb = peak_kb / 1024  # Linux: KiB
    assert peak_mb < 100, peak_mb


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def opened_flags(trace, name):
    """The flags of every successful openat of a file called `name` in an strace -f log."""
    flags = []
    for line in trace.splitlines():
        match = re.search(r'openat\(AT_FDCWD, "([^"]*)", ([A-Z_|]+)', line)
        if match and os.path.basename(match.group(1)) == name and not re.search(r"= -1 ", line):
            flags.append(match.group(2))
    return flags


def test_every_command_leaves_the_model_untouched_and_opens_it_read_only(sample_model, tmp_path):
    if shutil.which("strace") is None:
        pytest.fail("strace is not installed (scripts/setup installs it)")
    copy = tmp_path / "model.safetensors"
    shutil.copyfile(sample_model, copy)
    os.utime(copy, ns=(1_000_000_000, 1_000_000_000))
    before = digest(copy)
    layers = json.loads(run_tscope("layers", copy, "--json").stdout)
    tensor = next(layer["name"] for layer in layers if layer["dtype"] in ("F32", "F16", "BF16"))
    script = tmp_path / "walk.keys"
    script.write_text("keys jj\nkey enter\ntype 2\nkey s\n")
    commands = [
        ["layers", copy],
        ["fit", copy],
        ["quant", copy, "--layer", ".", "--format", "nf4", "--format", "sf4@fit"],
        ["report", copy, "--format", "int4", "--format", "e2m1", "--out", tmp_path / "report.csv"],
        ["snapshot", copy, "--keys", "jj<enter>2s", "--size", "100x30"],
        ["demo", copy, "--script", script, "--cast", tmp_path / "walk.cast", "--size", "90x28"],
        ["decode", copy, "--tensor", tensor],
    ]
    for command in commands:
        trace = tmp_path / "trace.txt"
        result = subprocess.run(
            ["strace", "-f", "-qq", "-e", "trace=openat,open,creat,truncate", "-o", trace,
             tscope_binary(), *map(str, command)],
            capture_output=True, timeout=120)
        assert result.returncode == 0, (command, result.stderr[-2000:])
        flags = opened_flags(trace.read_text(), copy.name)
        assert flags, (command, "the model was never opened")
        for flag in flags:
            assert flag.split("|")[0] == "O_RDONLY" and "O_TRUNC" not in flag and "O_CREAT" not in flag, (command, flag)
        assert digest(copy) == before, command
