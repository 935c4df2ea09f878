"""Build a RuleSet from rule-pack files, collecting every problem as an Issue with ``file:line:col``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from secops.classify.conditions import Env, category_matches, compile_cond
from secops.classify.detectors import DETECTORS, Detector, Params, Shape, Verdict
from secops.classify.extract import Active, Extractor
from secops.classify.pack import CategoryModel, CustomDetector, DetectorSettings, LoadedFile, RuleModel, load_files
from secops.classify.patterns import refuse_reason
from secops.classify.ruleset import FROM_CATEGORY, Category, CompiledRule, Grade, RuleSet
from secops.classify.scanner import PatternError
from secops.classify.types import Hit
from secops.classify.windows import WindowStore, parse_window
from secops.errors import Issue


@dataclass(slots=True)
class _Build:
    issues: list[Issue] = field(default_factory=list)
    grades: dict[str, Grade] = field(default_factory=dict)
    default_grade: str | None = None
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    catalogs: dict[str, frozenset[str]] = field(default_factory=dict)
    detector_categories: dict[str, set[str]] = field(default_factory=dict)  # detector -> categories it can give
    derived: list[Callable[[Hit, float], bool]] = field(default_factory=list)  # derived facts of every rule


def build(paths: Sequence[Path], *, previous: WindowStore | None = None,
          engine: str = "auto") -> tuple[RuleSet | None, list[Issue]]:
    files, issues = load_files(paths)
    b = _Build(issues=issues)
    _grades(files, b)
    _categories(files, b)
    for f in files:
        for name, items in f.model.catalogs.items():
            b.catalogs[name] = b.catalogs.get(name, frozenset()) | frozenset(items)
    active = _actives(files, b)
    b.detector_categories = {a.name: {a.category, *a.variants.values()} for a in active}
    store = WindowStore(previous)
    rules = _rules(files, b, active, store)
    if b.default_grade is None and b.grades:
        b.default_grade = min(b.grades.values(), key=lambda g: g.rank).id
    if not b.grades and files:
        b.issues.append(Issue(str(files[0].doc.path), 1, 1, "no grades defined in any rule file"))
    if any(i.level == "error" for i in b.issues) or b.default_grade is None:
        return None, b.issues
    try:
        extractor = Extractor(active, engine=engine)
    except PatternError as err:
        return None, [*b.issues, Issue(str(paths[0]) if paths else "<rules>", 1, 1, str(err))]
    ladder = [g.id for g in sorted(b.grades.values(), key=lambda g: g.rank)]
    ruleset = RuleSet(b.grades, ladder, b.default_grade, b.categories, extractor, rules, store, b.aliases,
                      {a.name: a.detector.subject_rank for a in active}, derived=tuple(b.derived))
    ruleset.empty_safe = _empty_safe(ruleset)
    return ruleset, b.issues


def _grades(files: list[LoadedFile], b: _Build) -> None:
    for f in files:
        for i, g in enumerate(f.model.grades):
            if g.id in b.grades:
                b.issues.append(f.doc.issue(("grades", i), f"grade {g.id!r} defined twice"))
            b.grades[g.id] = Grade(g.id, g.rank, g.zh, g.en, g.auto_assign)
    for f in files:
        if f.model.default_grade is not None:
            if f.model.default_grade not in b.grades:
                b.issues.append(f.doc.issue(("default_grade",), f"undefined grade {f.model.default_grade!r}"))
            b.default_grade = f.model.default_grade
        for alias_set, names in f.model.aliases.items():
            for grade in names:
                if grade not in b.grades:
                    b.issues.append(f.doc.issue(("aliases", alias_set, grade), f"alias for undefined grade {grade!r}"))
            b.aliases.setdefault(alias_set, {}).update(names)


def _flatten(nodes: list[CategoryModel], parent: str | None, loc: tuple[str | int, ...],
             out: list[tuple[CategoryModel, str | None, tuple[str | int, ...]]]) -> None:
    for i, node in enumerate(nodes):
        out.append((node, node.parent if node.parent is not None else parent, (*loc, i)))
        _flatten(node.children, node.id, (*loc, i, "children"), out)


def _categories(files: list[LoadedFile], b: _Build) -> None:
    flat: dict[str, tuple[CategoryModel, str | None, LoadedFile, tuple[str | int, ...]]] = {}
    for f in files:
        items: list[tuple[CategoryModel, str | None, tuple[str | int, ...]]] = []
        _flatten(f.model.categories, None, ("categories",), items)
        for node, parent, loc in items:
            if node.id in flat:
                b.issues.append(f.doc.issue(loc, f"category {node.id!r} defined twice"))
            flat[node.id] = (node, parent, f, loc)
            if node.floor is not None and node.floor not in b.grades:
                b.issues.append(f.doc.issue((*loc, "floor"), f"undefined grade {node.floor!r}"))
            elif node.floor is not None and not b.grades[node.floor].auto_assign:
                b.issues.append(f.doc.issue((*loc, "floor"),
                                            f"grade {node.floor!r} is catalog-only and cannot be a floor"))
    for cid, (_, _, f, loc) in flat.items():
        chain = _chain(cid, flat)
        if chain is None:
            b.issues.append(f.doc.issue(loc, f"category {cid!r} is part of a parent cycle"))
            continue
        missing = [p for p in chain if p not in flat]
        if missing:
            b.issues.append(f.doc.issue(loc, f"category {cid!r}: undefined parent {missing[0]!r}"))
            continue
        floor = next((flat[c][0].floor for c in chain if flat[c][0].floor is not None), None)
        sensitive = next((flat[c][0].sensitive for c in chain if flat[c][0].sensitive is not None), False)
        node = flat[cid][0]
        b.categories[cid] = Category(cid, node.zh, floor if floor in b.grades else None, bool(sensitive),
                                     node.basis, len(chain))


def _chain(cid: str, flat: dict[str, tuple[CategoryModel, str | None, LoadedFile, tuple[str | int, ...]]]
           ) -> list[str] | None:
    """[cid, parent, grandparent, ...]; None on a cycle."""
    chain = [cid]
    while chain[-1] in flat and flat[chain[-1]][1] is not None:
        parent = flat[chain[-1]][1]
        assert parent is not None
        if parent in chain:
            return None
        chain.append(parent)
    return chain


def _actives(files: list[LoadedFile], b: _Build) -> list[Active]:
    sensitive = {cid: c.sensitive for cid, c in b.categories.items()}
    base: dict[str, Active] = {}
    for name in DETECTORS:
        d = DETECTORS.get(name)
        base[name] = Active(d, d.category, hints=d.hints, anti_hints=d.anti_hints, context=d.context,
                            min_confidence=d.min_confidence, params={**d.params, "hints": d.hints},
                            sensitive=sensitive)
    disabled: set[str] = set()
    for f in files:
        for name, s in f.model.detectors.items():
            updated = _configure(base.get(name), name, s, f, b)
            if updated is not None:
                base[name] = updated
                if not s.enabled:
                    disabled.add(name)
    out = [a for name, a in base.items() if name not in disabled]
    for a in out:
        if a.category not in b.categories and b.categories:
            b.issues.append(Issue(files[0].doc.path if files else "<rules>", 1, 1,
                                  f"detector {a.name}: its category {a.category!r} is not defined in the pack"))
    return out + _customs(files, b, set(base), sensitive)


def _customs(files: list[LoadedFile], b: _Build, taken: set[str], sensitive: dict[str, bool]) -> list[Active]:
    out = []
    for f in files:
        for i, c in enumerate(f.model.custom_detectors):
            custom = _custom(c, f, ("custom_detectors", i), b, sensitive)
            if custom is not None and custom.name in taken:
                b.issues.append(f.doc.issue(("custom_detectors", i, "name"), f"detector {c.name!r} already exists"))
            elif custom is not None:
                out.append(custom)
                taken.add(custom.name)
    return out


def _configure(a: Active | None, name: str, s: DetectorSettings, f: LoadedFile, b: _Build) -> Active | None:
    loc = ("detectors", name)
    if a is None:
        b.issues.append(f.doc.issue((*loc, "__key__"), f"unknown detector {name!r}; valid: "
                                    f"{', '.join(DETECTORS.names())}"))
        return None
    for cat in [s.category, *s.variants.values()]:
        if cat is not None and cat not in b.categories:
            b.issues.append(f.doc.issue(loc, f"detector {name}: undefined category {cat!r}"))
    hints = a.hints | frozenset(s.fields)
    return Active(
        a.detector, s.category or a.category, {**a.variants, **s.variants}, hints,
        a.anti_hints | frozenset(s.anti_fields),
        tuple(s.context.keywords) if s.context else a.context,
        s.context.window_chars if s.context else a.context_window_chars,
        s.min_confidence if s.min_confidence is not None else a.min_confidence,
        {**a.params, **s.params, "hints": hints}, a.sensitive)


def _custom(c: CustomDetector, f: LoadedFile, loc: tuple[str | int, ...], b: _Build,
            sensitive: dict[str, bool]) -> Active | None:
    ok = True
    for key, pattern in (("pattern", c.pattern), ("masked_pattern", c.masked_pattern)):
        reason = refuse_reason(pattern, caseless=c.caseless) if pattern is not None else None
        if reason is not None:
            b.issues.append(f.doc.issue((*loc, key), f"custom detector {c.name}: {reason}"))
            ok = False
    if c.category not in b.categories:
        b.issues.append(f.doc.issue((*loc, "category"), f"undefined category {c.category!r}"))
        ok = False
    if not ok:
        return None
    confidence, subject = c.confidence, c.subject

    def validate(value: str, params: Params) -> Verdict | None:
        return Verdict(value, confidence, identity=f"{c.name}:{value}" if subject else "")

    shapes = [Shape(c.pattern, left=c.boundaries, right=c.boundaries, utf8=True, caseless=c.caseless)]
    if c.masked_pattern:
        shapes.append(Shape(c.masked_pattern, left=c.boundaries, right=c.boundaries, utf8=True,
                            caseless=c.caseless, masked=True))
    hints = frozenset(c.fields)
    detector = Detector(c.name, tuple(shapes), validate, c.category, "generic", hints=hints,
                        context=tuple(c.context.keywords) if c.context else (),
                        validate_masked=lambda v: True, subject_rank=40 if subject else 0,
                        min_confidence=c.min_confidence, description=c.description)
    return Active(detector, c.category, hints=hints, context=detector.context,
                  context_window_chars=c.context.window_chars if c.context else 24,
                  min_confidence=c.min_confidence, params={"hints": hints}, sensitive=sensitive)


def _rules(files: list[LoadedFile], b: _Build, active: list[Active], store: WindowStore) -> list[CompiledRule]:
    rules: list[CompiledRule] = []
    seen: set[str] = set()
    detectors = frozenset(a.name for a in active) | frozenset(DETECTORS.names())
    ranks = {a.name: a.detector.subject_rank for a in active}
    for f in files:
        for i, r in enumerate(f.model.rules):
            loc = ("rules", i)
            if r.id in seen:
                b.issues.append(f.doc.issue((*loc, "id"), f"rule {r.id!r} defined twice"))
                continue
            seen.add(r.id)
            env = Env(f.doc, r.id, detectors, frozenset(b.categories), b.catalogs, ranks)
            compiled = _rule(r, f, loc, env, b, store)
            b.issues.extend(env.issues)
            b.derived.extend(env.derived)
            if compiled is not None and not env.issues:
                rules.append(compiled)
    return rules


def _rule(r: RuleModel, f: LoadedFile, loc: tuple[str | int, ...], env: Env, b: _Build,
          store: WindowStore) -> CompiledRule | None:
    if r.scope is not None:
        try:
            env.window_seconds = parse_window(r.scope.window)
        except ValueError as err:
            env.error((*loc, "scope", "window"), str(err))
            return None
        env.store, env.timezone, env.max_keys = store, r.scope.timezone, r.scope.max_keys
    elif r.filter is not None:
        env.error((*loc, "filter"), "filter only applies to windowed rules (give the rule a scope)")
    when = compile_cond(r.when, (*loc, "when"), env) if r.when is not None else None
    saved_store, env.store = env.store, None  # a filter looks at the event only
    flt = compile_cond(r.filter, (*loc, "filter"), env) if r.filter is not None else None
    env.store = saved_store
    _check_then(r, loc, env, b)
    if env.issues:
        return None
    rule = CompiledRule(r.id, r.title, r.basis, r.then.explain or r.explain, r.then.grade, r.then.category,
                        tuple(r.then.tags), when, flt, tuple(r.scope.key) if r.scope else (), env.windows,
                        frozenset(env.referenced), list(r.tests), f.doc, loc[1] if isinstance(loc[1], int) else 0)
    rule.triggers = _triggers(rule, env, b)
    return rule


def _triggers(rule: CompiledRule, env: Env, b: _Build) -> frozenset[str] | None:
    """Detectors one of which an event must carry for the rule to possibly match (the rule index); None when
    the rule can match without findings (field conditions, windows, no condition, from_category)."""
    from secops.classify.conditions import EventCtx

    if env.uses_fields or rule.windowed or rule.when is None or rule.grade == FROM_CATEGORY:
        return None
    if rule.when(EventCtx([], [], {}, None, 0.0, b"", {})):
        return None
    out: set[str] = set()
    for ref in env.referenced:
        if ref == "sensitive":
            out |= {d for d, cats in b.detector_categories.items()
                    if any(b.categories.get(c) is not None and b.categories[c].sensitive for c in cats)}
        elif ref.startswith("category:"):
            pattern = (ref[len("category:"):],)
            out |= {d for d, cats in b.detector_categories.items() if any(category_matches(pattern, c) for c in cats)}
        else:
            out.add(ref)
    return frozenset(out)


def _check_then(r: RuleModel, loc: tuple[str | int, ...], env: Env, b: _Build) -> None:
    grade = r.then.grade
    if grade != FROM_CATEGORY and grade not in b.grades:
        env.error((*loc, "then", "grade"), f"undefined grade {grade!r}; defined: "
                  f"{', '.join(sorted(b.grades))} or {FROM_CATEGORY}")
    elif grade in b.grades and not b.grades[grade].auto_assign and not env.uses_catalog:
        env.error((*loc, "then", "grade"), f"grade {grade!r} is catalog-only: the rule must test a catalogued "
                  "asset (field: {name: ..., in_catalog: ...}); detectors never assign it")
    if r.then.category is not None and r.then.category not in b.categories:
        env.error((*loc, "then", "category"), f"undefined category {r.then.category!r}")


def _empty_safe(ruleset: RuleSet) -> bool:
    """True when an event without findings and fields can only get the default grade (fast path)."""
    from secops.classify.conditions import EventCtx

    ctx = EventCtx([], [], {}, None, 0.0, b"", {})
    for rule in ruleset.rules:
        if rule.windowed:
            if rule.filter is None or rule.filter(ctx):
                return False
        elif (rule.when is None or rule.when(ctx)) and rule.grade != FROM_CATEGORY:
            return False
    return True
