"""civic-feedback: municipalities and NGOs hear their citizens through Telegram."""
