"""Load and check playbook directories: every problem of every file, each with ``file:line:col``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from secops.clock import Clock, SystemClock
from secops.errors import ConfigError, Issue, RegistryError
from secops.playbooks import checks
from secops.playbooks.actions import ACTIONS, ActionType, ChannelModel
from secops.playbooks.holidays import HolidayCalendar
from secops.playbooks.matchers import Matcher, parse_matchers
from secops.playbooks.model import PlaybookFile, PlaybookModel, PlaybookTestModel
from secops.playbooks.oncall import OnCall, OncallModel, PersonModel
from secops.playbooks.templates import TemplateSet
from secops.playbooks.timeintervals import TimeIntervalModel, TimeIntervals
from secops.yamlio import Document, load_file, validate, validation_issues

LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True, slots=True)
class Playbook:
    model: PlaybookModel
    matchers: tuple[Matcher, ...]

    @property
    def id(self) -> str:
        return self.model.id


@dataclass(slots=True)
class PlaybookSet:
    """Everything a runner needs, validated and cross-checked."""

    playbooks: tuple[Playbook, ...]
    channels: dict[str, ChannelModel]
    channel_types: dict[str, ActionType]
    oncall: OnCall
    intervals: TimeIntervals
    templates: TemplateSet
    tests: tuple[tuple[str, PlaybookTestModel], ...]  # (file, test)
    people: dict[str, PersonModel]
    warnings: list[Issue] = field(default_factory=list)


Origin = tuple[Document, tuple[str | int, ...]]


@dataclass(slots=True)
class _Merged:
    channels: dict[str, tuple[ChannelModel, ActionType, Origin]] = field(default_factory=dict)
    intervals: dict[str, tuple[list[TimeIntervalModel], Origin]] = field(default_factory=dict)
    playbooks: list[tuple[PlaybookModel, Origin]] = field(default_factory=list)
    tests: list[tuple[PlaybookTestModel, Origin]] = field(default_factory=list)
    people: dict[str, tuple[PersonModel, Origin]] = field(default_factory=dict)
    oncall: tuple[OncallModel, Origin] | None = None
    calendar: Any = None
    calendar_origin: Origin | None = None
    issues: list[Issue] = field(default_factory=list)
    templates: TemplateSet = field(default_factory=TemplateSet)


def _files(paths: Sequence[str | Path]) -> tuple[list[Path], list[Path]]:
    yaml_files: list[Path] = []
    template_dirs: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            yaml_files += sorted(f for f in p.rglob("*.y*ml") if "templates" not in f.relative_to(p).parts)
            if (p / "templates").is_dir():
                template_dirs.append(p / "templates")
        else:
            yaml_files.append(p)
    return yaml_files, template_dirs


def _add_channel(m: _Merged, doc: Document, cid: str, raw: Any) -> None:
    loc: tuple[str | int, ...] = ("channels", cid)
    if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
        m.issues.append(doc.issue(loc, f"channel {cid!r} needs a 'type' ({', '.join(ACTIONS.names())})"))
        return
    try:
        kind = ACTIONS.get(raw["type"])
    except RegistryError as err:
        m.issues.append(doc.issue((*loc, "type"), str(err)))
        return
    try:
        model = kind.model.model_validate(raw)
    except ValidationError as err:
        m.issues.extend(validation_issues(doc, err, loc))
        return
    if cid in m.channels:
        m.issues.append(doc.issue(loc, f"channel {cid!r} already defined at {_where(m.channels[cid][2])}"))
        return
    m.channels[cid] = (model, kind, (doc, loc))


def _where(origin: Origin) -> str:
    doc, loc = origin
    line, col = doc.mark(loc)
    return f"{doc.path}:{line}:{col}"


def _salvage(data: dict[str, Any]) -> tuple[PlaybookFile, list[int], list[int]]:
    """The valid parts of a file whose errors were already reported, so cross-checks still see them."""
    def items(key: str) -> list[Any]:
        value = data.get(key)
        return value if isinstance(value, list) else []

    people = data.get("people") if isinstance(data.get("people"), dict) else {}
    playbooks = [(i, x) for i, x in enumerate(_try(PlaybookModel, r) for r in items("playbooks")) if x is not None]
    tests = [(i, x) for i, x in enumerate(_try(PlaybookTestModel, r) for r in items("tests")) if x is not None]
    parts: dict[str, Any] = {
        "playbooks": [x for _, x in playbooks],
        "tests": [x for _, x in tests],
        "people": {k: v for k, v in ((k, _try(PersonModel, r)) for k, r in (people or {}).items()) if v is not None},
        "oncall": _try(OncallModel, data["oncall"]) if data.get("oncall") is not None else None,
    }
    return PlaybookFile.model_construct(**parts), [i for i, _ in playbooks], [i for i, _ in tests]


def _try(model: type[Any], raw: Any) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError:
        return None


def _merge_file(m: _Merged, doc: Document) -> None:
    data = doc.data if isinstance(doc.data, dict) else {}
    for cid, raw in (data.get("channels") or {}).items() if isinstance(data.get("channels"), dict) else []:
        _add_channel(m, doc, str(cid), raw)
    try:
        pf = validate(PlaybookFile, doc, data={**data, "channels": {}} if data else doc.data)
        pb_index, test_index = list(range(len(pf.playbooks))), list(range(len(pf.tests)))
    except ConfigError as err:
        m.issues.extend(err.issues)
        pf, pb_index, test_index = _salvage(data)
    _merge_named(m, doc, pf)
    m.playbooks += [(pb, (doc, ("playbooks", i))) for i, pb in zip(pb_index, pf.playbooks, strict=True)]
    m.tests += [(t, (doc, ("tests", i))) for i, t in zip(test_index, pf.tests, strict=True)]
    if pf.oncall is not None:
        if m.oncall is not None:
            m.issues.append(doc.issue(("oncall",), f"oncall already defined at {_where(m.oncall[1])}"))
        else:
            m.oncall = (pf.oncall, (doc, ("oncall",)))
    if pf.calendar is not None:
        if m.calendar is not None and m.calendar_origin is not None:
            m.issues.append(doc.issue(("calendar",), f"calendar already defined at {_where(m.calendar_origin)}"))
        else:
            m.calendar, m.calendar_origin = pf.calendar, (doc, ("calendar",))


def _merge_named(m: _Merged, doc: Document, pf: PlaybookFile) -> None:
    for name, items in pf.time_intervals.items():
        if name in m.intervals:
            m.issues.append(doc.issue(("time_intervals", name), f"time interval {name!r} already defined"))
        m.intervals[name] = (items, (doc, ("time_intervals", name)))
    for pid, person in pf.people.items():
        if pid in m.people:
            m.issues.append(doc.issue(("people", pid), f"person {pid!r} already defined at {_where(m.people[pid][1])}"))
        m.people[pid] = (person, (doc, ("people", pid)))


def _read(paths: Sequence[str | Path], *, max_output_bytes: int, time_limit: float) -> _Merged:
    m = _Merged()
    m.templates = TemplateSet(max_output_bytes=max_output_bytes, time_limit_seconds=time_limit)
    yaml_files, template_dirs = _files(paths)
    if not yaml_files:
        m.issues.append(Issue(str(paths[0]) if paths else ".", 1, 1, "no playbook files found"))
    for path in yaml_files:
        try:
            doc = load_file(path)
        except ConfigError as err:
            m.issues.extend(err.issues)
            continue
        _merge_file(m, doc)
    for root in template_dirs:
        m.issues.extend(m.templates.load_dir(root))
    return m


def _build(m: _Merged) -> PlaybookSet:
    calendar = HolidayCalendar.from_model(m.calendar)
    zone = m.oncall[0].time_zone if m.oncall else "Asia/Shanghai"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        if m.oncall is not None:
            m.issues.append(m.oncall[1][0].issue(("oncall", "time_zone"), f"unknown IANA time zone {zone!r}"))
        zone = "Asia/Shanghai"
    intervals = TimeIntervals.build({k: v[0] for k, v in m.intervals.items()}, calendar, zone)
    people = {k: v[0] for k, v in m.people.items()}
    return PlaybookSet(
        playbooks=tuple(Playbook(pb, parse_matchers(pb.match)) for pb, _ in m.playbooks),
        channels={k: v[0] for k, v in m.channels.items()},
        channel_types={k: v[1] for k, v in m.channels.items()},
        oncall=OnCall(m.oncall[0] if m.oncall else None, people, intervals),
        intervals=intervals,
        templates=m.templates,
        tests=tuple((o[0].path, t) for t, o in m.tests),
        people=people,
    )


def _check_all(paths: Sequence[str | Path], clock: Clock, max_output_bytes: int,
               time_limit: float) -> tuple[_Merged, PlaybookSet]:
    m = _read(paths, max_output_bytes=max_output_bytes, time_limit=time_limit)
    pset = _build(m)
    m.issues.extend(checks.cross_check(m, pset, clock.now()))
    return m, pset


def check(paths: Sequence[str | Path], *, clock: Clock | None = None) -> list[Issue]:
    """Every error and warning in the playbook paths, sorted by file and position."""
    m, _ = _check_all(paths, clock or SystemClock(), 65536, 0.5)
    return sorted(m.issues, key=lambda i: (i.path, i.line, i.col, i.message))


def load_playbooks(
    paths: Sequence[str | Path], *, clock: Clock | None = None, max_output_bytes: int = 65536,
    render_seconds: float = 0.5,
) -> PlaybookSet:
    """A validated PlaybookSet; raises ConfigError with every error (warnings stay on ``.warnings``)."""
    m, pset = _check_all(paths, clock or SystemClock(), max_output_bytes, render_seconds)
    errors = [i for i in m.issues if i.level == "error"]
    if errors:
        raise ConfigError(sorted(errors, key=lambda i: (i.path, i.line, i.col)))
    pset.warnings = [i for i in m.issues if i.level != "error"]
    return pset
