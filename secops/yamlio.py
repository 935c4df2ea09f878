"""The one YAML reader. It keeps where every value stood so errors can name ``file:line:col``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from secops.errors import ConfigError, Issue

PathKey = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(slots=True)
class Document:
    """One YAML document: plain Python data plus the 1-based position of every key and item."""

    path: str
    data: Any
    marks: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def mark(self, loc: Sequence[str | int]) -> tuple[int, int]:
        """Position of the deepest prefix of ``loc`` that has a mark (the document start otherwise)."""
        key: PathKey = tuple(loc)
        while key:
            if key in self.marks:
                return self.marks[key]
            key = key[:-1]
        return self.marks.get((), (1, 1))

    def issue(self, loc: Sequence[str | int], message: str, level: str = "error") -> Issue:
        line, col = self.mark(loc)
        return Issue(self.path, line, col, message, level)


class _Loader(yaml.SafeLoader):
    """SafeLoader without the YAML 1.1 sexagesimal and yes/no surprises for plain strings."""


def _walk(node: yaml.Node, prefix: PathKey, marks: dict[PathKey, tuple[int, int]]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*prefix, key)
            # a key's mark is where its value starts, which is what an error points at
            marks[child] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
            marks.setdefault((*child, "__key__"), (key_node.start_mark.line + 1, key_node.start_mark.column + 1))
            _walk(value_node, child, marks)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*prefix, index)
            marks[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, child, marks)


def _syntax_issue(path: str, err: yaml.YAMLError) -> Issue:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    message = f"YAML syntax: {problem}" + (f" ({context})" if context else "")
    return Issue(path, line, col, message)


def load_documents(text: str, path: str) -> list[Document]:
    """Every document in ``text``; a syntax error raises ConfigError naming line and column."""
    documents: list[Document] = []
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            loader = _Loader("")
            data = loader.construct_document(node)
            marks: dict[PathKey, tuple[int, int]] = {(): (node.start_mark.line + 1, node.start_mark.column + 1)}
            _walk(node, (), marks)
            documents.append(Document(path, data, marks))
    except yaml.YAMLError as err:
        raise ConfigError([_syntax_issue(path, err)]) from err
    return documents


def load_text(text: str, path: str = "<string>") -> Document:
    """Exactly one document (an empty file is an empty mapping)."""
    documents = load_documents(text, path)
    if not documents:
        return Document(path, {}, {(): (1, 1)})
    if len(documents) > 1:
        raise ConfigError([Issue(path, 1, 1, "expected one YAML document, found several")])
    return documents[0]


def load_file(path: str | Path) -> Document:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError([Issue(str(p), 1, 1, f"cannot read: {err}")]) from err
    return load_text(text, str(p))


def _loc_text(loc: Iterable[str | int]) -> str:
    return ".".join(str(part) for part in loc)


def validation_issues(doc: Document, err: ValidationError, base: Sequence[str | int] = ()) -> list[Issue]:
    """Map pydantic's ``loc`` tuples back onto the YAML marks of ``doc``."""
    issues = []
    for e in err.errors(include_url=False):
        loc = _yaml_loc(doc, [*base, *e["loc"]])
        message = e["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if e["type"] == "extra_forbidden":
            line, col = doc.marks.get((*loc, "__key__"), doc.mark(loc))
            issues.append(Issue(doc.path, line, col, f"{_loc_text(loc)}: unknown option {loc[-1]!r}"))
            continue
        issues.append(doc.issue(loc, f"{_loc_text(loc)}: {message}"))
    return sorted(issues, key=lambda i: (i.line, i.col))


def _yaml_loc(doc: Document, parts: list[str | int]) -> list[str | int]:
    """Drop the parts pydantic adds that are not in the YAML (union tags such as ``mqtt``)."""
    cur: list[str | int] = []
    for i, part in enumerate(parts):
        if (*cur, part) in doc.marks or isinstance(part, int):
            cur.append(part)
            continue
        is_last = i == len(parts) - 1
        if not is_last and ((*cur, parts[i + 1]) in doc.marks or i + 1 == len(parts) - 1):
            continue
        cur.append(part)
    return cur


def validate(model: type[M], doc: Document, data: Any = None, base: Sequence[str | int] = ()) -> M:
    """Validate ``doc.data`` (or ``data``) against ``model``; raise ConfigError with every issue."""
    try:
        return model.model_validate(doc.data if data is None else data)
    except ValidationError as err:
        raise ConfigError(validation_issues(doc, err, base)) from err


def as_mapping(doc: Document) -> Mapping[str, Any]:
    if not isinstance(doc.data, Mapping):
        raise ConfigError([doc.issue((), "expected a mapping at the top level")])
    return doc.data
