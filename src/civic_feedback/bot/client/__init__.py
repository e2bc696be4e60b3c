"""The outgoing Bot API layer under every call: retries, late presses, pacing, and polling's
updates read one by one."""
