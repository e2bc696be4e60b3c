"""axe-core's verdict on a page in the browser: no serious or critical violation."""

from __future__ import annotations

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page


async def no_serious_violations(page: Page) -> None:
    results = await Axe().run(page)
    serious = [
        (violation["id"], violation["impact"])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []
