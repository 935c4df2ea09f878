"""Where rule packs live and how the engines are built from settings; shared by the daemon and the CLI.

``rules.paths`` name pack roots, each holding ``classification/`` and ``detection/`` (the layout of ./rules);
``rules.local_paths`` are site additions and overrides laid out the same way.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from secops.classify.config import resolve_hmac_key
from secops.classify.engine import Classifier
from secops.clock import Clock
from secops.detect.engine import DetectionEngine
from secops.settings import Settings
from secops.telemetry.metrics import Metrics


def pack_dirs(roots: list[str], kind: str) -> list[Path]:
    """``<root>/<kind>`` for each root that has one; a root that is itself a ``<kind>`` folder counts too."""
    found = []
    for root in roots:
        path = Path(root)
        if path.name == kind and path.is_dir():
            found.append(path)
        elif (path / kind).is_dir():
            found.append(path / kind)
    return found


def classification_dirs(settings: Settings) -> list[Path]:
    return pack_dirs(settings.rules.paths, "classification") + pack_dirs(settings.rules.local_paths,
                                                                        "classification")


def detection_dirs(settings: Settings) -> tuple[list[Path], list[Path]]:
    return pack_dirs(settings.rules.paths, "detection"), pack_dirs(settings.rules.local_paths, "detection")


def rule_dirs(settings: Settings) -> list[Path]:
    paths, local = detection_dirs(settings)
    return [*classification_dirs(settings), *paths, *local]


def rules_sha256(dirs: list[Path]) -> str:
    """Content hash of every rule file in force (names and bytes), for the ledger."""
    digest = hashlib.sha256()
    for directory in dirs:
        for path in sorted(p for p in directory.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()):
            digest.update(str(path.relative_to(directory)).encode() + b"\x00")
            digest.update(path.read_bytes() + b"\x00")
    return digest.hexdigest()


def hmac_key(settings: Settings) -> bytes:
    return resolve_hmac_key(settings.classification)


def build_classifier(settings: Settings, *, metrics: Metrics | None, clock: Clock | None = None) -> Classifier | None:
    if not settings.classification.enabled:
        return None
    dirs = classification_dirs(settings)
    if not dirs:
        return None
    return Classifier.load(dirs, hmac_key=hmac_key(settings), metrics=metrics, clock=clock,
                           alias_set=settings.classification.grade_aliases,
                           engine=settings.classification.engine)


def build_detector(settings: Settings, *, metrics: Metrics | None) -> DetectionEngine:
    paths, local = detection_dirs(settings)
    return DetectionEngine.load(paths, local_paths=local, expand=settings.rules.expand, metrics=metrics,
                                mask_key=hmac_key(settings), lateness_seconds=settings.rules.lateness_seconds)
