"""ScenarioWizard interoperability: .scw projects, .sl solution lists, matrix CSV, model building."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scenarist.errors import ModelError
from scenarist.model.build import matrix_of, model_from_matrix, safe_id
from scenarist.model.matrix_csv import format_matrix_csv, parse_matrix_csv, read_matrix_csv, write_matrix_csv
from scenarist.model.schema import Model
from scenarist.model.scw import format_scw, parse_scw, parse_scw_bytes, read_scw, write_scw
from scenarist.model.solutions import Solution, SolutionList, format_sl, parse_sl, read_sl, write_sl
from scenarist.model.validate import validate_model

DATA = Path(__file__).parent / "data"
SW = DATA / "scenariowizard"
REFERENCE = DATA / "cib-reference"
SCW_FILES = sorted(SW.glob("*.scw"))
SL_FILES = sorted(SW.glob("*.sl"))
TRANSCRIBED = ["CIB_global", "CIB_natl_regional", "CIB_nested", "CIB_nested_simplified_standardized"]


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def _json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REFERENCE / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _without_encoding(model: Model) -> Model:
    meta = {k: v for k, v in model.meta["scw"].items() if k != "encoding"}
    return model.model_copy(update={"meta": {"scw": meta}})


def _matrix_section(text: str, size: int) -> list[str]:
    lines = text.splitlines()
    end = lines.index("# 0-0") - 1
    assert lines[end] == "#"
    return lines[end - size : end]


# ------------------------------------------------------------------ samples


def test_sample_files_are_present() -> None:
    assert len(SCW_FILES) == 5
    assert len(SL_FILES) == 4
    assert (SW / "LICENSE-cibsa").is_file()


@pytest.mark.parametrize("path", SCW_FILES, ids=_ids(SCW_FILES))
def test_every_sample_reads_into_a_valid_model(path: Path) -> None:
    model = read_scw(path)
    assert validate_model(model) is model
    assert model.meta["scw"]["header"] == "$ ScenarioWizard 4.0"
    assert model.meta["scw"]["newline"] == "\n"
    size = sum(len(d.variants) for d in model.descriptors)
    assert matrix_of(model).shape == (size, size)
    assert all(j.impact != 0 for j in model.judgments)


@pytest.mark.parametrize("name", TRANSCRIBED)
def test_sample_equals_its_json_transcription(name: str) -> None:
    model = read_scw(SW / f"{name}.scw")
    ref = _json(name)
    assert [d.name for d in model.descriptors] == [d["name"] for d in ref["descriptors"]]
    assert [[v.name for v in d.variants] for d in model.descriptors] == [
        [v["name"] for v in d["variants"]] for d in ref["descriptors"]
    ]
    assert matrix_of(model).tolist() == ref["matrix"]


def test_nonstandard_sample_keeps_large_values_and_structure() -> None:
    path = SW / "CIB_nested_simplified_nonstandard.scw"
    model = read_scw(path)
    standard = _json("CIB_nested_simplified_standardized")
    assert [d.name for d in model.descriptors] == [d["name"] for d in standard["descriptors"]]
    matrix = matrix_of(model)
    raw = _matrix_section(path.read_text(encoding="ascii"), 47)
    assert matrix.tolist() == [[int(x) for x in line.split(",")] for line in raw]
    assert matrix.min() < -3 and matrix.max() > 3
    assert all(d.short is None for d in model.descriptors)  # the file's short names are single blanks
    assert model.meta["scw"]["short_names"][0][0] == " "


@pytest.mark.parametrize(
    ("name", "self_impacts"),
    [
        ("CIB_global", False),
        ("CIB_nested", False),
        ("CIB_natl_regional", True),
        ("CIB_nested_simplified_standardized", True),
    ],
)
def test_non_zero_diagonal_blocks_set_allow_self_impacts(name: str, self_impacts: bool) -> None:
    model = read_scw(SW / f"{name}.scw")
    assert model.allow_self_impacts is self_impacts
    within = [j for j in model.judgments if j.source.split(".")[0] == j.target.split(".")[0]]
    assert bool(within) is self_impacts


@pytest.mark.parametrize("path", SCW_FILES, ids=_ids(SCW_FILES))
def test_write_back_is_byte_identical(path: Path, tmp_path: Path) -> None:
    model = read_scw(path)
    original = path.read_bytes()
    assert format_scw(model).encode("ascii") == original
    write_scw(model, tmp_path / path.name)
    assert (tmp_path / path.name).read_bytes() == original


@pytest.mark.parametrize("path", SCW_FILES, ids=_ids(SCW_FILES))
def test_matrix_section_is_byte_identical(path: Path) -> None:
    model = read_scw(path)
    size = sum(len(d.variants) for d in model.descriptors)
    original = path.read_text(encoding="ascii")
    assert _matrix_section(format_scw(model), size) == _matrix_section(original, size)


@pytest.mark.parametrize("path", SCW_FILES, ids=_ids(SCW_FILES))
def test_read_write_read_gives_an_equal_model(path: Path, tmp_path: Path) -> None:
    model = read_scw(path)
    write_scw(model, tmp_path / "again.scw")
    assert read_scw(tmp_path / "again.scw") == model
    assert _without_encoding(model) == parse_scw(format_scw(model), file=str(path))


def test_judgement_text_becomes_the_rationale_of_its_descriptor_pair() -> None:
    for name in ("CIB_nested", "CIB_natl_regional", "CIB_nested_simplified_standardized"):
        model = read_scw(SW / f"{name}.scw")
        with_text = [j for j in model.judgments if j.rationale]
        assert {(j.source.split(".")[0], j.target.split(".")[0]) for j in with_text} == {("NURB", "NINEQ")}
        assert all(j.rationale is not None and j.rationale.startswith("Slow urbanization") for j in with_text)
        texts = model.meta["scw"]["texts"]
        n = len(model.descriptors)
        assert texts["count"] == 1 + n + n * n
        assert len(texts["nonempty"]) == 1


@pytest.mark.parametrize("path", SCW_FILES, ids=_ids(SCW_FILES))
def test_crlf_and_lf_are_both_accepted(path: Path) -> None:
    lf = path.read_text(encoding="ascii")
    crlf = lf.replace("\n", "\r\n")
    from_lf, from_crlf = parse_scw(lf), parse_scw(crlf)
    assert from_crlf.meta["scw"]["newline"] == "\r\n"
    assert from_crlf.descriptors == from_lf.descriptors
    assert from_crlf.judgments == from_lf.judgments
    assert format_scw(from_crlf) == crlf
    assert parse_scw_bytes(crlf.encode("ascii")).judgments == from_lf.judgments


# ------------------------------------------------------------------ hand-made projects

RICH = (
    "\n".join(
        [
            "$ ScenarioWizard 4.0",
            "Rich project.scw",
            "&A. Government",
            ' -A1 "Patriots party"',
            ' -A2 "Prosperity party"',
            "&B. Economy",
            " -B1 Stagnation",
            " -B2 Growth",
            " -",
            "#",
            "&Gov",
            " A1",
            " A2",
            "&",
            " ",
            " Grow",
            " ",
            "#",
            "#",
            "FF0000",
            "00FF00",
            "FFFFFF",
            "FFFFFF",
            "1A2B3C",
            "#",
            "#",
            " 1 , 0 , 3 ,-3 , 0 ",
            " 0 , 0 ,-20 , 20 , 5 ",
            "-2 , 2 , 0 , 0 , 0 ",
            " 2 ,-2 , 0 , 0 , 0 ",
            " 0 , 0 , 0 , 0 , 0 ",
            "#",
            "# 0-0",
            '"A project text"',
            "# Gov",
            '"Who governs"',
            "# ",
            '""',
            "# Gov -> Gov",
            '""',
            "# Gov -> ",
            '"Parties shape the economy',
            'over two lines"',
            "#  -> Gov",
            '""',
            "#  -> ",
            '""',
            "#",
            "#",
        ]
    )
    + "\n"
)


def test_rich_project_reads_names_shorts_colours_texts_and_self_impacts() -> None:
    model = parse_scw(RICH, file="rich.scw")
    a, b = model.descriptors
    assert (a.id, a.name, a.short) == ("Gov", "A. Government", "Gov")
    assert [v.id for v in a.variants] == ["A1", "A2"]
    assert a.variants[0].name == 'A1 "Patriots party"'
    assert (b.id, b.short) == ("B_Economy", None)
    assert [v.id for v in b.variants] == ["B1_Stagnation", "Grow", "v3"]
    assert b.variants[2].name == ""
    assert model.title == "Rich project" and model.id == "Rich_project"
    assert model.description == "A project text"
    assert a.description == "Who governs"
    assert model.allow_self_impacts
    gov_to_economy = [j for j in model.judgments if j.source.startswith("Gov.") and j.target.startswith("B_")]
    assert {j.rationale for j in gov_to_economy} == {"Parties shape the economy\nover two lines"}
    assert all(j.rationale is None for j in model.judgments if j not in gov_to_economy)
    assert matrix_of(model)[1].tolist() == [0, 0, -20, 20, 5]
    assert model.meta["scw"]["colours"][0] == "FF0000"


def test_rich_project_writes_back_identically_with_lf_and_crlf() -> None:
    assert format_scw(parse_scw(RICH)) == RICH
    crlf = RICH.replace("\n", "\r\n")
    assert format_scw(parse_scw(crlf)) == crlf


def test_minimal_text_section_and_missing_text_section_round_trip() -> None:
    head, _, _ = RICH.partition("# 0-0\n")
    minimal = head + '# 0-0\n""\n#\n#\n'
    model = parse_scw(minimal)
    assert model.meta["scw"]["texts"] == {"count": 1, "nonempty": []}
    assert format_scw(model) == minimal
    assert np.array_equal(matrix_of(model), matrix_of(parse_scw(RICH)))
    bare = parse_scw(head)
    assert bare.meta["scw"]["texts"] is None
    assert format_scw(bare) == head
    assert format_scw(parse_scw(head.rstrip("\n"))) == head.rstrip("\n")


def test_edits_to_the_model_win_over_the_raw_file() -> None:
    model = parse_scw(RICH)
    a = model.descriptors[0]
    renamed = a.model_copy(update={"name": "Government", "description": None})
    edited = model.model_copy(update={"descriptors": [renamed, *model.descriptors[1:]], "description": "New"})
    text = format_scw(edited)
    assert "&Government\n" in text and '"New"' in text and '"Who governs"' not in text
    again = parse_scw(text)
    assert again.descriptors[0].name == "Government" and again.description == "New"
    assert again.judgments == model.judgments


def test_a_model_without_scw_metadata_writes_a_readable_project() -> None:
    model = model_from_matrix(
        id="plain",
        title="Plain",
        descriptors=[("Alpha", None, [("a1", None), ("a2", None)]), ("Beta", "B", [("b1", "x"), ("b2", None)])],
        matrix=[[0, 0, 2, -2], [0, 0, -1, 1], [3, 0, 0, 0], [0, 3, 0, 0]],
        rationales={(0, 1): "Alpha drives Beta"},
        description="About",
    )
    text = format_scw(model)
    assert text.startswith("$ ScenarioWizard 4.0\r\nplain.scw\r\n&Alpha\r\n -a1\r\n")
    assert "FFFFFF" in text and text.endswith("#\r\n#\r\n")
    again = parse_scw(text)
    assert np.array_equal(matrix_of(again), matrix_of(model))
    assert [d.id for d in again.descriptors] == ["Alpha", "B"]
    assert again.description == "About"
    assert {j.rationale for j in again.judgments if j.source.startswith("Alpha.")} == {"Alpha drives Beta"}
    assert format_scw(again) == text


def test_windows_1252_names_are_read_and_written_back(tmp_path: Path) -> None:
    data = RICH.replace("B1 Stagnation", "B1 Récession").encode("cp1252")
    (tmp_path / "w.scw").write_bytes(data)
    model = read_scw(tmp_path / "w.scw")
    assert model.descriptors[1].variants[0].name == "B1 Récession"
    assert model.descriptors[1].variants[0].id == "B1_Recession"
    write_scw(model, tmp_path / "out.scw")
    assert (tmp_path / "out.scw").read_bytes() == data


def test_a_model_with_line_breaks_in_names_cannot_be_written() -> None:
    model = model_from_matrix(id="m", title="m", descriptors=[("A\nB", None, [("x", None)])], matrix=[[0]])
    with pytest.raises(ModelError, match="line break"):
        format_scw(model)


# ------------------------------------------------------------------ malformed projects


def _global_lines() -> list[str]:
    return (SW / "CIB_global.scw").read_text(encoding="ascii").split("\n")


def _replace(index: int, line: str) -> str:
    lines = _global_lines()
    lines[index] = line
    return "\n".join(lines)


def _delete(start: int, stop: int) -> str:
    lines = _global_lines()
    del lines[start:stop]
    return "\n".join(lines)


MALFORMED = {
    "empty file": ("", 1),
    "bad header": (_replace(0, "ScenarioWizard 4.0"), 1),
    "header only": ("$ ScenarioWizard 4.0\n", 2),
    "truncated in the structure": ("\n".join(_global_lines()[:8]), 9),
    "truncated in the matrix": ("\n".join(_global_lines()[:48]), 49),
    "truncated inside a text": ("\n".join(_global_lines()[:61]) + '\n"open', 63),
    "no descriptors": (_delete(2, 15), 3),
    "variant before descriptor": (_replace(2, " -FT"), 3),
    "stray line in structure": (_replace(5, "Mix"), 6),
    "descriptor without variants": (_delete(3, 6), 3),
    "missing short-name section": (_delete(16, 30), 17),
    "short names do not match": (_delete(19, 20), 20),
    "missing colour section": (_delete(31, 42), 32),
    "bad colour": (_replace(33, "white"), 34),
    "missing matrix row": (_delete(46, 47), 53),
    "extra matrix row": (_replace(53, " 0 , 0 , 0 , 0 , 0 , 0 , 0 , 0 , 0 , 0 "), 54),
    "bad integer": (_replace(45, " 0 , 0 , x , 1 , 2 ,-3 ,-4 ,-2 , 3 , 3 "), 46),
    "float value": (_replace(45, " 0 , 0 , 1.5 , 1 , 2 ,-3 ,-4 ,-2 , 3 , 3 "), 46),
    "short row": (_replace(45, " 0 , 0 , 0 , 1 , 2 ,-3 ,-4 ,-2 , 3 "), 46),
    "long row": (_replace(45, " 0 , 0 , 0 , 1 , 2 ,-3 ,-4 ,-2 , 3 , 3 , 1 "), 46),
    "huge value": (_replace(45, " 0 , 0 , 99999999999999999999 , 1 , 2 ,-3 ,-4 ,-2 , 3 , 3 "), 46),
    "text header without text": (_replace(55, "# 0-0 and more"), 56),
    "content after the end": ("\n".join(_global_lines()) + "extra\n", 83),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_project_gives_located_model_error(case: str) -> None:
    text, line = MALFORMED[case]
    with pytest.raises(ModelError) as info:
        parse_scw(text, file="bad.scw")
    assert info.value.location.file == "bad.scw"
    assert info.value.location.line == line, str(info.value)
    assert info.value.location.column >= 1


def test_bad_integer_is_located_by_row_column_and_field() -> None:
    with pytest.raises(ModelError) as info:
        parse_scw(MALFORMED["bad integer"][0], file="bad.scw")
    loc = info.value.location
    assert (loc.line, loc.column, loc.path) == (46, 10, ("matrix", 2, 2))
    assert "integer" in info.value.message
    assert str(loc) == "bad.scw:46:10: matrix[2][2]"


def test_undecodable_bytes_and_missing_files_give_model_errors(tmp_path: Path) -> None:
    data = (SW / "CIB_global.scw").read_bytes().replace(b"-Ntl", b"-N\x81l")
    with pytest.raises(ModelError) as info:
        parse_scw_bytes(data, file="bytes.scw")
    assert (info.value.location.line, info.value.location.column) == (5, 4)
    with pytest.raises(ModelError):
        read_scw(tmp_path / "missing.scw")


# ------------------------------------------------------------------ solution lists


@pytest.mark.parametrize("path", SL_FILES, ids=_ids(SL_FILES))
def test_solution_lists_match_the_json_transcription(path: Path) -> None:
    solutions = read_sl(path)
    assert solutions.header == "$ ScenarioWizard 3.0" and solutions.title == "Solution set"
    published = _json(path.stem)["published"]["solution_list"]
    assert len(solutions.solutions) == len(published)
    for got, want in zip(solutions.solutions, published):
        assert got.indices == tuple(i - 1 for i in want["scenario"])
        assert got.weight == float(want["field2_volume_weight"])
        assert got.consistency_value == want["field3_consistency_value"]
        assert got.field4 == want["field4"]
        assert got.total_impact_score == want["field5_total_impact_score"]
        assert got.text == want["field6_text"]


@pytest.mark.parametrize("path", SL_FILES, ids=_ids(SL_FILES))
def test_solution_lists_write_back_byte_identically(path: Path, tmp_path: Path) -> None:
    solutions = read_sl(path)
    assert format_sl(solutions).encode("ascii") == path.read_bytes()
    write_sl(solutions, tmp_path / path.name)
    assert (tmp_path / path.name).read_bytes() == path.read_bytes()
    assert parse_sl(format_sl(solutions)) == solutions


def test_solution_weights_print_like_single_precision() -> None:
    line = SolutionList((Solution((0, 2), 16777216.0, -1, 0, 9, "name"), Solution((1, 0), 7716891.0, 0, 0, 3, "")))
    text = format_sl(line)
    assert text.split("\r\n")[4:6] == ['" 1 3",1.677722E+07,-1,0,9,"name"', '" 2 1",7716891,0,0,3,""']
    assert text.startswith("$ ScenarioWizard 3.0\r\nSolution set\r\n 2 \r\n\r\n")


SL_MALFORMED = {
    "bad header": ("Solution set\n", 1),
    "too short": ("$ ScenarioWizard 3.0\nSolution set\n", 3),
    "bad count": ("$ ScenarioWizard 3.0\nSolution set\n four \n\n", 3),
    "count too high": ('$ ScenarioWizard 3.0\nSolution set\n 2 \n\n" 1 2",4,0,0,15,""\n', 6),
    "bad line": ('$ ScenarioWizard 3.0\nSolution set\n 1 \n\n" 1 2",4,0,0\n', 5),
    "bad weight": ('$ ScenarioWizard 3.0\nSolution set\n 1 \n\n" 1 2",many,0,0,15,""\n', 5),
    "bad index": ('$ ScenarioWizard 3.0\nSolution set\n 1 \n\n" 1 0",4,0,0,15,""\n', 5),
    "ragged": ('$ ScenarioWizard 3.0\nSolution set\n 2 \n\n" 1 2",4,0,0,15,""\n" 1",4,0,0,15,""\n', 6),
}


@pytest.mark.parametrize("case", list(SL_MALFORMED))
def test_malformed_solution_list_gives_located_model_error(case: str) -> None:
    text, line = SL_MALFORMED[case]
    with pytest.raises(ModelError) as info:
        parse_sl(text, file="bad.sl")
    assert info.value.location.line == line, str(info.value)


# ------------------------------------------------------------------ matrix CSV


@pytest.mark.parametrize("path", SCW_FILES, ids=_ids(SCW_FILES))
def test_csv_round_trip(path: Path, tmp_path: Path) -> None:
    model = read_scw(path)
    target = tmp_path / f"{path.stem}.csv"
    write_matrix_csv(model, target)
    again = read_matrix_csv(target)
    assert again.id == path.stem and again.title == path.stem
    assert [d.id for d in again.descriptors] == [d.id for d in model.descriptors]
    assert [[v.id for v in d.variants] for d in again.descriptors] == [
        [v.id for v in d.variants] for d in model.descriptors
    ]
    assert np.array_equal(matrix_of(again), matrix_of(model))
    assert again.allow_self_impacts == model.allow_self_impacts
    assert format_matrix_csv(again) == target.read_text(encoding="utf-8")


def test_csv_layout_and_lenient_import() -> None:
    model = parse_scw(RICH)
    text = format_matrix_csv(model)
    assert text.splitlines()[:3] == [
        ",,Gov,Gov,B_Economy,B_Economy,B_Economy",
        ",,A1,A2,B1_Stagnation,Grow,v3",
        "Gov,A1,1,0,3,-3,0",
    ]
    excel = '\ufeff;;"Gov";;Econ;\r\n;;a1;a2;"b 1";\r\nGov;a1;0;0;1;\r\n;a2;0;0;-1;\r\nEcon;b 1;2;-2;0;\r\n\r\n'
    imported = parse_matrix_csv(excel, file="x.csv")
    assert [d.id for d in imported.descriptors] == ["Gov", "Econ"]
    assert imported.descriptors[1].variants[0].name == "b 1"
    assert imported.descriptors[1].variants[0].id == "b_1"
    assert matrix_of(imported).tolist() == [[0, 0, 1], [0, 0, -1], [2, -2, 0]]


CSV_MALFORMED = {
    "too few lines": (",,A\n,,a\n", 3, 1),
    "bad integer": (",,A,B\n,,a,b\nA,a,0,x\nB,b,1,0\n", 3, 7),
    "missing row": (",,A,B\n,,a,b\nA,a,0,1\n", 4, 1),
    "extra row": (",,A,B\n,,a,b\nA,a,0,1\nB,b,1,0\nB,c,1,0\n", 5, 1),
    "short row": (",,A,B\n,,a,b\nA,a,0\nB,b,1,0\n", 3, 5),
    "label mismatch": (",,A,B\n,,a,b\nA,a,0,1\nB,c,1,0\n", 4, 1),
    "split descriptor": (",,A,B,A\n,,a,b,c\nA,a,0,1,0\nB,b,1,0,0\nA,c,0,0,0\n", 1, 7),
    "no variants": (",,\n,,\n,,\n", 2, 1),
    "blank variant": (",,A,A\n,,,a\n,,\n", 2, 3),
}


@pytest.mark.parametrize("case", list(CSV_MALFORMED))
def test_malformed_csv_gives_located_model_error(case: str) -> None:
    text, line, column = CSV_MALFORMED[case]
    with pytest.raises(ModelError) as info:
        parse_matrix_csv(text, file="bad.csv")
    assert (info.value.location.line, info.value.location.column) == (line, column), str(info.value)


# ------------------------------------------------------------------ building blocks


def test_safe_id() -> None:
    taken: set[str] = set()
    assert safe_id('A1 "Patriots party"', taken, "v1") == "A1_Patriots_party"
    assert safe_id('A1 "Patriots party"', taken, "v1") == "A1_Patriots_party_2"
    assert safe_id("Long name", taken, "d1", short="LN") == "LN"
    assert safe_id("1_2", taken, "v1") == "_1_2"
    assert safe_id("  ", taken, "d7", short=" ") == "d7"
    assert safe_id("Éducation — élevée", taken, "x") == "Education_elevee"
    long = safe_id("x" * 100, taken, "x")
    assert len(long) == 64
    assert len(safe_id("x" * 100, taken, "x")) == 64 and long in taken
    assert all(len(t) <= 64 for t in taken)


def test_model_from_matrix_omits_zeros_and_flags_self_impacts() -> None:
    specs = [("A", None, [("a1", None), ("a2", None)]), ("B", None, [("b1", None)])]
    plain = model_from_matrix(id="m", title="M", descriptors=specs, matrix=[[0, 0, 1], [0, 0, 0], [-2, 0, 0]])
    assert [(j.source, j.target, j.impact) for j in plain.judgments] == [("A.a1", "B.b1", 1), ("B.b1", "A.a1", -2)]
    assert not plain.allow_self_impacts
    selfish = model_from_matrix(
        id="m", title="M", descriptors=specs, matrix=np.array([[0, 3, 0], [0, 0, 0], [0, 0, 0]])
    )
    assert selfish.allow_self_impacts
    with pytest.raises(ModelError, match="shape"):
        model_from_matrix(id="m", title="M", descriptors=specs, matrix=[[0, 0], [0, 0]])
    with pytest.raises(ModelError, match="integer"):
        model_from_matrix(id="m", title="M", descriptors=specs, matrix=[[0.5, 0, 0], [0, 0, 0], [0, 0, 0]])
    with pytest.raises(ModelError):
        model_from_matrix(id="not an id", title="M", descriptors=specs, matrix=np.zeros((3, 3), dtype=int))
