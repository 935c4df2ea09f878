"""Notification templates: Jinja2 in an immutable sandbox with StrictUndefined, compiled at load time.

Limits, enforced twice:
- at load: source size cap, no ``_``-prefixed attribute or item access, no integer literal above
  ``MAX_LITERAL``, loops nested at most ``MAX_LOOP_DEPTH`` deep;
- at render: ``range`` capped at ``MAX_RANGE``, ``*``/``**`` refused when they would build huge values,
  output streamed chunk by chunk and stopped at the byte cap or the time limit.

A template that fails to render raises ``TemplateRenderError``; the caller falls back to plain text.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.environment import Template
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from secops.errors import Issue, SecopsError

MAX_SOURCE_BYTES = 16 * 1024
MAX_LITERAL = 100_000
MAX_LOOP_DEPTH = 2
MAX_RANGE = 1000
MAX_BUILT_LENGTH = 100_000
PARTS = ("title", "text", "html")


class TemplateRenderError(SecopsError):
    """A template could not be rendered within its limits; ``reason`` is a bounded label."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}")


class _Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > 64:
            raise SecurityError("exponent too large")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if sized and len(seq) * times > MAX_BUILT_LENGTH:
                    raise SecurityError("repetition would build a value over the size cap")
        return super().call_binop(context, operator, left, right)


def _env(autoescape: bool) -> _Sandbox:
    env = _Sandbox(undefined=StrictUndefined, autoescape=autoescape, keep_trailing_newline=False)
    env.globals["range"] = _bounded_range
    return env


def _bounded_range(*args: int) -> range:
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise SecurityError(f"range over {MAX_RANGE} items")
    return r


def static_issues(path: str, tree: nodes.Template) -> list[Issue]:
    """What the sandbox would refuse at render time, found before the template goes live."""
    issues = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name: Any = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        if isinstance(name, str) and name.startswith("_"):
            issues.append(Issue(path, node.lineno, 1, f"access to {name!r} is outside the template sandbox"))
    for const in tree.find_all(nodes.Const):
        if isinstance(const.value, int) and not isinstance(const.value, bool) and abs(const.value) > MAX_LITERAL:
            issues.append(Issue(path, const.lineno, 1, f"integer literal over {MAX_LITERAL}"))
    for loop in tree.find_all(nodes.For):
        if _loop_depth(loop) > MAX_LOOP_DEPTH:
            issues.append(Issue(path, loop.lineno, 1, f"loops nested deeper than {MAX_LOOP_DEPTH}"))
            break
    return issues


def _loop_depth(node: nodes.Node) -> int:
    inner = max((_loop_depth(child) for child in node.iter_child_nodes()), default=0)
    return inner + (1 if isinstance(node, nodes.For) else 0)


@dataclass(slots=True)
class TemplateSet:
    """Compiled templates by (language, name, part)."""

    templates: dict[tuple[str, str, str], Template] = field(default_factory=dict)
    max_output_bytes: int = 65536
    time_limit_seconds: float = 0.5

    def has(self, language: str, name: str) -> bool:
        return (language, name, "text") in self.templates

    def names(self) -> set[tuple[str, str]]:
        return {(lang, name) for lang, name, _ in self.templates}

    def add_source(self, language: str, name: str, part: str, source: str, path: str) -> list[Issue]:
        if len(source.encode("utf-8")) > MAX_SOURCE_BYTES:
            return [Issue(path, 1, 1, f"template larger than {MAX_SOURCE_BYTES} bytes")]
        env = _env(autoescape=part == "html")
        try:
            tree = env.parse(source)
        except TemplateSyntaxError as err:
            return [Issue(path, err.lineno or 1, 1, f"template syntax: {err.message}")]
        issues = static_issues(path, tree)
        if not issues:
            self.templates[(language, name, part)] = env.from_string(source)
        return issues

    def load_dir(self, root: Path) -> list[Issue]:
        """``root/<language>/<name>.<part>.j2``; part is title, text or html."""
        issues: list[Issue] = []
        for file in sorted(root.glob("*/*.j2")):
            name, _, part = file.name.removesuffix(".j2").rpartition(".")
            if part not in PARTS or not name:
                issues.append(Issue(str(file), 1, 1, f"template file name must be <name>.<{'|'.join(PARTS)}>.j2"))
                continue
            try:
                source = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                issues.append(Issue(str(file), 1, 1, f"cannot read template: {err}"))
                continue
            issues.extend(self.add_source(file.parent.name, name, part, source, str(file)))
        return issues

    def render(self, language: str, name: str, part: str, context: Mapping[str, Any]) -> str | None:
        """The rendered part, None when there is no such template; TemplateRenderError past a limit."""
        template = self.templates.get((language, name, part))
        if template is None:
            return None
        deadline = time.perf_counter() + self.time_limit_seconds  # a CPU budget, not a timestamp
        out: list[str] = []
        size = 0
        try:
            for chunk in template.generate(dict(context)):
                size += len(chunk.encode("utf-8"))
                if size > self.max_output_bytes:
                    raise TemplateRenderError("too_large", f"{language}/{name}.{part} output over "
                                              f"{self.max_output_bytes} bytes")
                if time.perf_counter() > deadline:
                    raise TemplateRenderError("too_slow", f"{language}/{name}.{part} over {self.time_limit_seconds}s")
                out.append(chunk)
        except TemplateRenderError:
            raise
        except Exception as err:  # user-written template code: any error means "use the fallback"
            raise TemplateRenderError("error", f"{language}/{name}.{part}: {type(err).__name__}: {err}") from err
        return "".join(out).strip()
