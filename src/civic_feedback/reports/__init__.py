"""Reports: exports and summaries computed from storage queries. No Telegram."""
