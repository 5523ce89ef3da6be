"""Findings as text for people, JSON for tools, and GitHub workflow annotations for pull requests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum

from schema.lint.findings import Finding


class Format(str, Enum):  # noqa: UP042 - a StrEnum member prints differently (str()), which typer shows
    text = "text"
    json = "json"
    github = "github"


def as_text(findings: Sequence[Finding]) -> str:
    lines: list[str] = []
    for f in findings:
        where = f" ({f.path}{f':{f.line}' if f.line else ''})" if f.path else ""
        lines.append(f"{f.object}: [{f.rule}] {f.message}{where}")
        lines.append(f"    fix: {f.fix}")
    return "\n".join(lines)


def as_json(findings: Sequence[Finding]) -> str:
    return json.dumps({"count": len(findings), "findings": [f.as_dict() for f in findings]}, indent=2)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(findings: Sequence[Finding]) -> str:
    """``::error file=...,line=...,title=...::message`` lines, as GitHub Actions reads them."""
    lines = []
    for f in findings:
        props = []
        if f.path:
            props.append(f"file={_escape_property(f.path)}")
            if f.line:
                props.append(f"line={f.line}")
        props.append(f"title={_escape_property(f'{f.rule} on {f.object}')}")
        lines.append(f"::error {','.join(props)}::{_escape_data(f'{f.message}. Fix: {f.fix}')}")
    return "\n".join(lines)


RENDERERS = {Format.text: as_text, Format.json: as_json, Format.github: as_github}


def render(findings: Sequence[Finding], fmt: Format) -> str:
    return RENDERERS[fmt](findings)
