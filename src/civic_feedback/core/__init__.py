"""Pure helpers every layer uses: durations, weeks, pseudonyms, languages, Telegram HTML."""
