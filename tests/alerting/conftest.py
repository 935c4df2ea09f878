"""Fixtures: a real Alertmanager (group_wait/group_interval 1s) delivering to a local webhook receiver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.alertmanager import TEST_CONFIG, Alertmanager, WebhookReceiver


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def alertmanager(tmp_path: Path, webhook: WebhookReceiver) -> Iterator[Alertmanager]:
    peer = Alertmanager(tmp_path / "alertmanager", TEST_CONFIG.format(url=webhook.url))
    try:
        yield peer.start()
    finally:
        peer.stop()
