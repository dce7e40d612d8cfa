"""What tscope chose, in its rows and listings: the supernormal value `ID+auto` found and the clip
ratio `--scale mse` picked (`quant`/`report` JSON, equal to what the table shows and checked
against the numpy reference of test_quant_reference.py), a negative supernormal value beyond the
range against a numpy oracle, `formats` on `ID+auto`, and `--version` / shell completions."""
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from conftest import run_json, run_tscope
from test_quant_reference import as_rows, metrics, reference_codebook, sign_magnitude

E2M1 = sign_magnitude([0.5, 1, 1.5, 2, 3, 4, 6])
MINILM_LAYERS = ["encoder.layer.0.attention.self.query.weight", "encoder.layer.3.output.dense.weight"]
RATIOS = [float(np.float32(1.0 - 0.005 * step)) for step in range(40)]


def table_rows(*args):
    """`quant`'s human table as {(tensor, format-as-shown): scale cell}."""
    lines = run_tscope(*args).stdout.splitlines()
    assert lines[0].split()[:4] == ["tensor", "format", "group", "scale"]
    return [line.split()[:4] for line in lines[1:] if line.strip()]


def test_auto_and_mse_rows_name_the_value_and_ratio_the_table_shows(minilm):
    layer = "|".join(f"^{name}$" for name in MINILM_LAYERS)
    args = ["quant", minilm, "--layer", layer, "--format", "e2m1+auto", "--format", "e2m1-sr", "--format", "nf4",
            "--group", "128", "--scale", "mse"]
    rows = run_json(*args)
    table = table_rows(*args)
    assert len(rows) == len(table) == 3 * len(MINILM_LAYERS)
    tensors = load_file(str(minilm))
    for row, (name, shown_format, group, scale) in zip(rows, table):
        assert (row["name"], group) == (name, "128")
        # The table's "mse×R" is the JSON's clip_ratio, digit for digit.
        assert scale == f"mse×{row['clip_ratio']:g}" and row["scale_mode"] == "mse"
        assert row["format_nu"] is None
        if row["format"] == "nf4":
            assert row["supernormal_value"] is None and shown_format == "NF4"
            continue
        value = row["supernormal_value"]
        if row["format"] == "e2m1-sr":
            assert value == 8 and shown_format == "E2M1-SR"
        else:
            assert shown_format == f"E2M1+auto={value:g}"
            step = 6 / 48
            assert value == pytest.approx(round(value / step) * step) and abs(value) < 12 and value not in E2M1
        # Independent truth: the numpy reference with this value and ratio gives the row's numbers,
        # and no other ratio does better.
        x = as_rows(tensors[name])
        values = sorted(E2M1 + [value])
        by_ratio = []
        for ratio in RATIOS:
            x_hat, codes = reference_codebook(x, values, "128", clip=ratio)
            by_ratio.append(metrics(x, x_hat, codes, len(values)))
        chosen = by_ratio[RATIOS.index(float(np.float32(row["clip_ratio"])))]
        assert row["code_usage"] == chosen["code_usage"]
        assert row["mse"] == pytest.approx(chosen["mse"], rel=1e-9)
        assert row["mse"] <= min(m["mse"] for m in by_ratio) * (1 + 1e-9)


def test_absmax_rows_have_ratio_one_and_sf_rows_their_nu(sample_model, tmp_path):
    rows = run_json("quant", sample_model, "--layer", "mlp.down_proj", "--format", "sf4", "--format", "sf4@2.7",
                    "--format", "sf4@fit", "--format", "e2m1+2.5")
    by_format = {}
    for row in rows:
        assert row["clip_ratio"] == 1 and row["scale_mode"] == "absmax"
        by_format.setdefault(row["format"], []).append(row)
    assert all(r["format_nu"] == 5 and r["supernormal_value"] is None for r in by_format["sf4"])
    assert all(r["format_nu"] == 2.7 for r in by_format["sf4@2.7"])
    assert all(r["format_nu"] == r["nu"] and r["nu"] > 0 for r in by_format["sf4@fit"])
    assert all(r["supernormal_value"] == 2.5 and r["format_nu"] is None for r in by_format["e2m1+2.5"])
    # report writes the same choices (JSON and CSV).
    out = tmp_path / "r.json"
    run_tscope("report", sample_model, "--format", "sf4@2.7", "--format", "e2m1+2.5", "--scale", "mse", "--out", out)
    # (Rows of a tensor tscope does not analyse, the sample's I64 ids, have no ratio: they say why.)
    report_rows = [r for r in json.loads(out.read_text())["rows"] if r["reason"] is None or r["mse"] is not None]
    assert report_rows and all(0.805 <= r["clip_ratio"] <= 1 for r in report_rows)
    assert {r["format"]: (r["supernormal_value"], r["format_nu"]) for r in report_rows} == {
        "sf4@2.7": (None, 2.7), "e2m1+2.5": (2.5, None)}


@pytest.fixture(scope="module")
def negative_tail(tmp_path_factory):
    """Rows whose largest magnitude is negative half the time, so a value at −amax matters."""
    rng = np.random.default_rng(7)
    x = (0.02 * rng.standard_t(3, size=(64, 256))).astype(np.float32)
    path = tmp_path_factory.mktemp("negative") / "negative.safetensors"
    save_file({"w": x}, str(path))
    return path, x


@pytest.mark.parametrize("group", ["channel", "32"])
def test_a_negative_value_beyond_the_range_scales_by_its_magnitude(negative_tail, group):
    path, x = negative_tail
    (row,) = run_json("quant", path, "--layer", "w", "--format", "e2m1+-8", "--group", group)
    values = sorted(E2M1 + [-8])
    # The oracle: amax maps onto |−8| = 8, not onto the largest value 6.
    x_hat, codes = reference_codebook(x, values, group, full_scale=8)
    expected = metrics(x, x_hat, codes, len(values))
    assert row["code_usage"] == expected["code_usage"] and row["code_usage"][0] > 0  # −8 is used
    assert row["mse"] == pytest.approx(expected["mse"], rel=1e-9)
    assert row["supernormal_value"] == -8
    (listed,) = run_json("formats", "--format", "e2m1+-8")
    assert listed["scale_onto"] == 8 and listed["supernormal_value"] == -8 and listed["values"] == values
    table = run_tscope("formats", "--format", "e2m1+-8").stdout
    assert "largest magnitude" in table and "8" in table
    # A positive extra value beyond the range is already the largest value: nothing to say.
    (plus,) = run_json("formats", "--format", "e2m1+8")
    assert "scale_onto" not in plus


def test_formats_explains_auto():
    result = run_tscope("formats", "--format", "e2m1+auto")
    assert result.returncode == 0
    assert "e2m1+auto" in result.stdout and "candidates" in result.stdout and "least MSE" in result.stdout
    (listed,) = run_json("formats", "--format", "e2m1+auto")
    step = 6 / 48
    expected = [k * step for k in range(-95, 96) if k != 0 and k * step not in E2M1]
    assert listed["id"] == "e2m1+auto" and listed["bits"] == 4 and listed["values"] == E2M1
    assert listed["auto"]["base"] == "e2m1" and listed["auto"]["candidates"] == expected
    assert listed["auto"]["finalists"] >= 1 and listed["auto"]["screening_elements"] > 0


def test_version_prints_a_semantic_version():
    result = run_tscope("--version")
    assert result.returncode == 0 and re.fullmatch(r"\d+\.\d+\.\d+", result.stdout.strip()), result.stdout


@pytest.mark.parametrize("shell, marker", [("bash", "-F _tscope tscope"), ("zsh", "#compdef tscope"),
                                           ("fish", "complete -c 'tscope'")])
def test_completion_scripts_cover_the_commands(shell, marker, tmp_path):
    result = run_tscope("--generate-completion-script", shell)
    assert result.returncode == 0 and marker in result.stdout, result.stdout[:500]
    for command in ("quant", "report", "formats", "layers"):
        assert command in result.stdout
    # Where the shell is installed, the script must at least parse.
    if shutil.which(shell):
        script = tmp_path / f"tscope.{shell}"
        script.write_text(result.stdout)
        check = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
