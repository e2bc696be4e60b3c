"""An HTTP listener of the bot's own besides the webhook's (polling mode's metrics, the staff
console): started before anything else runs, so a port that cannot be used stops the start
with one line naming the setting."""

from __future__ import annotations

import errno

from aiohttp import web

from civic_feedback.settings import SettingsError


async def listen(app: web.Application, host: str, port: int, refusal: str) -> web.AppRunner:
    """Serve ``app`` on ``host:port``; a SettingsError of ``refusal`` (formatted with the
    address and why) when the port cannot be used."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:
        await runner.cleanup()
        why = "in use" if error.errno == errno.EADDRINUSE else error.strerror or "refused"
        raise SettingsError(refusal.format(address=f"{host}:{port}", why=why)) from None
    return runner
