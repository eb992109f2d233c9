"""The results cache: a repeated analysis reads what was stored, and nothing stale or broken is read."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import model_from_matrix

from scenarist.service import cache
from scenarist.service.analysis import find_scenarios
from scenarist.service.settings import AnalysisSettings
from scenarist.service.standing import prior_of

MATRIX = [
    [0, 0, 2, -2, 1, -1],
    [0, 0, -2, 2, -1, 1],
    [2, -2, 0, 0, 1, -1],
    [-2, 2, 0, 0, -1, 1],
    [1, -1, 2, -2, 0, 0],
    [-1, 1, -2, 2, 0, 0],
]


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.pickle"))


def test_a_repeated_search_reads_the_stored_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIST_CACHE_DIR", str(tmp_path))
    compiled = model_from_matrix([2, 2, 2], MATRIX)
    first = find_scenarios(compiled)
    assert len(_entries(tmp_path)) == 1
    calls: list[int] = []
    import scenarist.service.analysis as analysis

    real = analysis._find_scenarios
    monkeypatch.setattr(analysis, "_find_scenarios", lambda *a, **k: calls.append(1) or real(*a, **k))
    again = find_scenarios(compiled)
    assert calls == []  # read from the cache
    assert again == first
    find_scenarios(compiled, tolerance=1)  # other options: computed and stored apart
    assert calls == [1]
    assert len(_entries(tmp_path)) == 2


def test_a_changed_model_is_computed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIST_CACHE_DIR", str(tmp_path))
    compiled = model_from_matrix([2, 2, 2], MATRIX)
    changed = [row[:] for row in MATRIX]
    changed[0][2], changed[0][3] = -3, 3
    other = model_from_matrix([2, 2, 2], changed)
    assert cache.model_key(compiled) != cache.model_key(other)
    assert find_scenarios(other) != find_scenarios(compiled)
    assert len(_entries(tmp_path)) == 2


def test_a_damaged_entry_is_computed_again_and_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIST_CACHE_DIR", str(tmp_path))
    compiled = model_from_matrix([2, 2, 2], MATRIX)
    expected = find_scenarios(compiled)
    (entry,) = _entries(tmp_path)
    entry.write_bytes(b"not a pickle")
    assert find_scenarios(compiled) == expected
    assert pickle.loads(entry.read_bytes()) == expected


def test_the_cache_can_be_turned_off_and_never_breaks_a_search(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIST_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("SCENARIST_CACHE", "off")
    compiled = model_from_matrix([2, 2, 2], MATRIX)
    find_scenarios(compiled)
    assert not (tmp_path / "c").exists()
    monkeypatch.delenv("SCENARIST_CACHE")
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv("SCENARIST_CACHE_DIR", str(blocker / "results"))
    assert len(find_scenarios(compiled)) == len(find_scenarios(compiled))  # nothing cached, nothing raised


def test_old_entries_are_removed_beyond_the_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIST_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for i in range(6):
        assert cache.cached("t", (i,), lambda i=i: i * i) == i * i
    assert len(_entries(tmp_path)) == 3
    assert cache.cached("t", (5,), lambda: -1) == 25  # the newest is kept


def test_the_prior_is_cached_per_draws_and_seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIST_CACHE_DIR", str(tmp_path))
    compiled = model_from_matrix([2, 2, 2], MATRIX)
    small = AnalysisSettings(draws=200, seed=1)
    first = prior_of(compiled, small)
    assert prior_of(compiled, small) == first
    other = prior_of(compiled, AnalysisSettings(draws=200, seed=2))
    assert len(_entries(tmp_path)) == 2
    assert other.seed == 2


def test_a_second_command_reads_the_cache(tmp_path: Path) -> None:
    env_cache = tmp_path / "cache"
    command = [sys.executable, "-m", "scenarist", "scenarios", "--format", "json"]
    env = {**os.environ, "SCENARIST_CACHE_DIR": str(env_cache)}
    first = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    entries = _entries(env_cache)
    assert sorted(p.name.split("-")[0] for p in entries) == ["loaded", "scenarios"]
    written = [p.stat().st_mtime_ns for p in entries]
    second = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    assert second.stdout == first.stdout
    assert _entries(env_cache) == entries
    assert [p.stat().st_mtime_ns for p in entries] == written  # read, not computed and written again


def test_a_model_file_is_parsed_again_only_when_its_bytes_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scenarist.model import load as loading
    from scenarist.service import load

    monkeypatch.setenv("SCENARIST_CACHE_DIR", str(tmp_path / "cache"))
    text = loading.resolve_model_path(None).read_text(encoding="utf-8")
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    parsed: list[int] = []
    real = loading.model_from_bytes
    monkeypatch.setattr(loading, "model_from_bytes", lambda *a: parsed.append(1) or real(*a))

    first = load(path)
    again = load(path)
    assert parsed == [1]  # the second load read the stored result
    assert again.model == first.model
    assert again.compiled.revision == first.compiled.revision

    path.write_text(text.replace("title:", "title: Edited —", 1), encoding="utf-8")
    edited = load(path)
    assert parsed == [1, 1]
    assert edited.model.title.startswith("Edited —")
    assert edited.compiled.revision != first.compiled.revision

    printable = load(path, printable=True)  # stored apart: the terminal's copy of the texts
    assert parsed == [1, 1, 1]
    assert printable.model.title == edited.model.title
