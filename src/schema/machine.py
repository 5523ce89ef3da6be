"""The machine and server a measurement ran on: numbers without it cannot be compared."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import sqlalchemy as sa

SERVER_SETTINGS = ("server_version", "shared_buffers", "work_mem", "max_connections", "random_page_cost")


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def memory_gib() -> float:
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def describe(conn: sa.Connection | None = None) -> dict[str, str]:
    """CPU, cores, memory, OS and (given a connection) the server's version and memory settings."""
    info = {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": f"{memory_gib():.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }
    if conn is not None:
        for name in SERVER_SETTINGS:
            info[f"postgres {name}"] = str(conn.exec_driver_sql(f"SHOW {name}").scalar_one())
    return info


def markdown(info: dict[str, str]) -> str:
    return "\n".join(["| machine | |", "|---|---|", *(f"| {k} | {v} |" for k, v in info.items())]) + "\n"
