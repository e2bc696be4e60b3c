"""The deployment secret every test bot, CLI and service is configured with."""

PSEUDONYM_KEY = "test-pseudonym-secret-0123456789"
