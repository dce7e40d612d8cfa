"""Headless tscope (issue 6): report / merge / shards checked against `quant` and `fit`, and demos
recorded as asciicast v2 played back by an independent terminal emulator (pyte) into the screen
that `snapshot` prints."""
import csv
import io
import json
import math
import re

import numpy as np
import pyte
import pytest
from safetensors.numpy import save_file

from conftest import ROOT, run_json, run_tscope

FORMATS = ["nf4", "sf4@fit", "e2m1-sp"]


def format_args(formats=FORMATS):
    return [arg for fmt in formats for arg in ("--format", fmt)]


@pytest.fixture(scope="module")
def whole_report(sample_model, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    outputs = {}
    for ext in ("csv", "json", "md"):
        path = folder / f"report.{ext}"
        result = run_tscope("report", sample_model, *format_args(), "--out", path)
        outputs[ext] = path.read_text()
        outputs[f"{ext}_stdout"] = result.stdout
        outputs[f"{ext}_stderr"] = result.stderr
    return outputs


def close(a, b, rel=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


def test_json_report_rows_match_quant_and_fit(sample_model, whole_report):
    report = json.loads(whole_report["json"])
    assert report["settings"] == {
        "formats": FORMATS, "group": "128", "scale_mode": "absmax", "rotation": "none", "scale_bits": 16}
    layers = run_json("layers", sample_model)
    # Every tensor has its rows, those tscope does not analyse too (without numbers, with a reason).
    assert [r["name"] for r in report["rows"]] == [t["name"] for t in layers for _ in FORMATS]
    fits = {f["name"]: f for f in run_json("fit", sample_model)}
    quant = {(q["name"], q["format"]): q for q in run_json("quant", sample_model, "--layer", ".", *format_args())}
    for row in report["rows"]:
        q = quant[(row["name"], row["format"])]
        for field in ("mse", "sqnr_db", "max_abs_err", "rel_l2", "nu"):
            assert close(row[field], q[field]), (row["name"], row["format"], field)
        assert (row["group"], row["scale_mode"], row["reason"]) == (q["group"], q["scale_mode"], q["reason"])
        fit = fits[row["name"]]
        t, normal = fit["t"] or {}, fit["normal"] or {}  # null for a tensor tscope does not analyse
        assert close(row["nu"], t.get("nu")) and close(row["t_scale"], t.get("scale"))
        assert close(row["normal_std"], normal.get("scale")) and row["best_fit"] == fit["best"]
        assert row["count"] == fit["count"]


def test_summary_is_recomputed_from_the_rows(whole_report):
    report = json.loads(whole_report["json"])
    by_tensor = {}
    for row in report["rows"]:
        if row["sqnr_db"] is not None:  # rows without an SQNR (a dtype not analysed) count nowhere
            by_tensor.setdefault(row["name"], {})[row["format"]] = row["sqnr_db"]
    for entry in report["summary"]:
        values = [formats[entry["format"]] for formats in by_tensor.values()]
        assert math.isclose(entry["mean_sqnr_db"], sum(values) / len(values), rel_tol=1e-12)
        assert entry["wins"] == sum(1 for f in by_tensor.values() if f[entry["format"]] == max(f.values()))
        assert entry["worst"] == min(by_tensor, key=lambda n: by_tensor[n][entry["format"]])
    # The summary also goes to stdout, one line per format after the header.
    lines = whole_report["json_stdout"].strip().splitlines()
    assert lines[0].split() == ["format", "mean_sqnr_db", "weighted_sqnr_db", "wins", "worst", "tensors", "params",
                                "bpw"]
    assert [line.split()[0] for line in lines[1:1 + len(FORMATS)]] == FORMATS
    # Then the same per layer type (issue 12's by_layer_type), after a blank line.
    assert lines[1 + len(FORMATS)] == "" and lines[2 + len(FORMATS)].split()[:2] == ["layer_type", "format"]
    # Last, every tensor the summaries leave out, with the formats without an SQNR and the reason.
    omitted = {}
    for row in report["rows"]:
        if row["sqnr_db"] is None:
            omitted.setdefault((row["name"], row["reason"]), []).append(row["format"])
    assert omitted  # the sample's I64 position_ids
    start = lines.index("Not in the summary (no SQNR):")
    assert lines[start + 1].split() == ["tensor", "formats", "reason"]
    listed = {}
    for line in lines[start + 2:]:
        name, which, reason = re.split(r"\s{2,}", line.strip(), maxsplit=2)
        listed[(name, reason)] = which
    assert listed == {key: "all" if len(formats) == len(FORMATS) else " ".join(formats)
                      for key, formats in omitted.items()}


def test_csv_and_markdown_hold_the_same_rows(whole_report):
    report = json.loads(whole_report["json"])
    rows = list(csv.DictReader(io.StringIO(whole_report["csv"])))
    assert list(rows[0].keys()) == ["name", "format", "group", "scale_mode", "count", "nu", "t_scale",
                                    "normal_std", "best_fit", "mse", "sqnr_db", "max_abs_err", "rel_l2",
                                    "clip_ratio", "supernormal_value", "format_nu", "bpw", "layer_type", "opt_gap_db",
                                    "reason"]
    assert len(rows) == len(report["rows"])
    for text_row, json_row in zip(rows, report["rows"]):
        for key, value in json_row.items():
            if isinstance(value, (int, float)):  # JSON writes a whole clip_ratio as 1, CSV as 1.0
                assert float(text_row[key]) == value
            elif value is None:
                assert text_row[key] == ""
            else:
                assert text_row[key] == str(value)
    markdown = whole_report["md"]
    summary_at, tensors_at = markdown.index("## Summary"), markdown.index("## Tensors")
    assert summary_at < tensors_at
    table_lines = [line for line in markdown[tensors_at:].splitlines() if line.startswith("| ")]
    assert len(table_lines) == 1 + len(report["rows"])


def test_no_control_codes_when_stderr_is_not_a_terminal(whole_report):
    for ext in ("csv", "json", "md"):
        assert "\x1b" not in whole_report[f"{ext}_stderr"] and "\x1b" not in whole_report[f"{ext}_stdout"]


def test_shards_merged_equal_the_whole(sample_model, whole_report, tmp_path):
    parts = []
    for index in (1, 2, 3):
        part = tmp_path / f"part{index}.json"
        run_tscope("report", sample_model, *format_args(), "--shard", f"{index}/3", "--out", part)
        parts.append(part)
    whole = json.loads(whole_report["json"])
    assert sum(len(json.loads(p.read_text())["rows"]) for p in parts) == len(whole["rows"])
    merged_json, merged_csv = tmp_path / "merged.json", tmp_path / "merged.csv"
    run_tscope("merge", *reversed(parts), "--out", merged_json)
    run_tscope("merge", *parts, "--out", merged_csv)
    merged = json.loads(merged_json.read_text())
    assert merged["rows"] == whole["rows"] and merged["summary"] == whole["summary"]
    assert merged_csv.read_text() == whole_report["csv"]


def test_slurm_array_variables_choose_the_shard(sample_model, tmp_path):
    flag, slurm = tmp_path / "flag.json", tmp_path / "slurm.json"
    run_tscope("report", sample_model, "--format", "nf4", "--shard", "2/3", "--out", flag)
    run_tscope("report", sample_model, "--format", "nf4", "--out", slurm,
               env={"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"})
    assert json.loads(flag.read_text())["rows"] == json.loads(slurm.read_text())["rows"]


def one_line_status_2(result, *needles):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_bad_shard_and_mismatched_merges_are_refused(sample_model, tmp_path):
    one_line_status_2(run_tscope("report", sample_model, "--shard", "3/2", check=False), "3/2")
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    run_tscope("report", sample_model, "--format", "nf4", "--shard", "1/2", "--out", a)
    run_tscope("report", sample_model, "--format", "nf4", "--group", "32", "--shard", "2/2", "--out", b)
    one_line_status_2(run_tscope("merge", a, b, "--out", tmp_path / "m.json", check=False), "settings")
    one_line_status_2(run_tscope("merge", a, "--out", tmp_path / "m.json", check=False), "missing")
    other = tmp_path / "other.safetensors"
    save_file({"w": np.random.default_rng(0).standard_t(5, size=(64, 64)).astype(np.float32)}, str(other))
    c = tmp_path / "c.json"
    run_tscope("report", other, "--format", "nf4", "--shard", "2/2", "--out", c)
    one_line_status_2(run_tscope("merge", a, c, "--out", tmp_path / "m.json", check=False), "different model")
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize("option", [("--rotate", "hadamard:8", "rotation"), ("--scale-bits", "8", "scale bits")])
def test_parts_of_another_rotation_or_scale_bits_are_not_merged(sample_model, tmp_path, option):
    flag, value, named = option
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    run_tscope("report", sample_model, "--format", "nf4", "--shard", "1/2", "--out", a)
    run_tscope("report", sample_model, "--format", "nf4", flag, value, "--shard", "2/2", "--out", b)
    assert json.loads(b.read_text())["settings"][named.replace(" ", "_")] == (int(value) if value.isdigit() else value)
    one_line_status_2(run_tscope("merge", a, b, "--out", tmp_path / "m.json", check=False), named)
    assert not (tmp_path / "m.json").exists()


def test_key_script_errors_name_the_line(tmp_path):
    script = tmp_path / "bad.keys"
    script.write_text("# tour\nkey j\nwiggle 3\n")
    one_line_status_2(run_tscope("demo", "--script", script, "--cast", tmp_path / "x.cast", check=False),
                      "line 3", "wiggle")
    one_line_status_2(run_tscope("snapshot", "--size", "5x5", check=False), "5x5")
    assert not (tmp_path / "x.cast").exists()


def play(cast_text):
    """Plays an asciicast through pyte; returns (header, screen, event times)."""
    lines = cast_text.splitlines()
    header = json.loads(lines[0])
    screen = pyte.Screen(header["width"], header["height"])
    stream = pyte.Stream(screen)
    times = []
    for line in lines[1:]:
        time, code, data = json.loads(line)
        times.append(time)
        if code == "o":
            stream.feed(data)
        elif code == "r":
            width, height = map(int, data.split("x"))
            screen.resize(height, width)
    return header, screen, times


def without_timings(text):
    """The status line shows how long the last recompute took: the one thing that varies by run."""
    return re.sub(r"\d+(\.\d+)? ms", "_ ms", text)


def screen_text(screen):
    return "\n".join(line.rstrip() for line in screen.display).rstrip("\n")


@pytest.mark.parametrize("size", ["80x24", "120x40"])
def test_cast_plays_back_into_the_snapshot_screen(sample_model, tmp_path, size):
    script = tmp_path / "walk.keys"
    script.write_text("# a short walk\nkeys jj\nwait 0.5\nkey enter\ntype 2\nkey s\nresize 100x30\nresize " + size + "\n")
    cast = tmp_path / "walk.cast"
    run_tscope("demo", sample_model, "--script", script, "--cast", cast, "--size", "90x28")
    header, screen, times = play(cast.read_text())
    assert header["version"] == 2 and (header["width"], header["height"]) == (90, 28)
    assert times == sorted(times) and times[-1] >= 0.5
    width, height = map(int, size.split("x"))
    assert (screen.columns, screen.lines) == (width, height)
    snapshot = run_tscope("snapshot", sample_model, "--keys", "jj<enter>2s", "--size", size).stdout
    assert without_timings(screen_text(screen)) == without_timings(snapshot.rstrip("\n"))


def test_bundled_tour_touches_every_key_and_records(tmp_path):
    tour = ROOT / "samples" / "tour.keys"
    pressed = set()
    for line in tour.read_text().splitlines():
        verb, _, rest = line.strip().partition(" ")
        if verb == "key":
            pressed.add(rest)
        elif verb == "type":
            pressed.update(rest)
        elif verb == "keys":
            pressed.update(re.sub(r"<[a-z]+>", "", rest))
    for key in "fsgmceyzZnt?/":
        assert key in pressed, f"the tour never presses {key}"
    cast = tmp_path / "tour.cast"
    run_tscope("demo", "--script", tour, "--cast", cast)
    header, screen, times = play(cast.read_text())
    assert header["version"] == 2 and times == sorted(times)


def test_report_fits_large_tensors_on_a_subsample_within_the_spec(tmp_path):
    """Above 1M elements the report fits a 2^18-element subsample; --exact-fits fits every element.
    SPEC §5 allows a subsample fit whose full-data mean log-likelihood is within 1e-4 nats of the MLE:
    check that with scipy on the full data, against the exact fit's parameters."""
    from scipy import stats
    rng = np.random.default_rng(11)
    values = (0.02 * rng.standard_t(4.0, size=(1536, 1536))).astype(np.float32)
    model = tmp_path / "big.safetensors"
    save_file({"w": values}, str(model))
    sampled, exact = tmp_path / "sampled.json", tmp_path / "exact.json"
    run_tscope("report", model, "--format", "nf4", "--out", sampled)
    run_tscope("report", model, "--format", "nf4", "--exact-fits", "--out", exact)
    fast, full = json.loads(sampled.read_text())["rows"][0], json.loads(exact.read_text())["rows"][0]
    assert fast["mse"] == full["mse"] and fast["best_fit"] == full["best_fit"] == "t"
    assert abs(fast["nu"] / full["nu"] - 1) < 0.03
    loc = float(np.median(values))  # the report has no loc column; both fits' loc is this close to 0
    x = values.astype(np.float64).ravel()
    full_ll = stats.t.logpdf(x, full["nu"], loc=loc, scale=full["t_scale"]).mean()
    fast_ll = stats.t.logpdf(x, fast["nu"], loc=loc, scale=fast["t_scale"]).mean()
    assert fast_ll >= full_ll - 1e-4


@pytest.fixture(scope="module")
def odd_model(tmp_path_factory):
    """Tensors a user tries first: all zeros, a constant, ±1, all NaN, a normal control, and an I64
    tensor that is listed but not analysed."""
    rng = np.random.default_rng(3)
    tensors = {
        "zeros": np.zeros((8, 64), np.float32),
        "constant": np.full((8, 64), -0.5, np.float32),
        "plus_minus_one": rng.choice([-1.0, 1.0], size=(8, 64)).astype(np.float32),
        "nan": np.full((8, 64), np.nan, np.float32),
        "normal": rng.standard_normal((8, 64)).astype(np.float32),
        "ids": np.arange(64, dtype=np.int64),
    }
    path = tmp_path_factory.mktemp("odd") / "odd.safetensors"
    save_file(tensors, str(path))
    return path, tensors


ODD_FORMATS = ["nf4", "sf4@fit", "mxfp4"]


def test_quant_and_report_make_the_same_rows_on_odd_tensors(odd_model, tmp_path):
    """One row rule: quant's rows equal report's, with the effective group and scale (MXFP4: its
    block of 32 and absmax whatever was asked), group always a string, and a reason for every
    missing number. Nothing exits 2 because one tensor has no fit."""
    path, tensors = odd_model
    asked = ["--group", "channel", "--scale", "mse"]
    quant = run_json("quant", path, "--layer", ".", *format_args(ODD_FORMATS), *asked)
    out = tmp_path / "odd.json"
    run_tscope("report", path, *format_args(ODD_FORMATS), *asked, "--out", out)
    report = {(r["name"], r["format"]): r for r in json.loads(out.read_text())["rows"]}
    order = [t["name"] for t in run_json("layers", path)]  # the model's order, as every command keeps
    assert sorted(order) == sorted(tensors)
    assert [(q["name"], q["format"]) for q in quant] == [(name, f) for name in order for f in ODD_FORMATS]
    for q in quant:
        assert isinstance(q["group"], str)
        expected = ("32", "absmax") if q["format"] == "mxfp4" else ("channel", "mse")
        assert (q["group"], q["scale_mode"]) == expected, q
        missing = [f for f in ("nu", "mse", "sqnr_db", "max_abs_err", "rel_l2") if q[f] is None]
        assert bool(missing) == bool(q["reason"]), q  # a reason exactly where a number is missing
        if q["name"] == "ids":
            r = report[(q["name"], q["format"])]
            assert "I64" in q["reason"] and q["mse"] is None and r["mse"] is None and r["reason"] == q["reason"]
            continue
        r = report[(q["name"], q["format"])]
        for field in ("group", "scale_mode", "nu", "mse", "sqnr_db", "max_abs_err", "rel_l2", "count"):
            assert close(r[field], q[field]) if isinstance(q[field], float) else r[field] == q[field], (q, field)
        x = tensors[q["name"]].astype(np.float64)
        if q["name"] == "nan":
            assert q["mse"] is None and "finite" in q["reason"]
        elif q["name"] == "normal":
            assert q["nu"] > 0 and q["sqnr_db"] > 0 and q["reason"] is None
        else:
            # Zeros, a constant and ±1 land exactly on 0 or ±amax: no error in any format, at any
            # ν, so sf4@fit has its numbers although there is no t fit (its reason says so).
            assert q["mse"] == 0 and q["max_abs_err"] == 0 and q["sqnr_db"] is None
            assert q["nu"] is None and sum(q["code_usage"]) == x.size
            if q["format"] == "sf4@fit":
                assert "no t fit" in q["reason"] and "every ν" in q["reason"]


def test_quant_table_lists_every_tensor_and_says_why_numbers_are_missing(odd_model):
    path, _ = odd_model
    result = run_tscope("quant", path, "--layer", ".", "--format", "sf4@fit")
    lines = result.stdout.splitlines()
    order = [t["name"] for t in run_json("layers", path) if t["dtype"] != "I64"]
    assert [line.split()[0] for line in lines[1:6]] == order
    assert any(line.startswith("no numbers for nan × sf4@fit") for line in lines)
    assert result.stderr == "not analysed (dtype): ids (I64)\n"
    # SQNR: 0/0 for the zeros (no signal, no error), infinite where a tensor lands exactly on the codebook;
    # every reason the JSON gives is in the table's notes.
    cells = [re.split(r"\s{2,}", line.strip()) for line in lines[1:6]]
    sqnr = {row[0]: row[5] for row in cells}
    assert sqnr["zeros"] == "0/0" and sqnr["constant"] == "inf" and sqnr["plus_minus_one"] == "inf"
    assert float(sqnr["normal"]) > 0
    reasons = {q["name"]: q["reason"] for q in run_json("quant", path, "--layer", ".", "--format", "sf4@fit")
               if q["reason"] and q["mse"] is not None}
    assert set(reasons) == {"zeros", "constant", "plus_minus_one"}
    for name, reason in reasons.items():
        assert f"note on {name} × sf4@fit: {reason}" in lines


def test_quant_of_a_whole_model_with_sf4_fit_behaves_like_report(minilm):
    """MiniLM's pooler.dense.bias is all zeros and has no fit: quant still gives every tensor its
    row and exits 0; the row without ν says why."""
    from safetensors.numpy import load_file
    weights = load_file(str(minilm))
    rows = run_json("quant", minilm, "--layer", ".", "--format", "sf4@fit")
    assert sorted(r["name"] for r in rows) == sorted(weights)
    for row in rows:
        assert row["reason"] is None or row["nu"] is None or row["mse"] is None
        assert (row["nu"] is not None and row["mse"] is not None) or row["reason"], row
    zero_names = [name for name, array in weights.items() if not np.any(array)]
    assert "pooler.dense.bias" in zero_names
    for name in zero_names:
        (row,) = [r for r in rows if r["name"] == name]
        assert row["nu"] is None and "no t fit" in row["reason"] and row["mse"] == 0
