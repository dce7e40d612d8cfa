"""The malformed corpus (Tests/Corpus, written by make-corpus.py) through the real binary: every
file ends within 2 s with exit status 2 and exactly one stderr line that names the file."""
import pathlib
import time

import pytest

from conftest import ROOT, run_tscope

CORPUS = ROOT / "Tests" / "Corpus"
SUFFIXES = {".safetensors", ".gguf", ".npy", ".npz", ".json"}
FILES = sorted(p for folder in [CORPUS, CORPUS / "regressions"] for p in folder.glob("*") if p.suffix in SUFFIXES)


def test_corpus_is_large_and_covers_every_format():
    assert len(FILES) >= 30
    assert {p.suffix for p in FILES} >= {".safetensors", ".gguf", ".npy", ".npz"}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_malformed_file_is_one_line_and_status_2(path: pathlib.Path):
    started = time.monotonic()
    result = run_tscope("layers", path, check=False, timeout=10)
    elapsed = time.monotonic() - started
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0]
    assert result.stdout == ""
    assert elapsed < 2.0


def test_corpus_generator_is_deterministic(tmp_path):
    """Regenerating the corpus gives the committed bytes (so the committed files are what the script says)."""
    import shutil
    import subprocess
    import sys
    copy = tmp_path / "Corpus"
    copy.mkdir()
    shutil.copy(CORPUS / "make-corpus.py", copy / "make-corpus.py")
    subprocess.run([sys.executable, str(copy / "make-corpus.py")], check=True, capture_output=True)
    for path in CORPUS.glob("*"):
        if path.suffix in SUFFIXES:
            assert (copy / path.name).read_bytes() == path.read_bytes(), path.name
