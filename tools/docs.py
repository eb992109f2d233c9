"""Regenerate (``update``) or check (``check``) every generated part of the docs.

    python tools/docs.py update   # what `make docs-update` runs
    python tools/docs.py check    # what the test suite runs: exit 1 on any stale output

Three kinds of generated text: the terminal transcripts in the pages that hold cog blocks (cog
blocks run through tools/docrun.py), the CLI reference (tools/gen_cli_reference.py) and the
model-format reference (tools/gen_model_reference.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent


def cog_pages() -> list[Path]:
    """The README and every page under docs/ that holds a cog block."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [p for p in pages if "[[[cog" in p.read_text(encoding="utf-8")]


def _cog(check: bool) -> int:
    from cogapp import Cog

    args = ["cog", "-I", str(TOOLS), "-p", "from docrun import *"]
    args += ["--check", "--diff", "--check-fail-msg", "run `make docs-update`"] if check else ["-r"]
    return Cog().main(args + [str(page) for page in cog_pages()])


def main(argv: list[str]) -> int:
    if argv not in (["update"], ["check"]):
        print(__doc__, file=sys.stderr)
        return 2
    check = argv == ["check"]
    sys.path.insert(0, str(TOOLS))
    import gen_cli_reference
    import gen_model_reference

    flag = ["--check"] if check else []
    status = gen_model_reference.main(flag) | gen_cli_reference.main(flag)
    return status | _cog(check)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
