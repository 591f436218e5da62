"""Every .bicep file in infra/ parses with the tree-sitter-bicep grammar, and main.bicep
wires every module that exists (and only those)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.bicep import INFRA, bicep_files, load, parse, parse_file, syntax_problems

EXPECTED_MODULES = {
    "modules/identity.bicep",
    "modules/monitoring.bicep",
    "modules/storage.bicep",
    "modules/servicebus.bicep",
    "modules/keyvault.bicep",
    "modules/function-app.bicep",
    "modules/alerts.bicep",
    "modules/workbook.bicep",
}


def test_infra_holds_main_and_the_modules() -> None:
    found = {path.relative_to(INFRA).as_posix() for path in bicep_files()}
    assert found == {"main.bicep"} | EXPECTED_MODULES


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: p.relative_to(INFRA).as_posix())
def test_bicep_file_parses_without_error_nodes(path: Path) -> None:
    tree = parse_file(path)
    problems = syntax_problems(tree)
    assert not problems, f"{path.name}: " + "; ".join(map(str, problems))
    assert tree.root_node.type == "infrastructure"
    assert tree.root_node.named_child_count > 0


@pytest.mark.parametrize(
    ("source", "line"),
    [
        # an unclosed object: the parser must report a MISSING '}' or an ERROR node
        ("param a string\nresource r 'Microsoft.Foo/bars@2024-01-01' = {\n  name: 'x'\n", 2),
        # a property without a value
        ("resource r 'Microsoft.Foo/bars@2024-01-01' = {\n  name: \n  location: 'x'\n}\n", 2),
        # a stray token between declarations
        ("param a string\n)))\nparam b string\n", 2),
    ],
)
def test_a_broken_bicep_file_is_reported(tmp_path: Path, source: str, line: int) -> None:
    broken = tmp_path / "broken.bicep"
    broken.write_text(source)
    problems = syntax_problems(parse_file(broken))
    assert problems, f"no syntax problem found in {source!r}"
    assert any(problem.line >= line for problem in problems)


def test_a_valid_snippet_has_no_problems() -> None:
    source = b"param a string = 'x'\nvar b = { c: [ 1, true ] }\noutput o string = a\n"
    assert syntax_problems(parse(source)) == []


def test_main_wires_every_module_and_the_files_exist() -> None:
    main = load(INFRA / "main.bicep")
    paths = [module.path for module in main.modules()]
    assert sorted(paths) == sorted(EXPECTED_MODULES)
    for path in paths:
        assert (INFRA / path).is_file(), path


def test_main_passes_every_required_module_param_and_no_unknown_one() -> None:
    main = load(INFRA / "main.bicep")
    for module in main.modules():
        declared = load(INFRA / module.path).params()
        passed = module.body.get("params", {})
        assert isinstance(passed, dict)
        unknown = sorted(set(passed) - set(declared))
        required = sorted(name for name, p in declared.items() if not p.has_default)
        missing = sorted(set(required) - set(passed))
        assert not unknown, f"{module.path}: main passes undeclared params {unknown}"
        assert not missing, f"{module.path}: main does not pass required params {missing}"
