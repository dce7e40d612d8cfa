"""Shared fixtures for the cross-checks: the tscope binary, the real MiniLM model, scratch folders.

The cross-checks compare tscope against libraries no one here wrote (numpy, scipy, safetensors,
gguf). scripts/test builds the release binary and passes it in TSCOPE_BIN.
"""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def tscope_binary() -> str:
    path = os.environ.get("TSCOPE_BIN", str(ROOT / ".build" / "release" / "tscope"))
    if not os.path.exists(path):
        pytest.exit(f"tscope binary not found at {path}: run scripts/test (it builds it)", returncode=2)
    return path


def run_tscope(*args, check=True, timeout=300, env=None, input=None):
    """Runs tscope with args; returns the CompletedProcess (text mode)."""
    merged = dict(os.environ)
    merged.update(env or {})
    result = subprocess.run(
        [tscope_binary(), *map(str, args)],
        capture_output=True, text=True, timeout=timeout, env=merged, input=input,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"tscope {' '.join(map(str, args))} exited {result.returncode}: {result.stderr}")
    return result


def run_json(*args, **kwargs):
    """Runs tscope with --json appended and parses stdout."""
    return json.loads(run_tscope(*args, "--json", **kwargs).stdout)


@pytest.fixture(scope="session")
def minilm() -> pathlib.Path:
    """The real all-MiniLM-L6-v2 weights (samples/fetch-real-model.sh installs them)."""
    path = ROOT / "samples" / "real" / "model.safetensors"
    if not path.exists():
        subprocess.run([str(ROOT / "samples" / "fetch-real-model.sh")], check=True)
    return path


@pytest.fixture(scope="session")
def sample_model() -> pathlib.Path:
    """The bundled deterministic sample model."""
    return ROOT / "samples" / "sample.safetensors"
