"""Command-line contracts shared by every command (SPEC §2): exit status 2 and one line on bad usage."""
from conftest import run_tscope


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
