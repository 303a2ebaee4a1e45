"""The SWF reader's lines: read a chunk at a time, the same records as reading line by line,
and the line-length budget at its exact edges."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from negotiator.errors import NegotiatorError
from negotiator.sim import swf


def _record_line(n: int) -> str:
    return (f"{n} {n * 3} {n % 7} {100 + n % 1000} 1 -1 {n % 50} 1 -1 {2048 + n % 3} "
            f"{n % 2} {n % 40} {n % 5} -1 {n % 3} -1 -1 -1")


def test_records_across_many_chunks_are_those_of_the_lines(tmp_path: Path) -> None:
    lines = ["; MaxProcs: 8", "; Note: made for this test"]
    for n in range(1, 60_001):
        lines.append(_record_line(n))
        if n % 9_999 == 0:
            lines += ["", ";   a comment between records", "  "]
    text = "\r\n".join(lines)  # Windows line ends, no newline at the end
    path = tmp_path / "many.swf.gz"
    path.write_bytes(gzip.compress(text.encode()))
    assert len(text) > 3 * swf._CHUNK
    header, records = swf.read_swf(path)
    expected = [(number, line.split()) for number, line in enumerate(text.split("\r\n"), 1)
                if line.strip() and not line.strip().startswith(";")]
    assert [(r.line, r.job, r.submit, r.run, r.req_memory, r.queue) for r in records] == [
        (number, int(f[0]), float(f[1]), float(f[3]), float(f[9]), int(f[14]))
        for number, f in expected]
    assert header.number("MaxProcs") == 8


@pytest.mark.parametrize(("length", "newline", "fails"), [
    (swf.MAX_LINE - 1, True, False),   # MAX_LINE characters with its newline
    (swf.MAX_LINE, True, True),
    (swf.MAX_LINE, False, False),      # the last line, without a newline
    (swf.MAX_LINE + 1, False, True),
    (swf.MAX_LINE * 600, False, True),  # longer than a chunk, no newline at all
])
def test_the_line_budget_at_its_edges(tmp_path: Path, length: int, newline: bool,
                                      fails: bool) -> None:
    long = ";" + "x" * (length - 1)  # a comment line of `length` characters
    path = tmp_path / "edge.swf"
    path.write_text(f"{_record_line(1)}\n{long}" + ("\n" if newline else ""))
    if fails:
        with pytest.raises(NegotiatorError, match="line longer than") as caught:
            swf.read_swf(path)
        assert f"{path}:2" in str(caught.value)
    else:
        assert len(swf.read_swf(path)[1]) == 1
