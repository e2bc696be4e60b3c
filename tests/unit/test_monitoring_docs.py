"""The Grafana dashboard and the alert rules in docs/ speak of metrics the bot exposes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from civic_feedback.bot.monitoring.metrics import BotMetrics
from civic_feedback.bot.monitoring.monitor import Monitor

DOCS = Path(__file__).parents[2] / "docs"
SAMPLE_SUFFIXES = ("", "_total", "_bucket", "_count", "_sum", "_created")


def exposed_names() -> set[str]:
    """Every sample name /metrics can show, backups' gauge included."""
    engine = create_engine("sqlite://")
    metrics = BotMetrics()
    Monitor(metrics, engine, leading=lambda: True)
    metrics.watch_last_backup(lambda: None)
    families = text_string_to_metric_families(metrics.exposition().decode())
    engine.dispose()
    return {family.name + suffix for family in families for suffix in SAMPLE_SUFFIXES}


def named_metrics(text: str) -> set[str]:
    return set(re.findall(r"\b(?:civic_feedback|process)_[a-z_]+", text))


def test_the_alert_rules_use_only_metrics_the_bot_exposes() -> None:
    rules = yaml.safe_load((DOCS / "alerts.yml").read_text(encoding="utf-8"))
    expressions = " ".join(rule["expr"] for group in rules["groups"] for rule in group["rules"])

    used = named_metrics(expressions)

    assert "civic_feedback_last_backup_timestamp_seconds" in used
    assert used <= exposed_names(), used - exposed_names()


def test_the_dashboard_uses_only_metrics_the_bot_exposes() -> None:
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text(encoding="utf-8"))
    expressions = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]
    )

    used = named_metrics(expressions)

    assert len(used) >= 9
    assert used <= exposed_names(), used - exposed_names()
