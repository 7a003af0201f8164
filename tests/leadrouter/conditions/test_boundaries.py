"""The condition language stands alone: it imports no app, and its number parser, shared with
the Django-free conversion model, needs nothing but the standard library."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "leadrouter" / "conditions"
APPS = {"intake", "qualification", "routing", "reporting", "django"}


def _imported(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.append(node.module or "")
    return names


def test_condition_package_imports_no_app():
    for path in PACKAGE.glob("*.py"):
        for name in _imported(path):
            assert name.split(".")[0] not in APPS, (path.name, name)


def test_number_parser_imports_only_the_standard_library():
    for name in _imported(PACKAGE / "numbers.py"):
        assert name.split(".")[0] in sys.stdlib_module_names, name
    script = (
        "import sys, leadrouter.conditions.numbers;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'django', 'intake', 'qualification', 'routing'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
