"""The ``detection`` section: search identifiers compiled to checks, plus the compiled condition.

Issues carry ``file:line:col`` from the YAML marks. A map is the AND of its items, a list of maps the
OR of the maps, a list of plain values a keyword search over the whole event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from secops.detect.sigma.conditions import (
    And,
    Check,
    ConditionError,
    Ident,
    Node,
    Not,
    Or,
    Selector,
    compile_condition,
    parse_condition,
    referenced,
    required_literals,
    resolve_selector,
)
from secops.detect.sigma.matchers import EventView, Item
from secops.detect.sigma.modifiers import ItemError, build_item, split_key
from secops.errors import Issue
from secops.yamlio import Document

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Selection:
    """One search identifier: OR over groups, each group the AND of its items."""

    name: str
    groups: tuple[tuple[Item, ...], ...]

    def __call__(self, view: EventView) -> bool:
        for group in self.groups:
            for item in group:
                if not item(view):
                    break
            else:
                return True
        return False

    def literals(self) -> frozenset[str] | None:
        per_group: list[frozenset[str]] = []
        for group in self.groups:
            options = [frozenset(i.literals) for i in group if i.literals]
            if not options:
                return None
            per_group.append(max(options, key=lambda k: (min(len(x) for x in k), -len(k))))
        return frozenset().union(*per_group) if per_group else None

    def fields(self) -> set[str]:
        return {i.field for g in self.groups for i in g if i.field}


@dataclass(frozen=True, slots=True)
class Detection:
    selections: Mapping[str, Selection]
    condition: Node
    check: Check

    def literals(self) -> frozenset[str] | None:
        lits = {name: sel.literals() for name, sel in self.selections.items()}
        return required_literals(self.condition, lits, sorted(self.selections))


@dataclass(slots=True)
class DetectionParser:
    doc: Document
    base: Loc
    field_map: Mapping[str, str]
    expand: Mapping[str, Sequence[str]]
    issues: list[Issue]

    def issue(self, loc: Loc, message: str, level: str = "error", key: bool = False) -> None:
        if key:
            line, col = self.doc.marks.get((*loc, "__key__"), self.doc.mark(loc))
            self.issues.append(Issue(self.doc.path, line, col, message, level))
        else:
            self.issues.append(self.doc.issue(loc, message, level))

    def item(self, key: str | None, value: object, loc: Loc) -> Item | None:
        field, mods = split_key(key) if key is not None else (None, [])
        if field is not None:
            field = self.field_map.get(field, field)
        try:
            return build_item(field, mods, value, expand=self.expand)
        except ItemError as err:
            self.issue(loc, f"{key or 'keywords'}: {err}", key=key is not None)
            return None

    def group(self, mapping: Mapping[object, object], loc: Loc) -> tuple[Item, ...] | None:
        items: list[Item] = []
        ok = True
        for key, value in mapping.items():
            if not isinstance(key, str):
                self.issue((*loc, str(key)), f"field name must be a string, got {key!r}")
                ok = False
                continue
            item = self.item(key, value, (*loc, key))
            ok = ok and item is not None
            if item is not None:
                items.append(item)
        if not items and ok:
            self.issue(loc, "empty selection")
        return tuple(items) if ok and items else None

    def selection(self, name: str, value: object) -> Selection | None:
        loc = (*self.base, name)
        if isinstance(value, Mapping):
            group = self.group(value, loc)
            return Selection(name, (group,)) if group is not None else None
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            groups = [self.group(v, (*loc, i)) for i, v in enumerate(value)]
            if any(g is None for g in groups):
                return None
            return Selection(name, tuple(g for g in groups if g is not None))
        if isinstance(value, (list, str, int, float)) and not isinstance(value, bool):
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, (Mapping, list)) for v in values):
                self.issue(loc, f"{name}: mix of maps and plain values; use a list of maps or of keywords")
                return None
            item = self.item(None, values, loc)
            return Selection(name, ((item,),)) if item is not None else None
        self.issue(loc, f"{name}: a search identifier must be a map, a list of maps or a list of keywords")
        return None


def _condition_node(parser: DetectionParser, raw: object) -> Node | None:
    loc = (*parser.base, "condition")
    texts = raw if isinstance(raw, list) else [raw]
    nodes: list[Node] = []
    for i, text in enumerate(texts):
        where = (*loc, i) if isinstance(raw, list) else loc
        if not isinstance(text, str):
            parser.issue(where, "condition must be a string or a list of strings")
            return None
        try:
            nodes.append(parse_condition(text))
        except ConditionError as err:
            parser.issue(where, f"condition: {err}")
            return None
    if not nodes:
        parser.issue(loc, "condition list is empty")
        return None
    return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))


def _check_references(parser: DetectionParser, node: Node, names: list[str]) -> bool:
    ok = True
    loc = (*parser.base, "condition")
    for ident in sorted(_idents(node)):
        if ident not in names:
            parser.issue(loc, f"condition references undefined search identifier {ident!r}")
            ok = False
    for sel in _selectors(node):
        if not resolve_selector(sel, names):
            parser.issue(loc, f"'{sel.quantifier} of {sel.pattern}' matches no search identifier")
            ok = False
        elif sel.pattern == "them" and len([n for n in names if not n.startswith("_")]) == 1:
            parser.issue(loc, "'of them' with a single search identifier; name it instead", "warning")
    if any(s.quantifier == "all" and s.pattern == "them" for s in _selectors(node)):
        parser.issue(loc, "'all of them' is discouraged: downstream users cannot filter it", "warning")
    used = referenced(node, names)
    for name in names:
        if name not in used:
            parser.issue((*parser.base, name), f"search identifier {name!r} is not used in the condition",
                         "warning", key=True)
    return ok


def _nodes(node: Node) -> list[Node]:
    out: list[Node] = [node]
    if isinstance(node, Not):
        out.extend(_nodes(node.operand))
    elif isinstance(node, And | Or):
        for o in node.operands:
            out.extend(_nodes(o))
    return out


def _idents(node: Node) -> set[str]:
    return {n.name for n in _nodes(node) if isinstance(n, Ident)}


def _selectors(node: Node) -> list[Selector]:
    return [n for n in _nodes(node) if isinstance(n, Selector)]


def parse_detection(doc: Document, base: Loc, data: object, *, field_map: Mapping[str, str],
                    expand: Mapping[str, Sequence[str]], issues: list[Issue]) -> Detection | None:
    """Compile a ``detection`` (or ``filter``) section; append problems to ``issues``."""
    parser = DetectionParser(doc, base, field_map, expand, issues)
    if not isinstance(data, Mapping):
        parser.issue(base, "detection must be a map of search identifiers and a condition")
        return None
    if "condition" not in data:
        parser.issue(base, "detection has no condition", key=True)
        return None
    selections: dict[str, Selection] = {}
    broken = False
    for name, value in data.items():
        if name == "condition" or (name == "rules" and base[-1:] == ("filter",)):
            continue
        sel = parser.selection(str(name), value)
        broken = broken or sel is None
        if sel is not None:
            selections[str(name)] = sel
    node = _condition_node(parser, data["condition"])
    names = sorted(str(n) for n in data if n != "condition" and not (n == "rules" and base[-1:] == ("filter",)))
    if node is None or not _check_references(parser, node, names) or broken:
        return None
    return Detection(selections, node, compile_condition(node, selections))
