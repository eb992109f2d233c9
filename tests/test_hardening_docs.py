"""docs/limits.md lists every enforced limit with its value; docs/security.md exists and is linked."""

from __future__ import annotations

import re
from pathlib import Path

from scenarist import limits

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _value(text: str) -> int:
    """The number a value cell states: its figure in brackets when there is one."""
    inner = re.search(r"\(([0-9,]+)\)", text)
    cell = inner.group(1) if inner else text
    power = re.fullmatch(r"\s*2\^(\d+)( − 1)?\s*", cell)
    if power:
        return 2 ** int(power.group(1)) - (1 if power.group(2) else 0)
    return int(cell.replace(",", "").strip())


def test_every_limit_is_documented_with_its_value() -> None:
    text = (DOCS / "limits.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(MAX_[A-Z_]+)` \| ([^|]+) \|", text, re.M))
    assert set(rows) == {limit.name for limit in limits.LIMITS}
    for limit in limits.LIMITS:
        assert _value(rows[limit.name]) == limit.value, limit.name
        assert getattr(limits, limit.name) == limit.value


def test_the_security_page_is_linked_from_the_cli_reference() -> None:
    assert "(security.md)" in (DOCS / "cli.md").read_text(encoding="utf-8")
    assert "(limits.md)" in (DOCS / "cli.md").read_text(encoding="utf-8")
    text = (DOCS / "security.md").read_text(encoding="utf-8")
    for topic in ("## What the token protects", "## How sessions work", "## What is logged"):
        assert topic in text
