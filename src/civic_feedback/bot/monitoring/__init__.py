"""What the bot tells Prometheus and the health checks: its metrics, ``/metrics`` and
``/healthz`` (docs/operations.md#monitor)."""
