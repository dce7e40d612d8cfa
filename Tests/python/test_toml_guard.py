"""tscope's TOML files against Python's own TOML reader (tomllib, TOML 1.0).

toml++ (inside TOMLKit) aborts the process on some invalid TOML, so tscope checks TOML 1.0's
grammar first (Sources/Formats/TOMLGuard.swift). These tests read valid documents that cover the
grammar, and a few thousand mutations of them, as `--codebook` files, and hold tscope to tomllib:
- no document crashes tscope: it exits 0, or 2 with one line;
- a document tomllib reads is never refused as bad TOML;
- a document tomllib refuses is refused, naming its line.
"""
import random
import re
import tomllib

import pytest

from conftest import run_tscope

# Valid TOML 1.0 codebook files: every kind of key, string, number, date and table the grammar has.
VALID = [
    "[mine]\nvalues = [-1, -0.5, 0, 0.25, 0.5, 1]\n",
    "# a comment\n\n[ mine ]  # after a header\nname = \"My \\\"4\\\"-bit \\u00e9\\U0001F600\"\nbits = 4\n"
    "values = [\n  -1.0, # the least\n  0,\n  1e0,\n]\n",
    "[mine]\r\nvalues = [0, 1]\r\nnote = 'C:\\path'\r\n",
    "\ufeff[mine]\nvalues = [0,1]\n",
    "[mine]\nvalues = [0, 1]\nnumbers = [0, 0x1F, 0o17, 0b101, 1_000, +2, 3.5e-3, 6.02E+23, 1e1_0, 0.0_1]\n"
    "specials = [inf, +inf, -inf, nan, +nan, -nan, -0, +0, 0e0]\n",
    "[mine]\nvalues = [0, 1]\ndates = [1979-05-27T07:32:00Z, 1979-05-27t07:32:00.999999-07:00, "
    "1979-05-27 07:32:00, 1979-05-27, 07:32:00, 00:32:00.5, 2000-02-29, 1979-05-27T07:32:59+23:59]\n",
    "[mine]\nvalues = [0, 1]\nml = \"\"\"\nRoses are red\nViolets \\\n   are blue\"\"\"\nq4 = \"\"\"x\"\"\"\"\n"
    "q5 = \"\"\"x\"\"\"\"\"\nlit = '''\nThe first newline is\n trimmed in raw strings.'''\nl5 = '''y'''''\n"
    "inner = \"\"\"a \"\" b\"\"\"\nempty = \"\"\nempty_ml = ''''''\n",
    "[mine]\nvalues = [0, 1]\n\"quoted key\" = 1\n'literal key' = 2\na.b . c = 3\n\"x\".'y'.z-_9 = 4\n"
    "inline = { a = 1, b.c = [1, 2], d = {} , 'e' = \"f\" }\nnested = [[1, 2], ['a', \"b\"], [], [{}], "
    "[[[]]]]\n",
    "[mine]\nvalues = [0, 1]\n[mine.sub]\nx = 1\n[[mine.rows]]\ny = 1\n[[mine.rows]]\ny = 2\n"
    "[ mine . 'other' ]\nz = true\nw = false\n",
    "[mine]\nvalues = [0, 1]\ntabs\t=\t\"tab\tinside\"\nctrl = \"\\b\\t\\n\\f\\r\\\"\\\\\"\n# é ü 中 \t comment\n",
    "[mine]\nvalues = [0, 1]\nlines = \"\"\"one\r\ntwo\\\r\n  three\"\"\"\n",
    "[mine]\nvalues = [ # open\n\n  0 , # zero\n  1 # one\n  # alone\n]\n",
]

# Invalid TOML whose first error sits on a known line; several once crashed tscope (toml++'s
# assertions): the first four came from fuzzing.
INVALID = [
    ("[=]\n", 1),
    ("a = [\"\"\"x\"\"\"\", 1]\n[=]\n", 2),
    ("[mine]\nd = 1979-05-27 0\n", 2),
    ("v = [\u0085]\n", 1),
    ("[mine]\nvalues = [-1,\n -0.5, }}}0.38, 1.0]\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = 1979-02-29\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = 07:32\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = 01\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = 1__0\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = 1.\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = +0x1\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = \"\\x41\"\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = \"\\uD800\"\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = { a = 1, }\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = { a = 1,\n b = 2 }\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = \"a\u0001\"\n", 3),
    ("[mine]\nvalues = [0, 1]\n# bell \u0007\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = 1\ry = 2\n", 3),
    ("[mine]\nvalues = [0, 1]\n[[mine.rows] ]\n", 3),
    ("[mine]\nvalues = [0, 1]\n[ [mine.rows]]\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = '''a''''''\n", 3),
    ("[mine]\nvalues = [0, 1]\n\"\"\"k\"\"\" = 1\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = 1979-05-27T07:32:60Z\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = 1 2\n", 3),
    ("[mine]\nvalues = [0, 1]\nx = \u00a01\n", 3),
]

SYNTAX_REFUSAL = re.compile(r"line (\d+): ")


def read_codebook(tmp_path, text: str):
    """tscope's verdict on `text` as a --codebook file: (exit status, stderr)."""
    path = tmp_path / "codebooks.toml"
    path.write_bytes(text.encode("utf-8"))
    result = run_tscope("formats", "--codebook", path, check=False, timeout=60)
    return result.returncode, result.stderr


def tomllib_reads(text: str) -> bool:
    try:
        tomllib.loads(text.removeprefix("\ufeff"))  # a leading byte-order mark is skipped, as toml++ does
        return True
    except tomllib.TOMLDecodeError:
        return False


@pytest.mark.parametrize("text", VALID)
def test_valid_documents_are_read(tmp_path, text):
    assert tomllib_reads(text)
    status, stderr = read_codebook(tmp_path, text)
    assert status == 0, stderr


@pytest.mark.parametrize("text,line", INVALID)
def test_invalid_documents_are_refused_at_their_line(tmp_path, text, line):
    assert not tomllib_reads(text)
    status, stderr = read_codebook(tmp_path, text)
    assert status == 2, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "codebooks.toml" in stderr
    match = SYNTAX_REFUSAL.search(stderr)
    assert match and int(match.group(1)) == line, stderr


def test_deep_nesting_is_refused_in_one_line(tmp_path):
    """tomllib reads arrays 200 deep; tscope stops at 128, so a hostile file cannot exhaust the stack."""
    text = "[mine]\nvalues = [0, 1]\nx = " + "[" * 200 + "]" * 200 + "\n"
    assert tomllib_reads(text)
    status, stderr = read_codebook(tmp_path, text)
    assert status == 2 and len(stderr.strip().splitlines()) == 1, stderr
    assert "line 3: arrays and inline tables nested more than 128 deep" in stderr
    status, stderr = read_codebook(tmp_path, "[mine]\nvalues = [0, 1]\nx = " + "[" * 128 + "]" * 128 + "\n")
    assert status == 0, stderr


# What the mutations insert: TOML's punctuation, and characters toml++ treats specially.
ALPHABET = list("[]{}\"'#=,.\\ \t\n\r0123456789+-:_eExobTtZzinaf") + ["\u0085", "\u2028", "\u00a0", "\x00", "\x7f", "\x1b"]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text) + 1)
        kind = rng.randrange(4)
        if kind == 0 and text:
            text = text[:at] + text[at + 1:]
        elif kind == 1:
            text = text[:at] + rng.choice(ALPHABET) + text[at:]
        elif kind == 2:
            end = min(len(text), at + rng.randint(1, 12))
            text = text[:end] + text[at:end] + text[end:]
        else:
            other = rng.choice(VALID)
            start = rng.randrange(len(other))
            text = text[:at] + other[start:start + rng.randint(1, 20)] + text[at:]
    return text


def test_mutated_documents_agree_with_tomllib(tmp_path):
    rng = random.Random(20261204)
    disagreements = []
    for case in range(1500):
        text = mutate(rng.choice(VALID), rng)
        status, stderr = read_codebook(tmp_path, text)
        assert status in (0, 2), f"case {case}: exit {status} on {text!r}: {stderr[-400:]}"
        assert len(stderr.strip().splitlines()) <= 1, f"case {case}: {stderr!r}"
        refused_as_toml = status == 2 and SYNTAX_REFUSAL.search(stderr) is not None
        if tomllib_reads(text) == refused_as_toml:
            disagreements.append((text, stderr.strip()))
    assert not disagreements, f"{len(disagreements)} disagree with tomllib, e.g. {disagreements[:3]}"
