"""The one `$` scanner both macro languages share (negotiator.policy.macros.scan)."""

from __future__ import annotations

from pathlib import Path

import pytest

from negotiator.policy.macros import Expander, MacroError


def _config(text: str, **macros: str) -> str:
    return Expander(lambda name: macros.get(name), env={"HOME": "/home/u"}).expand(text)


def test_the_configuration_dialect_keeps_its_forms() -> None:
    assert _config("$(A) $(B:dflt) $ENV(HOME) $INT(N) $$(Memory) $(DOLLAR)", A="a", N="2+3") == (
        "a dflt /home/u 5 $$(Memory) $")
    # configuration functions still take their arguments to the matching ')'
    assert _config("$INT((1+2)*3)") == "9"
    assert _config("$NOSUCH(x) $ (y)") == "$NOSUCH(x) $ (y)"


def test_an_unclosed_dollar_dollar_is_text_and_the_rest_is_still_expanded() -> None:
    # HTCondor's scanner: `$$(` without its ')' is not a match-time macro; `$(X)` after it is ours
    assert _config("a $$( b $(X)", X="x") == "a $$( b x"
    assert _config("$$$(X)", X="x") == "$$x"


def test_budgets_still_bound_the_configuration_dialect() -> None:
    with pytest.raises(MacroError, match="does not terminate"):
        _config("$(A)", A="$(A)")
    with pytest.raises(MacroError, match="unterminated"):
        _config("$(A")


def test_a_function_value_that_makes_itself_again_is_an_error_not_a_hang(tmp_path: Path) -> None:
    from negotiator.queue.submit import SubmitError, read_submit

    text = "executable = /bin/true\narguments = $ENV(LOOP)\nqueue\n"
    with pytest.raises(SubmitError, match="keeps making macros"):
        read_submit(tmp_path / "s.sub", text).expand(1, "u", 0, tmp_path, env={"LOOP": "$ENV(LOOP)"})
