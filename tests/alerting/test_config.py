"""alerting: and alertmanager: config models; errors name file:line:col."""

from __future__ import annotations

import pytest

from secops import yamlio
from secops.alerting.config import AlertingSettings, AlertmanagerSettings
from secops.errors import ConfigError


def test_alertmanager_defaults_follow_the_producer_protocol() -> None:
    settings = AlertmanagerSettings(urls=["http://127.0.0.1:9093"])
    assert settings.resend_interval_seconds == 60
    assert settings.resolved_resend_seconds == 300


def test_unknown_alertmanager_option_is_reported_with_position() -> None:
    doc = yamlio.load_text("urls: ['http://127.0.0.1:9093']\nresend_interval: 30\n", "secops.yaml")
    with pytest.raises(ConfigError) as err:
        yamlio.validate(AlertmanagerSettings, doc)
    assert str(err.value).startswith("secops.yaml:2:1:")
    assert "unknown option 'resend_interval'" in str(err.value)


@pytest.mark.parametrize(
    ("urls", "message"),
    [
        ("[]", "at least 1 item"),
        ("['127.0.0.1:9093']", "expected an http:// or https:// URL"),
        ("['http://a:9093', 'http://a:9093']", "listed twice"),
    ],
)
def test_bad_alertmanager_urls_are_refused(urls: str, message: str) -> None:
    doc = yamlio.load_text(f"urls: {urls}\n", "secops.yaml")
    with pytest.raises(ConfigError, match=message) as err:
        yamlio.validate(AlertmanagerSettings, doc)
    assert str(err.value).startswith("secops.yaml:1:7:")


def test_alerting_quiet_period_resolution_order() -> None:
    settings = AlertingSettings.model_validate({"quiet_seconds": 120, "rules": {"r1": {"quiet_seconds": 30}}})
    assert settings.quiet_for("r1", 600) == 30  # config override wins
    assert settings.quiet_for("r2", 600) == 600  # the rule's own
    assert settings.quiet_for("r2", 0) == 120  # the default


def test_negative_quiet_period_is_refused() -> None:
    doc = yamlio.load_text("alerting:\n  quiet_seconds: -1\n", "secops.yaml")
    with pytest.raises(ConfigError) as err:
        yamlio.validate(AlertingSettings, doc, data=doc.data["alerting"], base=("alerting",))
    assert str(err.value).startswith("secops.yaml:2:18:")
