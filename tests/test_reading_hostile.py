"""Reading inputs that fight back: devices, FIFOs, symlink loops, glob characters in names, binary files.

A regression in some of these hangs or eats memory instead of failing, so those run in a child process
with a memory cap and a time limit.
"""

from __future__ import annotations

import json
import os
import random
import sys

import pytest

from summarizer.errors import InputError
from summarizer.inputs.paths import expand_paths
from summarizer.inputs.reading import read_article

from conftest import run_python

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="devices, FIFOs and symlinks are POSIX")

NOT_REGULAR = "is not a regular file (a device, FIFO or socket); give a text file"
_GUARD = "import resource\nresource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"


def _in_child(code: str, timeout: float = 60) -> str:
    """stdout of `code` run under 2 GiB and `timeout` seconds: a hang or a runaway read fails, not stalls."""
    proc = run_python(_GUARD + code, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip()


def _read_error_in_child(path: str) -> str:
    code = f"""
from summarizer.errors import InputError
from summarizer.inputs.reading import read_article
try:
    read_article({path!r})
except InputError as exc:
    print(exc)
else:
    print("read without error")
"""
    return _in_child(code)


def _expand_in_child(paths: list[str]) -> list[str]:
    code = f"import json\nfrom summarizer.inputs.paths import expand_paths\nprint(json.dumps(expand_paths({paths!r})))"
    return json.loads(_in_child(code, timeout=30))


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
@pytest.mark.slow
def test_devices_are_refused_without_reading(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} is not on this system")
    assert _read_error_in_child(device) == f"{device}: {NOT_REGULAR}"


@pytest.mark.slow
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "news.txt"
    os.mkfifo(fifo)
    assert _read_error_in_child(str(fifo)) == f"{fifo}: {NOT_REGULAR}"


@pytest.mark.slow
def test_symlink_to_a_device_is_followed_and_refused(tmp_path):
    link = tmp_path / "story.txt"
    link.symlink_to("/dev/zero")
    assert "story.txt: is not a regular file" in _read_error_in_child(str(link))


@pytest.mark.slow
def test_folder_expansion_skips_fifos_and_devices(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "real.txt").write_text("A real story.")
    os.mkfifo(folder / "pipe.txt")
    (folder / "zero.txt").symlink_to("/dev/zero")
    assert _expand_in_child([str(folder)]) == [str(folder / "real.txt")]


def test_zero_size_regular_file_over_the_limit_is_refused():
    # /proc files say size 0 in stat but have content: the limit must hold on what is read, not on stat.
    if not os.path.isfile("/proc/self/status"):
        pytest.skip("no /proc")
    with pytest.raises(InputError, match=r"/proc/self/status: input is over the .* limit"):
        read_article("/proc/self/status", max_bytes=100)


def _tree_with_loops(root, loops: int):
    """root/a/one.txt, root/a/sub/two.txt, and symlinks in a/sub that lead back up."""
    sub = root / "a" / "sub"
    sub.mkdir(parents=True)
    (root / "a" / "one.txt").write_text("One story.")
    (sub / "two.txt").write_text("Two stories.")
    (sub / "loop").symlink_to("..")
    if loops > 1:
        (sub / "loop2").symlink_to(os.path.join("..", ".."))
    return root / "a"


def test_one_symlink_loop_yields_each_file_once(tmp_path):
    top = _tree_with_loops(tmp_path / "news", loops=1)
    expected = [str(top / "one.txt"), str(top / "sub" / "two.txt")]
    assert expand_paths([str(top / "**" / "*.txt")]) == expected
    assert expand_paths([str(top)]) == expected


@pytest.mark.parametrize("form", ["glob", "folder"])
@pytest.mark.slow
def test_two_symlink_loops_finish(tmp_path, form):
    top = _tree_with_loops(tmp_path / "news", loops=2)
    arg = str(top / "**" / "*.txt") if form == "glob" else str(top)
    assert _expand_in_child([arg]) == [str(top / "one.txt"), str(top / "sub" / "two.txt")]


def test_symlinked_folder_outside_the_tree_is_still_read(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "far.txt").write_text("Far away.")
    top = tmp_path / "news"
    top.mkdir()
    (top / "near.txt").write_text("Close by.")
    (top / "linked").symlink_to(elsewhere)
    assert expand_paths([str(top)]) == [str(top / "linked" / "far.txt"), str(top / "near.txt")]


def test_same_file_by_two_spellings_or_a_symlink_is_read_once(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    one = folder / "one.txt"
    one.write_text("One story.")
    link = folder / "alias.txt"
    link.symlink_to(one)
    other = os.path.join(str(folder), "..", "news", "one.txt")
    assert expand_paths([str(one), other, str(link)]) == [str(one)]
    assert expand_paths([str(link), str(one)]) == [str(link)]  # the first spelling wins
    assert expand_paths([str(folder)]) == [str(link)]  # "alias.txt" sorts first
    assert expand_paths([str(folder / "*.txt"), str(one)]) == [str(link)]


@pytest.mark.parametrize("name", ["[draft] news.txt", "a*b.txt", "what?.txt", "[x].md"])
def test_existing_names_with_glob_characters_are_literal(tmp_path, name):
    path = tmp_path / name
    path.write_text("A story with an odd file name.")
    (tmp_path / "d.txt").write_text("A file that [draft] as a pattern would match.")
    assert expand_paths([str(path)]) == [str(path)]
    assert read_article(str(path)).text == "A story with an odd file name."


def test_existing_folder_with_glob_characters_is_literal(tmp_path):
    folder = tmp_path / "[2024] archive"
    folder.mkdir()
    (folder / "story.txt").write_text("Archived.")
    assert expand_paths([str(folder)]) == [str(folder / "story.txt")]


def test_missing_names_with_glob_characters_are_patterns(tmp_path):
    (tmp_path / "d.txt").write_text("Matched by the class [draft].")
    assert expand_paths([str(tmp_path / "[draft].txt")]) == [str(tmp_path / "d.txt")]
    with pytest.raises(InputError, match=r"\[nothing\]\*\.txt: no file matches this pattern"):
        expand_paths([str(tmp_path / "[nothing]*.txt")])


def test_escaped_glob_characters_match_literally(tmp_path):
    (tmp_path / "[draft] one.txt").write_text("One.")
    (tmp_path / "[draft] two.txt").write_text("Two.")
    (tmp_path / "d one.txt").write_text("Not a draft.")
    found = expand_paths([str(tmp_path / "[[]draft] *.txt")])
    assert found == [str(tmp_path / "[draft] one.txt"), str(tmp_path / "[draft] two.txt")]


@pytest.mark.parametrize(
    "blob",
    [
        b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(3000),
        b"PK\x03\x04" + random.Random(2).randbytes(4000),
        random.Random(3).randbytes(5000),
        bytes(range(256)) * 20,
        b"\x00" * 64,
    ],
    ids=["png", "zip", "random", "all-bytes", "nuls"],
)
def test_binary_files_are_still_refused(tmp_path, blob):
    path = tmp_path / "photo.txt"
    path.write_bytes(blob)
    with pytest.raises(InputError, match="photo.txt: (looks like a binary file|not UTF-8 and no text encoding)"):
        read_article(str(path))
