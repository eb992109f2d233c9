"""What the benchmark scripts record about the machine they ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU model name (from /proc/cpuinfo on Linux), or what the platform reports."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def describe() -> str:
    """CPU model, logical cores and operating system, in one line."""
    return f"{cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}"
