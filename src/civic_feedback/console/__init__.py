"""The staff console: a Telegram Mini App served by ``feedback-bot`` for organizers and staff.

Another door to the same services as the bot and ``feedback-admin``: every request is
authenticated by the init data Telegram signs with the bot token, the role and municipality
are looked up on every request, and nothing the page sends is trusted beyond that.
"""
