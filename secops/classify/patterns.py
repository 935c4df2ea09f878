"""Load-time safety check for patterns in user-edited rules.

A pattern is accepted only if both scan engines (hyperscan and RE2) compile it, which rules out
backreferences and lookaround, and if it has no nested unbounded quantifier such as ``(a+)+``: harmless
to our linear-time engines, but catastrophic in every backtracking engine the same rule text may be
copied into, so it is refused with a message that says how to rewrite it.
"""

from __future__ import annotations

import importlib
from typing import Any

from secops.classify.scanner import check_linear

_parser: Any = importlib.import_module("re._parser")
_constants: Any = importlib.import_module("re._constants")
_REPEATS = {_constants.MAX_REPEAT, _constants.MIN_REPEAT, getattr(_constants, "POSSESSIVE_REPEAT", None)}


def _nested_unbounded(items: Any, inside_repeat: bool) -> bool:
    for op, arg in items:
        if op in _REPEATS:
            _low, high, sub = arg
            unbounded = high == _constants.MAXREPEAT or high > 1000
            if inside_repeat and unbounded:
                return True
            if _nested_unbounded(sub, inside_repeat or unbounded or high > 1):
                return True
        elif op == _constants.SUBPATTERN:
            if _nested_unbounded(arg[-1], inside_repeat):
                return True
        elif op == _constants.BRANCH and any(_nested_unbounded(branch, inside_repeat) for branch in arg[1]):
            return True
    return False


def refuse_reason(pattern: str, *, caseless: bool = False) -> str | None:
    """Why ``pattern`` is refused, or None when it is safe to load."""
    if not pattern:
        return "empty pattern"
    reason = check_linear(pattern, utf8=True, caseless=caseless)
    if reason is not None:
        return (f"pattern {pattern!r} is refused: the linear-time engines cannot run it ({reason}); "
                "backreferences and lookaround are not supported")
    try:
        tree = _parser.parse(pattern.replace("\\x{", "\\u{"))
    except Exception:  # syntax the engines accept but Python's parser does not: engines decided above
        return None
    if _nested_unbounded(list(tree), False):
        return (f"pattern {pattern!r} nests an unbounded quantifier inside another repeat (like (a+)+): "
                "catastrophic backtracking in backtracking engines; rewrite it without the nesting")
    return None
