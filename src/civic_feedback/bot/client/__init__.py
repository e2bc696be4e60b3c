"""The outgoing Bot API layer under every call: retries, late presses, pacing."""
