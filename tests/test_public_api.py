"""The public surface: every module declares ``__all__``, and importing the package stays light."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

import scenarist

# ``__main__`` runs the command line when imported, so it is left out of the walk.
MODULES = sorted(
    name
    for info in pkgutil.walk_packages(scenarist.__path__, "scenarist.")
    if not (name := info.name).endswith(".__main__")
)


def test_the_walk_finds_the_package() -> None:
    assert "scenarist.cli" in MODULES and "scenarist.engines.cib" in MODULES


@pytest.mark.parametrize("name", ["scenarist", *MODULES])
def test_module_declares_all_and_its_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert isinstance(exported, list | tuple)
    assert len(set(exported)) == len(exported), f"{name}.__all__ lists a name twice"
    missing = [n for n in exported if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names missing attributes: {missing}"


def test_importing_scenarist_stays_light() -> None:
    code = (
        "import json, sys, scenarist; "
        "print(json.dumps(sorted(m for m in ('numba', 'matplotlib', 'pandas') if m in sys.modules)))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(proc.stdout) == []
