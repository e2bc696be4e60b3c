"""What a Prometheus server would read from the bot: ``/metrics`` parsed with
prometheus_client's own parser, and its samples looked up by name and labels."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from civic_feedback.bot.monitoring.metrics import BotMetrics


class Scrape:
    """The samples of one scrape: (name, sorted labels) -> value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                self.samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value

    def value(self, name: str, **labels: str) -> float | None:
        """The sample with exactly these labels; None when the scrape has none."""
        return self.samples.get((name, tuple(sorted(labels.items()))))

    def by(self, name: str, label: str, **others: str) -> dict[str, float]:
        """The samples of ``name`` whose other labels are ``others``, by ``label``'s value."""
        found = {}
        for (sample, labels), value in self.samples.items():
            named = dict(labels)
            rest = {key: v for key, v in named.items() if key != label}
            if sample == name and label in named and rest == others:
                found[named[label]] = value
        return found


def scrape_registry(metrics: BotMetrics) -> Scrape:
    """The metrics as ``/metrics`` renders them, without the HTTP."""
    return Scrape(metrics.exposition().decode())


async def scrape(url: str) -> Scrape:
    """GET ``url`` (a /metrics address on loopback) as Prometheus does."""
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        assert response.status == 200, await response.text()
        assert response.content_type == "text/plain"
        return Scrape(await response.text())
