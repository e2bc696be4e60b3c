"""How things read in Telegram: texts, keyboards, rendering of form steps."""
