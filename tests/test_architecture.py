"""The shape of the code: the layering of docs/architecture.md, and its size limits."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {  # package -> the packages it may import
    "hyperword": {"hyperword"},
    "mnemonic": {"hyperword", "mnemonic"},
    "adapters": {"hyperword", "adapters"},
    "orchestrator": {"hyperword", "mnemonic", "orchestrator"},
    "eval": {"hyperword", "mnemonic", "orchestrator", "adapters", "eval"},
}
OUTER = ("hyperword/cli/", "hyperword/integrations/", "hyperword/__main__.py")  # the outer layer
MAX_FILE_LINES, MAX_FUNCTION_LINES = 450, 60
LONG_FUNCTIONS_LEFT: set[str] = set()  # "path.py:function" exceptions, each with its reason


def _modules():
    for package in ALLOWED:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield package, path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def _imports(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def test_imports_point_one_way():
    wrong = []
    for package, name, tree in _modules():
        outer = name.startswith(OUTER)
        for line, module in _imports(tree):
            top = module.split(".")[0]
            if top in ALLOWED and not outer and top not in ALLOWED[package]:
                wrong.append(f"{name}:{line} imports {module}")
            if module.startswith("hyperword.cli") and not outer:
                wrong.append(f"{name}:{line} imports the command line")
            if module.startswith("hyperword.integrations") and not outer:
                wrong.append(f"{name}:{line} imports a framework integration")
    assert wrong == []


def test_library_files_stay_short():
    long = [
        name
        for _, name, _ in _modules()
        if len((ROOT / name).read_text().splitlines()) > MAX_FILE_LINES
        and "/benchmarks/" not in name
    ]
    assert long == []


def test_functions_stay_short():
    long = []
    for _, name, tree in _modules():
        if "/benchmarks/" in name:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                key = f"{name}:{node.name}"
                if lines > MAX_FUNCTION_LINES and key not in LONG_FUNCTIONS_LEFT:
                    long.append(f"{key} ({lines} lines)")
    assert long == []
