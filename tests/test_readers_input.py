"""Ad-file readers on unusual input: separators and comment lines (as the C++ library reads
them) and files that are not UTF-8 text (one positioned error, never a traceback)."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path
from typing import Any

import pytest

from classad import ClassAdSyntaxError, parse_ads
from classad.formats import load_ads
from negotiator.ads import read_ads
from negotiator.errors import NegotiatorError
from tests.test_cli import classad_exe, run
from tests.test_formats import _classad2


def _ours(text: str, fmt: str) -> list[dict[str, str]] | str:
    try:
        return [{k.lower(): repr(ad.eval(k)) for k in ad} for ad in parse_ads(text, fmt)]
    except ClassAdSyntaxError:
        return "error"


def _cpp(text: str, fmt: str) -> list[dict[str, str]] | str:
    c2 = _classad2()
    kind = c2.ParserType.New if fmt == "new" else c2.ParserType.Old
    try:
        ads = list(c2.parseAds(text, kind))
    except Exception:  # noqa: BLE001 - the bindings raise a plain exception on bad input
        return "error"
    return [{k.lower(): repr(ad.eval(k)) for k in ad} for ad in ads]


NEW_TEXTS = [
    "[;a = 1]", "[;;a = 1;]", "[a = 1;;b = 2]", "[a = 1 + 1;;b = 2]", "[a = 1; b = 2;;]",
    "[ ; a = 1 ]\n[ ;b = 2 ]",
]


@pytest.mark.oracle
@pytest.mark.parametrize("text", NEW_TEXTS)
def test_new_style_separators_as_cpp(text: str) -> None:
    assert _ours(text, "new") == _cpp(text, "new")


@pytest.mark.parametrize("text", ["[;]", "[ ; ; ]"])
def test_an_ad_of_separators_only_is_an_error(text: str) -> None:
    with pytest.raises(ClassAdSyntaxError):
        list(parse_ads(text, "new"))


OLD_TEXTS = [
    "a = 1\n// c\nb = 2\n",
    "a = 1\n/* c */\nb = 2\n",
    "a = 1\nb = 2\n// c\n\nc = 3\n",
    "a = 1\n\nb = 2\n// c\nd = 4\n\nc = 3\n",
    "a = 1\n\n// c\n",
    "a = 1\n\n// c\nb = 2\n",
    "// c\na = 1\n",
    "# c\na = 1\n// c\n",
    "a = 1\n# c\nb = 2\n\nc = 3\n",
]


@pytest.mark.oracle
@pytest.mark.parametrize("text", OLD_TEXTS)
def test_old_style_comment_lines_as_cpp(text: str) -> None:
    assert _ours(text, "old") == _cpp(text, "old")


_NOT_TEXT = {
    "utf16.ad": ("\ufeffMyType = \"Job\"\nCpus = 1\n".encode("utf-16"), (1, 1)),
    "utf16be.ad": ("Cpus = 1\n".encode("utf-16-be"), (1, 1)),
    "latin1.ad": ('Cpus = 1\nOwner = "j\xe9r\xf4me"\n'.encode("latin-1"), (2, 11)),
    "binary.ad": (bytes(range(256)) * 4, (2, 128 - 11 + 1)),  # 0x80 follows the 0x0a at 10
    "late.ad": ('Cpus = 1\nName = "\u00e9t\u00e9 \ud800"\n'.encode("utf-8", "surrogatepass"), (2, 13)),
}


@pytest.fixture(scope="module")
def not_text(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, tuple[int, int]]]:
    folder = tmp_path_factory.mktemp("nottext")
    files = {}
    for name, (data, place) in _NOT_TEXT.items():
        path = folder / name
        path.write_bytes(data)
        files[name] = (path, place)
    gz = folder / "utf16.ad.gz"
    gz.write_bytes(gzip.compress(_NOT_TEXT["utf16.ad"][0]))
    files["utf16.ad.gz"] = (gz, (1, 1))
    return files


@pytest.mark.parametrize("name", [*_NOT_TEXT, "utf16.ad.gz"])
def test_load_ads_names_the_place(not_text: Any, name: str) -> None:
    path, (line, column) = not_text[name]
    with pytest.raises(ClassAdSyntaxError) as info:
        load_ads(path)
    err = info.value
    assert (err.source, err.line, err.column) == (str(path), line, column)


@pytest.mark.parametrize("name", ["utf16.ad", "binary.ad", "latin1.ad"])
@pytest.mark.parametrize("command", [("convert",), ("eval", "--my"), ("match",)])
def test_commands_report_one_line(not_text: Any, name: str, command: tuple[str, ...]) -> None:
    path, (line, column) = not_text[name]
    args = [*command, str(path)]
    if command == ("eval", "--my"):
        args.append("1")
    if command == ("match",):
        args.append(str(path))
    proc = run(*args)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert f"{path}:{line}:{column}:" in proc.stderr and "UTF-8" in proc.stderr


def test_commands_read_stdin_bytes() -> None:
    done = subprocess.run([*classad_exe(), "convert", "-"], input="Cpus = 1\n".encode("utf-16"),
                          capture_output=True, timeout=300, check=False)
    assert done.returncode != 0
    assert b"<stdin>:1:1:" in done.stderr and b"Traceback" not in done.stderr


@pytest.mark.parametrize("name", ["utf16.ad", "binary.ad"])
def test_negotiator_reader_reports_the_file(not_text: Any, name: str) -> None:
    path, (line, _) = not_text[name]
    with pytest.raises(NegotiatorError) as info:
        read_ads(path, "slot")
    assert str(path) in str(info.value) and "UTF-8" in str(info.value)


JSON_INTEGERS = ["9223372036854775807", "9223372036854775808", "-9223372036854775808",
                 "-9223372036854775809", "99999999999999999999", "-0", "1" + "0" * 4300,
                 "-" + "9" * 5000]


@pytest.mark.oracle
@pytest.mark.parametrize("number", JSON_INTEGERS, ids=lambda s: s[:24])
def test_json_integers_out_of_range_as_cpp(number: str) -> None:
    text = f'{{"a": {number}, "b": [{number}], "c": {{"d": {number}}}}}'
    c2 = _classad2()
    cpp = c2.parseOne(text, c2.ParserType.JSON)
    ours = parse_ads(f"[{text}]", "json").__next__()
    assert ours.eval("a") == cpp.eval("a")
    assert ours.eval("b") == [cpp.eval("a")]
    assert ours.eval("c").eval("d") == cpp.eval("a")
