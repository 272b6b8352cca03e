"""The `abonement_regexp` filter of AccountList: which patterns are safe to run (`check_abonement_regexp`)."""
from __future__ import annotations

import math
import re

from common.params import ParamError

REGEXP_MAX_LENGTH = 100
ABONEMENT_MAX_LENGTH = 32  # Account.abonement
REGEXP_COST_LIMIT = 100_000
_REGEXP_TOKEN = re.compile(
    r"\\[dD]|\\[.^$*+?()\[\]{}|\\/-]"         # \d, \D and escaped punctuation
    r"|\[\^?(?:[0-9.^-]|\\d|\\[\]\\-])+\]"    # a bracket class of digits, ranges and \d
    r"|\{\d{1,2}(?:,\d{0,2})?\}"              # {n}, {n,}, {n,m}
    r"|\(\?:|[0-9^$.()|?*+]"
)


def check_abonement_regexp(pattern: str) -> None:
    """Refuse a pattern that could be slow or that the databases read differently.

    Abonements are digits, so patterns are built from digits, `.`, classes, groups, alternation,
    anchors and quantifiers only: no backreferences, lookarounds or flags (PostgreSQL and Python,
    which SQLite uses, disagree on those). Python's engine backtracks, so a quantified group that
    itself holds a quantifier or an alternation (`(\\d+)+`) is refused, and so is a pattern whose
    worst-case backtracking over a 32-digit abonement exceeds a fixed budget.
    """
    if len(pattern) > REGEXP_MAX_LENGTH:
        raise ParamError("abonement_regexp", f"longer than {REGEXP_MAX_LENGTH} characters")
    groups: list[bool] = []  # per open group: does it hold a quantifier or an alternation?
    closed_complex = False  # the atom just before is a group holding one
    quantifiers = alternations = 0
    position = 0
    while position < len(pattern):
        match = _REGEXP_TOKEN.match(pattern, position)
        if match is None:
            raise ParamError("abonement_regexp", f"refused (unsupported syntax at position {position})")
        token, position = match.group(), match.end()
        if token in ("(", "(?:"):
            groups.append(False)
        elif token == ")":
            if not groups:
                raise ParamError("abonement_regexp", "refused (unbalanced parenthesis)")
            inner = groups.pop()
            if groups and inner:
                groups[-1] = True
            closed_complex = inner
            continue
        elif token in ("*", "+", "?") or token.startswith("{"):
            counts = [int(n) for n in re.findall(r"\d+", token)]
            if any(n > ABONEMENT_MAX_LENGTH for n in counts):
                raise ParamError("abonement_regexp", f"refused (repetition above {ABONEMENT_MAX_LENGTH})")
            if closed_complex and token != "?":
                raise ParamError("abonement_regexp", "refused (nested quantifiers)")
            if not (token.startswith("{") and "," not in token):
                quantifiers += 1
            if groups:
                groups[-1] = True
        elif token == "|":
            alternations += 1
            if groups:
                groups[-1] = True
        closed_complex = False
    if math.comb(ABONEMENT_MAX_LENGTH + quantifiers, quantifiers) * 2 ** alternations > REGEXP_COST_LIMIT:
        raise ParamError("abonement_regexp", "too complex")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ParamError("abonement_regexp", f"not a regular expression ({exc.msg})") from None
