"""The Telegram bot (aiogram 3): dispatcher, routers, middlewares, entry points."""
