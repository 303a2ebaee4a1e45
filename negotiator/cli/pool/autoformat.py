"""`-af[:jlhVr,tng] ATTR ...`: condor_q / condor_history / condor_status's automatic formatting.

The qualifiers, as HTCondor's tools read them: `j` the job id first, `l` label each field
(`Attr = value`), `h` column headings (then the columns line up), `V` strings quoted, `r` (or `o`)
the raw expression unevaluated, `,` a comma after each field, `t` a tab (not a space) before each
field, `n` a newline after each field, `g` a newline between ads and no space before fields. A
separator goes between fields, never before the first or after the last; each ad ends in a
newline. Unknown qualifier letters are ignored, as HTCondor does.
"""

from __future__ import annotations

from dataclasses import dataclass

from classad import parse_expr
from classad.ad import ClassAd
from classad.errors import ClassAdError
from classad.evaluator import evaluate_expr
from classad.unparse import unparse, unparse_value


@dataclass(frozen=True)
class Style:
    label: bool = False
    quote: bool = False
    raw: bool = False
    headings: bool = False
    job_id: bool = False
    before: str = " "      # before every field but the first
    after: str = ""        # after every field but the last
    between_ads: str = ""  # before every ad


def style(qualifiers: str) -> Style:
    """The qualifiers after `-af:` (in any order; later ones win where they conflict)."""
    flags: dict[str, bool] = {}
    before, after, between = " ", "", ""
    for q in qualifiers:
        if q == ",":
            after = ","
        elif q == "n":
            after = "\n"
        elif q == "g":
            before, between = "", "\n"
        elif q == "t":
            before = "\t"
        elif q in "lVhj":
            flags[{"l": "label", "V": "quote", "h": "headings", "j": "job_id"}[q]] = True
        elif q in "ro":
            flags["raw"] = True
    return Style(before=before, after=after, between_ads=between, **flags)


def _parse(text: str) -> object:
    try:
        return parse_expr(text)
    except ClassAdError as exc:
        raise ValueError(f"-af argument '{text}' is not a valid expression: {exc}") from None


def _field(ad: ClassAd, text: str, tree: object, how: Style) -> str:
    if how.raw:
        stored = ad.lookup(text) if _is_name(text) else None
        return unparse(stored if stored is not None else tree)  # type: ignore[arg-type]
    value = evaluate_expr(tree, ad, None)  # type: ignore[arg-type]
    return value if type(value) is str and not how.quote else unparse_value(value)


def _is_name(text: str) -> bool:
    return text.isidentifier()


def autoformat(ads: list[ClassAd], attrs: list[str], qualifiers: str = "") -> list[str]:
    """One string per ad (fields joined by the style's separators), headings first with `h`."""
    how = style(qualifiers)
    trees = [_parse(a) for a in attrs]
    rows: list[list[str]] = []
    for ad in ads:
        cells = [_field(ad, text, tree, how) for text, tree in zip(attrs, trees, strict=True)]
        if how.label and not how.headings:
            cells = [f"{text} = {cell}" for text, cell in zip(attrs, cells, strict=True)]
        rows.append(cells)
    ids = [_job_id(ad) for ad in ads] if how.job_id else None
    if how.headings:
        return _table(attrs, rows, ids, how)
    out = []
    for i, cells in enumerate(rows):
        line = _join(cells, how)
        if ids is not None:
            first = ("ID = " if how.label else "") + ids[i]
            line = first + (how.after + how.before if cells else "") + line
        out.append(how.between_ads + line)
    return out


def _join(cells: list[str], how: Style) -> str:
    return (how.after + how.before).join(cells)


def _job_id(ad: ClassAd) -> str:
    return f"{_int(ad, 'ClusterId')}.{_int(ad, 'ProcId')}"


def _int(ad: ClassAd, name: str) -> str:
    value = ad.eval(name)
    return str(value) if type(value) is int else "?"


def _table(attrs: list[str], rows: list[list[str]], ids: list[str] | None,
           how: Style) -> list[str]:
    """Left-aligned columns as wide as their widest cell or heading (HTCondor's auto width)."""
    widths = [max([len(a)] + [len(r[c]) for r in rows]) for c, a in enumerate(attrs)]
    lines = [[a.ljust(w) for a, w in zip(attrs, widths, strict=True)]]
    lines += [[cell.ljust(w) for cell, w in zip(r, widths, strict=True)] for r in rows]
    out = []
    if ids is not None:
        # the cluster right-aligned in at least 4 places and a dot, the proc left-aligned in 3
        clusters = [i.split(".")[0] for i in ids]
        procs = [i.split(".")[1] for i in ids]
        cw = max([4] + [len(c) for c in clusters])
        pw = max([3] + [len(p) for p in procs])
        heads = [" ID".ljust(cw + 1 + pw)]
        heads += [f"{c:>{cw}}.{p:<{pw}}" for c, p in zip(clusters, procs, strict=True)]
        for i, cells in enumerate(lines):
            out.append(how.between_ads + heads[i] + (how.after + how.before if cells else "")
                       + _join(cells, how))
        return out
    return [how.between_ads + _join(cells, how) for cells in lines]
