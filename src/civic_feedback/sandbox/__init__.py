"""Try the whole bot on this computer: a local Bot API emulator, the real bot, a web chat page."""
