"""The layer rule of the README's Architecture section, checked on every module's imports
(including imports inside functions).

- intake imports no other app; qualification may import intake; routing may import intake and
  qualification; nobody imports reporting.
- An app's domain modules (models, services, selectors, its step) import nothing above the
  apps; only its entry points — views, admin, tasks, URLs, commands, API views — may call the
  pipeline (`leadrouter.pipeline`) or the lead's read side (`leadrouter.api`).
- The project's tools (`leadrouter/conditions`, `sql.py`, `config_version.py`, …) import no app.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("intake", "qualification", "routing", "reporting")
MAY_IMPORT = {
    "intake": set(),
    "qualification": {"intake"},
    "routing": {"intake", "qualification"},
    "reporting": {"intake", "qualification", "routing"},
}
ABOVE_THE_APPS = ("leadrouter.pipeline", "leadrouter.api")
# Modules the request, the scheduler or a person calls: they may run the pipeline.
ENTRY_POINTS = ("views.py", "admin.py", "tasks.py", "urls.py", "apps.py")
ENTRY_FOLDERS = ("management", "api")
# The project package: these sit above the apps; everything else in it is a tool.
PROJECT_ABOVE = (
    "pipeline.py",
    "api",
    "urls.py",
    "management",
    "settings.py",
    "health.py",
    "wsgi.py",
    "asgi.py",
)


def imported(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            # `from leadrouter import pipeline` imports leadrouter.pipeline.
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def above_the_apps(name: str) -> bool:
    return any(name == above or name.startswith(f"{above}.") for above in ABOVE_THE_APPS)


def modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT / package).parts
        if parts[0] != "migrations":
            yield path, parts


def is_entry_point(parts: tuple[str, ...]) -> bool:
    return parts[-1] in ENTRY_POINTS or parts[0] in ENTRY_FOLDERS


def offences(app: str) -> list[str]:
    found = []
    for path, parts in modules(app):
        for name in imported(path):
            top = name.split(".")[0]
            if top in APPS and top != app and top not in MAY_IMPORT[app]:
                found.append(f"{path.relative_to(ROOT)} imports {name}")
            if above_the_apps(name) and not is_entry_point(parts):
                found.append(f"{path.relative_to(ROOT)} (not an entry point) imports {name}")
    return found


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_below_it(app):
    assert offences(app) == []


def test_the_projects_tools_import_no_app():
    found = []
    for path, parts in modules("leadrouter"):
        if parts[0] in PROJECT_ABOVE:
            continue
        found += [
            f"{path.relative_to(ROOT)} imports {name}"
            for name in imported(path)
            if name.split(".")[0] in APPS or above_the_apps(name)
        ]
    assert found == []


def test_the_rule_is_checked_where_it_is_broken(tmp_path, monkeypatch):
    # The checker itself: a service of intake that runs the pipeline is an offence.
    package = tmp_path / "intake" / "services"
    package.mkdir(parents=True)
    (package / "x.py").write_text("from leadrouter import pipeline\nimport routing.models\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert offences("intake") == [
        "intake/services/x.py (not an entry point) imports leadrouter.pipeline",
        "intake/services/x.py imports routing.models",
    ]
