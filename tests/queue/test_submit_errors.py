"""A bad submit file gives one SubmitError line naming file:line, never a traceback or a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from negotiator.queue.submit import SubmitError, read_submit

BAD = [
    # (file text, line of the error, words of the message)
    ("executable = /bin/true\nuniverse = grid\nqueue\n", 2, "not supported"),
    ("executable = /bin/true\nuniverse = nonsense\nqueue\n", 2, "no such universe"),
    ("executable = /bin/true\ndocker_send_credentials = true\nqueue\n", 2,
     "'docker_send_credentials' is an HTCondor submit command this reader does not support"),
    ("executable = /bin/true\ndeferral_time = 3\nqueue\n", 2, "does not support"),
    ("executable = /bin/true\nrequirements = (Memory >\nqueue\n", 2, "not a valid ClassAd"),
    ("executable = /bin/true\nrequest_memory = 1 2 3\nqueue\n", 2, "not a valid ClassAd"),
    ("executable = /bin/true\nrequest_memory = 1G, 2G\nqueue\n", 2, "retry"),
    ("executable = /bin/true\nhold = maybe\nqueue\n", 2, "must be a boolean"),
    ("executable = /bin/true\npriority = high\nqueue\n", 2, "must be an integer"),
    ("arguments = x\nqueue\n", 2, "no 'executable'"),
    ("universe = docker\nexecutable = /bin/true\nqueue\n", 1, "docker_image"),
    ("docker_image = a\ncontainer_image = b.sif\nqueue\n", 2, "both docker_image"),
    ("executable = /bin/true\nif defined X\nqueue\n", 2, "without 'endif'"),
    ("executable = /bin/true\nendif\nqueue\n", 2, "without 'if'"),
    ("executable = /bin/true\ninclude : other.sub\nqueue\n", 2, "not supported"),
    ("executable = /bin/true\nthis line has no equals\nqueue\n", 2, "expected 'name = value'"),
    ("executable = /bin/true\narguments = $(unclosed\nqueue\n", 2, "unterminated"),
    ("executable = /bin/true\narguments = $NOSUCH(x)\nqueue\n", 2, "not a macro function"),
    ("executable = /bin/true\narguments = \"unterminated\nqueue\n", 2, "unterminated"),
    ("executable = /bin/true\narguments = one \"two\nqueue\n", 2, "unescaped double-quote"),
    ("executable = /bin/true\nenvironment = \"novalue\"\nqueue\n", 2, "missing '='"),
    ("executable = /bin/true\nA = $(B)\nB = $(A)\narguments = $(A)\nqueue\n", 4,
     "nested more than"),
    ("executable = /bin/true\n+Bad Attr = 1\nqueue\n", 2, "not a valid"),
    ("executable = /bin/true\nMY.x.y = 1\nqueue\n", 2, "not a valid job attribute"),
    ("executable = /bin/true\nshould_transfer_files = sometimes\nqueue\n", 2, "YES, NO"),
    ("executable = /bin/true\nshould_transfer_files = NO\ntransfer_input_files = a\nqueue\n",
     2, "disabled should_transfer_files"),
    ("executable = /bin/true\nnotification = sometimes\nqueue\n", 2, "Never"),
    ("executable = /bin/true\naccounting_group = bad group!\nqueue\n", 2, "invalid"),
    ("executable = /bin/true\nx = $INT(y)\ny = abc\narguments = $(x)\nqueue\n", 4,
     "does not evaluate to a number"),
    ("executable = /bin/true\n", 2, "no queue statement"),
    ("executable = /bin/true\nBlock @=end\nline\n", 2, "never closed"),
    ("executable = /bin/true\ninitialdir = no/such/dir\nqueue\n", 2, "No such directory"),
]


@pytest.mark.parametrize(("text", "line", "words"), BAD, ids=[b[2][:30] for b in BAD])
def test_bad_input_names_file_and_line(text: str, line: int, words: str, tmp_path: Path) -> None:
    path = tmp_path / "job.sub"
    with pytest.raises(SubmitError) as info:
        read_submit(path, text).expand(1, "alice", 0, tmp_path, env={})
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message
    assert "\n" not in message


def test_user_macros_stay_legal(tmp_path: Path) -> None:
    sf = read_submit(None, "my_setting = 42\nInputFile = data.in\nexecutable = /bin/true\n"
                           "arguments = $(my_setting) $(InputFile)\nqueue\n")
    (ad,) = sf.expand(1, "alice", 0, tmp_path, env={})
    assert ad.eval("Args") == "42 data.in"
    assert "my_setting" not in ad


def test_unreadable_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(SubmitError, match="cannot read the submit file"):
        read_submit(tmp_path / "missing.sub")
    bad = tmp_path / "bin.sub"
    bad.write_bytes(b"executable = /bin/true\narguments = \xff\xfe\nqueue\n")
    with pytest.raises(SubmitError, match=rf"^{bad}:2: .*not UTF-8"):
        read_submit(bad)


def test_queue_budget(tmp_path: Path) -> None:
    with pytest.raises(SubmitError, match="more than 1000000 procs"):
        read_submit(None, "executable = /bin/true\nqueue 600000\nqueue 600000\n")
