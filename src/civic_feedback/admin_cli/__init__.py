"""``feedback-admin``: the command line for organizers and staff (Typer + Rich)."""
