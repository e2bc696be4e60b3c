"""What Linux says about a running process (ours or a child), from ``/proc/<pid>``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Memory:
    """Resident memory in MB: now (VmRSS) and the most it has been (VmHWM)."""

    rss_mb: float
    peak_mb: float


def memory(pid: int) -> Memory:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024  # kB
    return Memory(rss_mb=fields["VmRSS"], peak_mb=fields["VmHWM"])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (2nd field) is in parentheses and may hold spaces: count after it.
    after_name = stat[stat.rindex(")") + 2 :].split()
    user, system = int(after_name[11]), int(after_name[12])  # fields 14 and 15 of stat(5)
    return (user + system) / _TICKS_PER_S
