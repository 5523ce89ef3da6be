"""The committed result of a benchmark comparison: one JSON file per script, charted by `schema docs`.

Every benchmark script that compares things (a baseline and what is measured against it) writes
its numbers here as well as printing them, in one shared format, so that the handbook draws every
comparison the same way (``schema.docs.charts``, a grouped bar chart per file) and a reader can
re-run the exact command the file names::

    {"title": str, "script": "scripts/bench_x.py", "command": "<exact command line>",
     "measured_at": "YYYY-MM-DD", "machine": {...schema.machine.describe(conn)...},
     "unit": "quotes/s", "scale": "linear" | "log",
     "groups": [{"label": "1 connection", "values": {"series A": 622.0, "series B": 804.0}}, ...],
     "notes": "<one sentence caption>"}

``parse`` is the one definition of the format: the writer checks what it is about to write with
it (a script cannot commit a file the handbook would refuse), and the chart loader reads with it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from schema import database

# Where the committed results live, relative to docs/ (the Benchmarks page sits beside them).
BENCHMARKS_DIR = "reports/benchmarks"
SCALES = ("linear", "log")
Scale = Literal["linear", "log"]
FIELDS = ("title", "script", "command", "measured_at", "machine", "unit", "scale", "groups", "notes")


class BenchmarkFileError(ValueError):
    """A benchmark result that is not in the shared format; the message names the file and the field."""


@dataclass(frozen=True)
class Group:
    """One cluster of bars: a label (e.g. "1 connection") and a value per series."""

    label: str
    values: dict[str, float]


@dataclass(frozen=True)
class BenchmarkResult:
    title: str
    script: str
    command: str
    measured_at: dt.date
    machine: dict[str, str]
    unit: str
    scale: Scale
    groups: list[Group]
    notes: str

    @property
    def series(self) -> list[str]:
        """Every series name, in the order they first appear (a group may lack one: no bar there)."""
        return list(dict.fromkeys(name for g in self.groups for name in g.values))

    def to_json(self) -> dict[str, object]:
        return {
            "title": self.title,
            "script": self.script,
            "command": self.command,
            "measured_at": self.measured_at.isoformat(),
            "machine": self.machine,
            "unit": self.unit,
            "scale": self.scale,
            "groups": [{"label": g.label, "values": g.values} for g in self.groups],
            "notes": self.notes,
        }


def _text(data: dict[str, object], key: str, source: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise BenchmarkFileError(f"{source}: {key!r} must be a non-empty string, got {value!r}")
    return value


def _number(value: object, where: str, scale: str, source: str) -> float:
    # bool is an int to Python, not a measurement.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BenchmarkFileError(f"{source}: {where} must be a finite number, got {value!r}")
    if scale == "log" and value <= 0:
        raise BenchmarkFileError(f"{source}: {where} is {value!r}, and a log scale has no place for a value <= 0")
    if value < 0:
        raise BenchmarkFileError(f"{source}: {where} is negative ({value!r}): a bar chart of a measurement starts at 0")
    return float(value)


def parse(data: object, source: str) -> BenchmarkResult:
    """The result ``data`` (decoded JSON) describes, or BenchmarkFileError naming ``source`` and what is wrong."""
    if not isinstance(data, dict):
        raise BenchmarkFileError(f"{source}: the top level must be an object, got {type(data).__name__}")
    missing = [k for k in FIELDS if k not in data]
    extra = sorted(set(data) - set(FIELDS))
    if missing or extra:
        raise BenchmarkFileError(f"{source}: missing fields {missing}, unknown fields {extra} (the format: {', '.join(FIELDS)})")
    try:
        measured_at = dt.date.fromisoformat(_text(data, "measured_at", source))
    except ValueError as exc:
        raise BenchmarkFileError(f"{source}: 'measured_at' must be YYYY-MM-DD: {exc}") from None
    machine = data["machine"]
    if not isinstance(machine, dict) or not machine or not all(isinstance(k, str) and isinstance(v, str) for k, v in machine.items()):
        raise BenchmarkFileError(f"{source}: 'machine' must be schema.machine.describe()'s non-empty object of strings, got {machine!r}")
    scale = _text(data, "scale", source)
    if scale not in SCALES:
        raise BenchmarkFileError(f"{source}: 'scale' must be one of {SCALES}, got {scale!r}")
    raw_groups = data["groups"]
    if not isinstance(raw_groups, list) or not raw_groups:
        raise BenchmarkFileError(f"{source}: 'groups' must be a non-empty list, got {raw_groups!r}")
    groups: list[Group] = []
    for i, g in enumerate(raw_groups):
        if not isinstance(g, dict) or set(g) != {"label", "values"}:
            raise BenchmarkFileError(f"{source}: groups[{i}] must be an object with exactly 'label' and 'values', got {g!r}")
        label = _text(g, "label", f"{source} groups[{i}]")
        values = g["values"]
        if not isinstance(values, dict) or not values:
            raise BenchmarkFileError(f"{source}: groups[{i}] ({label}) 'values' must be a non-empty object of series to number")
        groups.append(Group(label, {str(k): _number(v, f"groups[{i}] ({label}) {k!r}", scale, source) for k, v in values.items()}))
    labels = [g.label for g in groups]
    if len(set(labels)) != len(labels):
        raise BenchmarkFileError(f"{source}: group labels repeat: {labels}")
    return BenchmarkResult(
        title=_text(data, "title", source),
        script=_text(data, "script", source),
        command=_text(data, "command", source),
        measured_at=measured_at,
        machine=cast(dict[str, str], machine),
        unit=_text(data, "unit", source),
        scale=cast(Scale, scale),
        groups=groups,
        notes=_text(data, "notes", source),
    )


def load(path: Path) -> BenchmarkResult:
    """The result committed at ``path`` (BenchmarkFileError naming the file when it is missing or malformed)."""
    if not path.is_file():
        raise BenchmarkFileError(f"{path} is missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BenchmarkFileError(f"{path} is not JSON: {exc}") from None
    return parse(data, str(path))


def command_line() -> tuple[str, str]:
    """The running script as the checkout names it and the exact command line that ran it."""
    script = Path(sys.argv[0]).resolve()
    try:
        relative = script.relative_to(database.project_root()).as_posix()
    except ValueError:
        relative = script.name  # a copy outside the checkout: its name is all a reader can use
    return relative, shlex.join(["python", relative, *sys.argv[1:]])


def write(
    path: Path,
    *,
    title: str,
    unit: str,
    scale: Scale,
    groups: list[Group],
    notes: str,
    machine: dict[str, str],
) -> BenchmarkResult:
    """Write a script's result to ``path`` in the shared format, dated today (UTC) and naming the
    command that ran; refuses (BenchmarkFileError) what the handbook's loader would refuse."""
    script, command = command_line()
    raw = {
        "title": title,
        "script": script,
        "command": command,
        "measured_at": dt.datetime.now(dt.UTC).date().isoformat(),
        "machine": machine,
        "unit": unit,
        "scale": scale,
        # Four significant digits: what a noisy shared machine measures, and a diff a reviewer can read.
        "groups": [{"label": g.label, "values": {k: float(f"{v:.4g}") for k, v in g.values.items()}} for g in groups],
        "notes": notes,
    }
    result = parse(raw, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def add_argument(parser: argparse.ArgumentParser, name: str) -> None:
    """``--json FILE`` of a benchmark script; the handbook's copy is ``docs/reports/benchmarks/<name>.json``."""
    parser.add_argument(
        "--json",
        type=Path,
        help=f"also write the result in the handbook's benchmark format here (committed as docs/{BENCHMARKS_DIR}/{name}.json)",
    )
