"""Command-line contracts shared by every command (SPEC §2): exit status 2 and one line on bad usage."""
import pytest

from conftest import ROOT, run_tscope

SAMPLE = str(ROOT / "samples" / "sample.safetensors")


def test_unknown_option_is_one_line_and_status_2():
    result = run_tscope("--no-such-option", check=False)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_missing_model_file_names_the_file():
    result = run_tscope("layers", "/nonexistent/model.safetensors", check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "/nonexistent/model.safetensors" in lines[0]


@pytest.mark.parametrize("args, needle", [
    (["quant", SAMPLE, "--layer", ".", "--format", "nf4", "--group", "foo"], "--group"),
    (["quant", SAMPLE, "--layer", ".", "--format", "nf4", "--group=-3"], "--group"),
    (["report", SAMPLE, "--scale", "max"], "--scale"),
    (["bench", "kernel", "--group", "tensors"], "--group"),
    (["bench", "kernel", "--runs", "0"], "--runs"),
    (["bench", "kernel", "--threads", "0"], "--threads"),
    (["bench", "fit", "--runs", "0"], "--runs"),
])
def test_bad_settings_are_one_line_and_status_2(args, needle):
    result = run_tscope(*args, check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and result.stdout == ""
