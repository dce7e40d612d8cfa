"""The explorer's compare view (`c`): the SQNR × group table of one real MiniLM tensor, read off
the headless screen (`tscope snapshot`), equals `tscope quant --group G --json` for every format
and group, and the `best` line names each column's highest SQNR."""
import re

from conftest import run_json, run_tscope

TENSOR = "encoder.layer.5.output.dense.weight"
GROUPS = ["tensor", "channel", "32", "64", "128", "256"]
# The default selection plus SF4(5) (key 3); SF4(fit)'s ν comes from the explorer's own fit.
FORMATS = {"INT4": "int4", "NF4": "nf4", "SF4(5)": "sf4", "E2M1": "e2m1"}


def compare_table(screen):
    """{row name: [SQNR per group]} and the best line's names, from the compare view."""
    rows, best = {}, None
    for line in screen.splitlines():
        body = line.strip("|").strip("│")
        match = re.match(r"^\s*●(\S+)\s+((?:[≈~]?[0-9.-]+\s+){5}[≈~]?[0-9.-]+)\s*$", body)
        if match:
            rows[match.group(1)] = [float(cell.lstrip("≈~")) for cell in match.group(2).split()]
        elif body.strip().startswith("best "):
            best = body.split()[1:7]
    return rows, best


def test_compare_table_equals_quant_at_every_group(minilm):
    screen = run_tscope(
        "snapshot", minilm, "--keys", f"/{TENSOR}<enter>3c", "--size", "120x40").stdout
    assert "compare SQNR dB by group" in screen and "≈" not in screen.split("compare error")[0]
    rows, best = compare_table(screen)
    assert set(FORMATS) <= set(rows), screen
    for column, group in enumerate(GROUPS):
        args = ["quant", minilm, "--layer", f"^{TENSOR}$", "--group", group]
        for spec in FORMATS.values():
            args += ["--format", spec]
        by_format = {row["format"]: row["sqnr_db"] for row in run_json(*args)}
        for name, spec in FORMATS.items():
            assert rows[name][column] == round(by_format[spec], 2), (name, group)
        shown = {name: values[column] for name, values in rows.items()}
        top = max(shown.values())
        winners = [name for name, value in shown.items() if value == top]
        assert best[column] in (winners if len(winners) == 1 else winners + ["tie"]), (group, shown, best)
