"""End to end: tmux runs the real tscope binary in a real terminal on the sample model.

Every wait polls `capture-pane` until the screen shows what is expected, twice in a row (or a
timeout fails the test with the last screen), so the test does not depend on how fast the machine is.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid

import pytest

from conftest import tscope_binary

TIMEOUT = 30


class Tmux:
    def __init__(self, command, width=100, height=30):
        if shutil.which("tmux") is None:
            pytest.fail("tmux is not installed (scripts/setup installs it)")
        self.socket = f"tscope-test-{uuid.uuid4().hex[:8]}"
        self.tmux(
            "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
            f"{command}; echo tscope exited $?; sleep 600",
        )

    def tmux(self, *args):
        return subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "t")

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "t", *keys)

    def wait_for(self, predicate, what, timeout=TIMEOUT):
        """The screen once `predicate` holds on two captures in a row that are the same.

        A capture can fall in the middle of a frame's output (ncurses writes a frame in pieces):
        the header of the new frame over the rows of the old. Asking for the same screen twice
        keeps such a half-drawn frame from passing for the frame the test waits for."""
        deadline = time.monotonic() + timeout
        screen = ""
        matched = None
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                if screen == matched:
                    return screen
                matched = screen
            else:
                matched = None
            time.sleep(0.05)
        pytest.fail(f"timed out waiting for {what}; last screen:\n{screen}")

    def wait_text(self, text, timeout=TIMEOUT):
        return self.wait_for(lambda screen: text in screen, repr(text), timeout)

    def cursor_visible(self):
        return self.tmux("display-message", "-p", "-t", "t", "#{cursor_flag}").strip() == "1"

    def alternate_screen_on(self):
        return self.tmux("display-message", "-p", "-t", "t", "#{alternate_on}").strip() == "1"

    def resize(self, width, height):
        self.tmux("resize-window", "-t", "t", "-x", str(width), "-y", str(height))

    def tscope_pid(self):
        shell = int(self.tmux("display-message", "-p", "-t", "t", "#{pane_pid}").strip())
        with open(f"/proc/{shell}/task/{shell}/children") as children:
            return int(children.read().split()[0])

    def close(self):
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


def table(screen):
    """{format: SQNR text} for every row of the error table that has numbers."""
    rows = {}
    for line in screen.splitlines():
        match = re.search(r"[ ▶]●(\S+)\s+≈?[0-9.e+-]+\s+([0-9.]+)\s", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def header(screen):
    """The focused tensor's name (first line of the right-hand pane)."""
    # A screen captured mid-draw may lack the line or its panes: no name yet.
    try:
        line = screen.splitlines()[1]
        return line.split("│")[2].split()[0]
    except IndexError:
        return ""


def settled(screen):
    return "ready" in screen and "computing" not in screen and "loading" not in screen


@pytest.fixture
def explorer(sample_model):
    env = "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8"
    session = Tmux(f"{env} {tscope_binary()} {sample_model}")
    yield session
    session.close()


def test_browse_toggle_compare_resize_quit(explorer):
    screen = explorer.wait_for(lambda s: settled(s) and "SQNR dB" in s, "the first tensor's table")
    assert explorer.alternate_screen_on()
    first = header(screen)

    # Move through the layers: the right-hand pane follows.
    explorer.keys("j")
    screen = explorer.wait_for(lambda s: header(s) != first and settled(s), "the next tensor")
    explorer.keys("j")
    screen = explorer.wait_for(lambda s: settled(s) and len(table(s)) == 4, "a settled table")
    before = table(screen)
    assert set(before) == {"INT4", "NF4", "SF4(fit)", "E2M1"}

    # Toggle a format on (6: E2M1-I): a new row with its numbers.
    explorer.keys("6")
    screen = explorer.wait_for(lambda s: "E2M1-I" in table(s) and settled(s), "the E2M1-I row")
    plain_sqnr = table(screen)["E2M1-I"]
    # Supernormal on the focused format (E2M1-I): the row becomes E2M1-I-SR with new numbers.
    explorer.keys("s")
    screen = explorer.wait_for(lambda s: "E2M1-I-SR" in table(s) and settled(s), "the E2M1-I-SR row")
    assert "supernormal: SR" in screen
    after = table(screen)
    assert after["E2M1-I-SR"] != plain_sqnr
    # Untouched formats keep their numbers.
    for name in ("INT4", "NF4", "E2M1"):
        assert after[name] == before[name]
    # SR -> SP -> none: back to the plain row, from the cache, with its old numbers.
    explorer.keys("s", "s")
    plain = explorer.wait_for(lambda s: "E2M1-I" in table(s) and settled(s), "back to E2M1-I")
    assert table(plain)["E2M1-I"] == plain_sqnr

    # Compare view: the SQNR × group table fills in (every cell, a winner per column), `e` shows
    # the error histograms, `c` goes back.
    explorer.keys("c")
    explorer.wait_for(lambda s: "compare SQNR dB by group" in s and "winner" in s and settled(s), "the compare table")
    explorer.keys("e")
    explorer.wait_text("compare error")
    explorer.keys("e", "c")
    explorer.wait_text("SQNR dB")

    # Resize to 50x15 and back: the frame follows the terminal.
    explorer.resize(50, 15)
    small = explorer.wait_for(
        lambda s: len(s.rstrip("\n").split("\n")) == 15 and s.split("\n")[14].startswith("└")
        and s.split("\n")[14].rstrip().endswith("┘") and len(s.split("\n")[14].rstrip()) == 50,
        "the 50x15 frame")
    assert "group" in small
    explorer.resize(30, 10)
    explorer.wait_text("terminal too small")
    explorer.resize(100, 30)
    explorer.wait_for(lambda s: "SQNR dB" in s and len(s.split("\n")[0].rstrip()) == 100, "the 100x30 frame")

    explorer.keys("q")
    explorer.wait_text("tscope exited 0")
    assert not explorer.alternate_screen_on()


def copied_output(command, steps, folder):
    """The bytes `command` writes to its terminal, copied by tmux's pipe-pane into `folder`
    (started before the command starts, so the first frame is in the copy), after
    `steps(session)` and the command's exit."""
    started, raw = folder / "started", folder / "raw"
    session = Tmux(f"while [ ! -e {started} ]; do sleep 0.05; done; {command}")
    try:
        session.tmux("pipe-pane", "-o", "-t", "t", f"cat > {raw}")
        started.touch()
        steps(session)
        session.wait_text("tscope exited 0")
        # The copy is written as tmux reads the pane: wait for the shell's line after tscope's last bytes.
        deadline = time.monotonic() + TIMEOUT
        while b"tscope exited" not in raw.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        session.close()
    data = raw.read_bytes()
    assert b"tscope exited 0" in data
    return data


def assert_frames_synchronized(data, text):
    """Every frame's drawing lies inside one synchronized-output bracket (DEC mode 2026,
    ESC [?2026h ... ESC [?2026l), so a terminal that has the mode never shows a frame half drawn,
    and each bracket is closed; `text` is on a frame."""
    begin, end = b"\x1b[?2026h", b"\x1b[?2026l"
    marks = re.findall(rb"\x1b\[\?2026[hl]", data)
    assert len(marks) >= 4 and marks == [begin, end] * (len(marks) // 2), marks
    # Outside the brackets: only mode changes (the alternate screen, keypad, cursor), no drawing.
    outside = b"".join(re.split(rb"\x1b\[\?2026h.*?\x1b\[\?2026l", data, flags=re.S))
    assert "│".encode() not in outside and text not in outside, outside
    inside = b"".join(re.findall(rb"\x1b\[\?2026h(.*?)\x1b\[\?2026l", data, flags=re.S))
    assert "│".encode() in inside and text in inside


def test_frames_reach_the_terminal_whole(sample_model, tmp_path):
    """The explorer's frames, as written to the terminal, are each in one synchronized bracket."""
    def steps(session):
        session.wait_for(lambda s: settled(s) and "SQNR dB" in s, "the first tensor's table")
        session.keys("j")
        session.wait_for(lambda s: settled(s) and len(table(s)) == 4, "the next tensor")
        session.keys("q")

    env = "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8"
    data = copied_output(f"{env} {tscope_binary()} {sample_model}", steps, tmp_path)
    assert_frames_synchronized(data, b"SQNR dB")


def test_demo_frames_reach_the_terminal_whole(sample_model, tmp_path):
    """`tscope demo` played live (the raw-ANSI terminal): each frame in one synchronized bracket."""
    script = tmp_path / "walk.keys"
    script.write_text("keys jj\nwait 0.2\nkey enter\ntype 2\n")
    env = "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8"
    command = f"{env} {tscope_binary()} demo {sample_model} --script {script}"
    data = copied_output(command, lambda session: None, tmp_path)
    assert_frames_synchronized(data, b"SQNR dB")


def test_ctrl_c_restores_the_terminal(explorer):
    explorer.wait_for(settled, "the first screen")
    explorer.keys("C-c")
    explorer.wait_text("tscope exited 0")
    assert not explorer.alternate_screen_on()


def test_sigterm_restores_the_terminal(explorer):
    explorer.wait_for(settled, "the first screen")
    os.kill(explorer.tscope_pid(), signal.SIGTERM)
    explorer.wait_text("tscope exited")
    assert not explorer.alternate_screen_on()


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE])
def test_every_signal_restores_the_terminal(explorer, number):
    explorer.wait_for(settled, "the first screen")
    assert explorer.alternate_screen_on() and not explorer.cursor_visible()
    os.kill(explorer.tscope_pid(), number)
    screen = explorer.wait_text("tscope exited")
    # Forwarded to the loop: it ends the normal way, so no shell "Quit"/"Broken pipe" death.
    assert "tscope exited 0" in screen, screen
    assert not explorer.alternate_screen_on()
    assert explorer.cursor_visible()


def test_sigbus_restores_the_terminal_with_one_line(explorer):
    explorer.wait_for(settled, "the first screen")
    os.kill(explorer.tscope_pid(), signal.SIGBUS)
    screen = explorer.wait_text("tscope exited")
    assert "tscope exited 2" in screen, screen
    # Sent by a process, not raised by a read: the line says so rather than blame a model file.
    assert "tscope: stopped by a SIGBUS sent by another process" in screen
    assert "Bus error" not in screen and "core dumped" not in screen
    assert not explorer.alternate_screen_on()
    assert explorer.cursor_visible()


def test_truncated_model_is_named_not_a_crash(minilm, tmp_path):
    copy = tmp_path / "model.safetensors"
    shutil.copyfile(minilm, copy)
    env = "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8"
    # Named relative to its folder, so the status line has room for the whole message.
    session = Tmux(f"cd {tmp_path} && {env} {tscope_binary()} model.safetensors", width=160, height=40)
    try:
        session.wait_for(settled, "the first screen")
        size = copy.stat().st_size
        os.truncate(copy, 20_000_000)
        # To the last tensor, whose bytes now lie past the file's end.
        session.keys("/", "pooler.dense.weight", "Enter")
        line = f"model.safetensors: changed on disk (size {size:,} → 20,000,000 bytes) since it was opened"
        screen = session.wait_text(f"{line}; press R to reopen")
        assert f"not analysed: {line}" in screen, screen
        session.keys("q")
        screen = session.wait_text("tscope exited")
        assert "tscope exited 0" in screen, screen
        assert not session.alternate_screen_on()
        assert session.cursor_visible()
    finally:
        session.close()


def test_R_reopens_a_rewritten_model(minilm, tmp_path):
    """A copy of MiniLM is rewritten in place with every float weight doubled (same names); the
    explorer notices when the cursor moves, says so with the key that reopens, and after `R`
    shows the new values: the header's normal σ is numpy's std of the doubled weights."""
    import numpy as np
    from safetensors.numpy import load_file, save

    copy = tmp_path / "model.safetensors"
    shutil.copyfile(minilm, copy)
    env = "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8"
    session = Tmux(f"cd {tmp_path} && {env} {tscope_binary()} model.safetensors", width=160, height=40)
    name = "encoder.layer.0.attention.self.query.weight"
    try:
        session.wait_for(settled, "the first screen")
        original = load_file(str(copy))
        doubled = {key: value * 2 if value.dtype.kind == "f" else value for key, value in original.items()}
        with open(copy, "r+b") as file:
            file.write(save(doubled))
            file.truncate()
        # To the query weight: its load finds the file changed.
        session.keys("/", name, "Enter")
        screen = session.wait_text("; press R to reopen")
        assert "model.safetensors: changed on disk" in screen, screen

        session.keys("R")
        screen = session.wait_for(
            lambda s: settled(s) and header(s) == name and "normal: σ=" in s and "press R" not in s,
            "the reopened model's tensor")
        assert "changed on disk" not in screen, screen
        shown = float(re.search(r"normal: σ=([0-9.e+-]+)", screen).group(1))
        expected = float(np.std(doubled[name].astype(np.float64)))
        assert abs(shown - expected) <= 0.01 * expected, (shown, expected)
        # Not the old file's σ: that is half as large.
        assert abs(shown - expected / 2) > 0.4 * expected
        session.keys("q")
        assert "tscope exited 0" in session.wait_text("tscope exited")
    finally:
        session.close()


def test_ascii_fallback_without_utf8(sample_model):
    session = Tmux(f"env TERM=xterm LANG=C LC_ALL=C {tscope_binary()} {sample_model}")
    try:
        screen = session.wait_for(settled, "the first screen")
        assert "SQNR dB" in screen and "+-" in screen
        assert all(ord(ch) < 128 for ch in screen), screen
        session.keys("q")
        session.wait_text("tscope exited 0")
    finally:
        session.close()


def test_model_overview_on_minilm(minilm, tmp_path):
    """Issue 12: open MiniLM, switch to the overview, wait until no estimate is left, open a
    tensor from it with Enter, and come back; the exact model line equals `report`'s summary."""
    env = "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8"
    session = Tmux(f"{env} {tscope_binary()} {minilm}", width=120, height=40)
    try:
        session.wait_for(settled, "the first tensor")
        session.keys("v")
        screen = session.wait_for(lambda s: re.search(r"model overview .*· exact\s+│", s), "every exact value",
                                  timeout=240)
        assert "≈" not in screen
        model_line = next(line for line in screen.splitlines() if "model: mean SQNR" in line)
        shown = [float(x) for x in re.findall(r"\d+\.\d\d", model_line)]
        report = subprocess.run(
            [tscope_binary(), "report", str(minilm), "--format", "int4", "--format", "nf4", "--format", "sf4@fit",
             "--format", "e2m1", "--out", str(tmp_path / "r.json")], capture_output=True, text=True, check=True)
        summary = {line["format"]: line["mean_sqnr_db"] for line in json.loads((tmp_path / "r.json").read_text())["summary"]}
        assert shown == [round(summary[f], 2) for f in ("int4", "nf4", "sf4@fit", "e2m1")]
        # Down to the first layer type, expand it, down to its first tensor, open it.
        session.keys("j")
        session.keys("Enter")
        session.keys("j")
        row = session.wait_for(lambda s: "▶     " in s, "a tensor row (indented under its layer type)")
        name = row.split("▶")[1].split()[0]
        session.keys("Enter")
        screen = session.wait_for(lambda s: "model overview" not in s and settled(s), "the tensor page")
        assert header(screen) == name or name.endswith("…")
        session.keys("v")
        session.wait_text("model overview")
        session.keys("Escape")
        session.wait_for(lambda s: "model overview" not in s and "SQNR dB" in s, "back on the tensor page")
    finally:
        session.close()


def test_sorted_lists_and_compare_on_minilm(minilm):
    """Issue 16 on real weights: sorted lists keep the block number and the tensor's own name and
    show the sort value; the compare view shows SQNR per format × group size with the winners."""
    env = "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8"
    session = Tmux(f"{env} {tscope_binary()} {minilm}", width=100, height=30)
    try:
        session.wait_for(settled, "the first tensor")
        session.keys("o")
        screen = session.wait_for(lambda s: "Layers by size" in s and settled(s), "the list by size")
        # Each row ends in its element count, right-aligned, largest first; names keep the block number.
        def count(text):
            return float(text[:-1]) * {"k": 1e3, "M": 1e6}[text[-1]] if text[-1] in "kM" else float(text)
        sizes = [count(v) for v in re.findall(r"\s(\d+(?:\.\d+)?[kM]?)│", screen)]
        assert len(sizes) >= 5 and sizes == sorted(sizes, reverse=True), screen
        assert re.search(r"\s5\.…?\S*(weight|bias)\s", screen), screen
        session.keys("o")
        screen = session.wait_for(
            lambda s: "Layers by ν" in s and "…│" not in s and settled(s), "every ν", timeout=120)
        values = [float(v) for v in re.findall(r"\s(\d+\.\d+)│", screen)]
        assert len(values) >= 5 and values == sorted(values), screen
        assert re.search(r"\b\d\.\S*(bias|weight)\s", screen), screen
        session.keys("c")
        screen = session.wait_for(lambda s: "compare SQNR dB by group" in s and "lead dB" in s and settled(s), "the compare table",
                                  timeout=120)
        assert "tensor" in screen or "tens" in screen
    finally:
        session.close()
