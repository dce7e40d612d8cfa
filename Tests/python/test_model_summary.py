"""Issue 12's headless parts against independent recomputation: bits per weight from the shapes
the safetensors library reads, by_layer_type and the model summary recomputed from the CSV rows,
the Pareto frontier recomputed from its points, and the paper's Table 10 in `formats --json`."""
import csv
import json
import math

import pytest
from safetensors.numpy import load_file

from conftest import ROOT, run_json, run_tscope

FORMATS = ["int4", "nf4", "sf4", "e2m1", "e2m1-sr", "e2m1-sp", "apot4"]

# arXiv 2405.03103, Table 10: MAC area (µm²) and power (µW), TSMC 28 nm.
PAPER_TABLE_10 = {
    "int4": (160.7, 48.5), "e2m1-i": (228.2, 59.7), "e2m1-b": (268.9, 67.9), "e2m1": (170.4, 49.6),
    "e2m1-sr": (191.3, 53.5), "e2m1-sp": (218.0, 54.6), "e3m0": (217.7, 59.5), "apot4": (181.6, 47.2),
    "apot4-sp": (185.1, 45.5),
}


@pytest.fixture(scope="module")
def minilm_report(minilm, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    args = [a for f in FORMATS for a in ("--format", f)]
    run_tscope("report", minilm, *args, "--group", "128", "--pareto", "--out", folder / "r.json")
    run_tscope("report", minilm, *args, "--group", "128", "--out", folder / "r.csv")
    document = json.loads((folder / "r.json").read_text())
    with open(folder / "r.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return document, rows


def expected_bpw(fmt, shape, group, scale_bits=16):
    count = math.prod(shape)
    row = shape[-1]
    rows = count // row
    if fmt == "mxfp4":
        return 4 + 8 * rows * math.ceil(row / 32) / count
    if fmt == "nvfp4":
        return 4 + (8 * rows * math.ceil(row / 16) + 32) / count
    groups = {"tensor": 1, "channel": rows}.get(group) or rows * math.ceil(row / min(int(group), row))
    extra = 4 if fmt == "int4-asym" else 0
    return 4 + (scale_bits + extra) * groups / count


def test_bpw_follows_the_storage_formula(minilm, minilm_report):
    _, rows = minilm_report
    shapes = {name: array.shape for name, array in load_file(str(minilm)).items()}
    for row in rows:
        assert float(row["bpw"]) == pytest.approx(expected_bpw(row["format"], shapes[row["name"]], "128"), rel=1e-12)
    # The fixed points: nf4 at group 128 on a 384-wide row is 4.125.
    assert any(float(r["bpw"]) == 4.125 for r in rows if r["format"] == "nf4")


@pytest.mark.parametrize("group", ["channel", "tensor", "64"])
def test_bpw_at_other_groups_and_scale_bits(minilm, group):
    shapes = {name: array.shape for name, array in load_file(str(minilm)).items()}
    name = "encoder.layer.0.intermediate.dense.weight"
    out = run_json("quant", minilm, "--layer", name.replace(".", r"\.") + "$", "--format", "nf4",
                   "--format", "int4-asym", "--format", "mxfp4", "--format", "nvfp4", "--group", group,
                   "--scale-bits", "8")
    for row in out:
        assert row["bpw"] == pytest.approx(expected_bpw(row["format"], shapes[name], group, 8), rel=1e-12)


def layer_type_of(name):
    """The overview's groups for BERT names (an independent table, not tscope's rules)."""
    if "LayerNorm" in name:
        return "norm"
    if name.endswith("_embeddings.weight"):
        return "embedding"
    for part, kind in (("attention.self.query", "attn_q"), ("attention.self.key", "attn_k"),
                       ("attention.self.value", "attn_v"), ("attention.output.dense", "attn_o"),
                       ("intermediate.dense", "mlp_up"), ("output.dense", "mlp_down")):
        if part in name:
            return kind
    return "other"


def test_layer_types_of_bert_names(minilm_report):
    _, rows = minilm_report
    for row in rows:
        assert row["layer_type"] == layer_type_of(row["name"]), row["name"]


def tally(rows):
    """Per format: tensors, params, mean and weighted SQNR, wins (ties win for all)."""
    out = {}
    best = {}
    for row in rows:
        entry = out.setdefault(row["format"], {"tensors": 0, "params": 0, "sum": 0.0, "wsum": 0.0, "wins": 0})
        if row["sqnr_db"] == "":
            continue
        sqnr, count = float(row["sqnr_db"]), int(row["count"])
        entry["tensors"] += 1
        entry["params"] += count
        entry["sum"] += sqnr
        entry["wsum"] += sqnr * count
        best.setdefault(row["name"], []).append((sqnr, row["format"]))
    for candidates in best.values():
        top = max(s for s, _ in candidates)
        for sqnr, fmt in candidates:
            if sqnr == top:
                out[fmt]["wins"] += 1
    return out


def test_by_layer_type_equals_the_rows(minilm_report):
    document, rows = minilm_report
    expected = {}
    for kind in {r["layer_type"] for r in rows}:
        for fmt, entry in tally([r for r in rows if r["layer_type"] == kind]).items():
            expected[(kind, fmt)] = entry
    got = {(e["layer_type"], e["format"]): e for e in document["by_layer_type"]}
    assert set(got) == set(expected)
    for key, entry in expected.items():
        line = got[key]
        assert (line["tensors"], line["params"], line["wins"]) == (entry["tensors"], entry["params"], entry["wins"])
        assert line["mean_sqnr_db"] == pytest.approx(entry["sum"] / entry["tensors"], rel=1e-12)
        assert line["weighted_sqnr_db"] == pytest.approx(entry["wsum"] / entry["params"], rel=1e-12)


def test_model_summary_equals_the_rows(minilm_report):
    document, rows = minilm_report
    expected = tally(rows)
    for line in document["summary"]:
        entry = expected[line["format"]]
        assert line["wins"] == entry["wins"] and line["params"] == entry["params"]
        assert line["weighted_sqnr_db"] == pytest.approx(entry["wsum"] / entry["params"], rel=1e-12)
        fmt_rows = [r for r in rows if r["format"] == line["format"]]
        bits = sum(float(r["bpw"]) * int(r["count"]) for r in fmt_rows) / sum(int(r["count"]) for r in fmt_rows)
        assert line["bpw"] == pytest.approx(bits, rel=1e-12)


def test_frontier_is_the_pareto_set_of_its_points(minilm_report):
    document, _ = minilm_report
    pareto = document["pareto"]
    assert (pareto["x"], pareto["y"]) == ("area", "mean_sqnr_db")
    summary = {line["format"]: line for line in document["summary"]}
    placed = {p["format"] for p in pareto["points"]}
    # Formats the paper gives no cost for are listed, not placed.
    assert set(pareto["without_cost"]) == {"nf4", "sf4"} and placed == set(FORMATS) - {"nf4", "sf4"}
    for point in pareto["points"]:
        assert point["x"] == PAPER_TABLE_10[point["format"]][0]
        assert point["y"] == summary[point["format"]]["mean_sqnr_db"]
        dominated = any(
            q["x"] <= point["x"] and q["y"] >= point["y"] and (q["x"] < point["x"] or q["y"] > point["y"])
            for q in pareto["points"])
        assert point["on_frontier"] == (not dominated)


def test_markdown_has_the_layer_type_and_frontier_tables(minilm, tmp_path):
    run_tscope("report", minilm, "--format", "int4", "--format", "e2m1", "--pareto", "--pareto-x", "bpw",
               "--out", tmp_path / "r.md")
    text = (tmp_path / "r.md").read_text()
    assert "## By layer type" in text and "## Pareto frontier (x = bpw, y = mean_sqnr_db)" in text


def test_formats_json_carries_bits_scale_bits_and_the_papers_costs():
    listed = {f["id"]: f for f in run_json("formats")}
    for fmt, (area, power) in PAPER_TABLE_10.items():
        assert listed[fmt]["cost"]["area"] == area and listed[fmt]["cost"]["power"] == power
        assert "2405.03103" in listed[fmt]["cost"]["source"]
    assert listed["nf4"]["cost"] is None and listed["sf4"]["cost"] is None
    assert (listed["nf4"]["bits"], listed["nf4"]["scale_bits"]) == (4, 16)
    assert (listed["mxfp4"]["scale_bits"], listed["nvfp4"]["scale_bits"]) == (8, 8)


def test_user_costs_extend_the_papers(tmp_path):
    costs = tmp_path / "costs.toml"
    costs.write_text('[nf4]\narea = 250\npower = 70.5\nsource = "our synthesis"\n')
    listed = {f["id"]: f for f in run_json("formats", "--costs", costs)}
    assert listed["nf4"]["cost"] == {"area": 250, "power": 70.5, "source": "our synthesis"}
    assert listed["int4"]["cost"]["area"] == 160.7
    costs.write_text('replace = true\n[nf4]\narea = 250\npower = 70.5\nsource = "ours"\n')
    listed = {f["id"]: f for f in run_json("formats", "--costs", costs)}
    assert listed["int4"]["cost"] is None


@pytest.mark.parametrize("text, needle", [
    ('[nosuchformat]\narea = 1\npower = 1\nsource = "x"\n', "[nosuchformat]"),
    ('[int4]\narea = -1\npower = 1\nsource = "x"\n', "[int4].area"),
    ('[int4]\narea = "big"\npower = 1\nsource = "x"\n', "[int4].area"),
    ('[int4]\narea = 1\nsource = "x"\n', "'power'"),
    ('[int4]\narea = 1\npower = 1\n', "'source'"),
])
def test_bad_costs_file_is_one_line_naming_file_and_key(tmp_path, text, needle):
    costs = tmp_path / "bad-costs.toml"
    costs.write_text(text)
    for command in (["formats"], ["report", ROOT / "samples" / "sample.safetensors", "--pareto"]):
        result = run_tscope(*command, "--costs", costs, check=False)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "bad-costs.toml" in lines[0] and needle in lines[0], result.stderr
