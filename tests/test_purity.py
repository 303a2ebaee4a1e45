"""Values kept per ad: only attributes that depend on their own ad, dropped when it changes."""

from __future__ import annotations

from classad import parse_ad
from classad.purity import is_self_contained


def test_self_contained_attributes() -> None:
    ad = parse_ad("[A = 1; B = A + 1; C = TARGET.X; D = Missing + 1; E = MY.B * 2; "
                  "F = time(); G = B > 0 && E > 0; H = H + 1]")
    assert is_self_contained(ad, "B")
    assert is_self_contained(ad, "E")
    assert is_self_contained(ad, "G")
    assert is_self_contained(ad, "H")
    assert not is_self_contained(ad, "C")
    assert not is_self_contained(ad, "D")  # a name the ad lacks falls back to TARGET
    assert not is_self_contained(ad, "F")


def test_kept_values_follow_changes() -> None:
    ad = parse_ad("[A = 1; B = A + 1]")
    assert ad.eval("B") == 2
    ad["A"] = 41
    assert ad.eval("B") == 42
    del ad["A"]
    slot = parse_ad("[A = 7]")
    assert ad.eval("B", target=slot) == 8


def test_values_met_through_a_cycle_are_not_kept() -> None:
    ad = parse_ad("[X = isUndefined(Y); Y = X]")
    assert ad.eval("Y") is True
    assert ad.eval("X") is True
    assert ad.eval("Y") is True
