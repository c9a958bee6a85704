"""Seeding is not the app: portal.seeding is loaded by the CLI commands, the bench and the
tests, never by a module the app itself imports."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# A fresh interpreter: this test run has imported portal.seeding already (other tests do).
PROBE = """
import importlib, sys
from pathlib import Path
import portal
from portal import create_app

app = create_app({
    "TESTING": True,
    "SECRET_KEY": "probe",
    "SQLALCHEMY_DATABASE_URI": sys.argv[1],
    "UPLOAD_FOLDER": sys.argv[2],
})
app.test_client().get("/")
after_app = sorted(m for m in sys.modules if m.split(".")[:2] == ["portal", "seeding"])
# Then every other module of the package (pkgutil.walk_packages would import seeding's
# __init__ on its way down, so the files are listed instead).
package = Path(portal.__file__).parent
for path in sorted(package.rglob("*.py")):
    parts = path.relative_to(package.parent).with_suffix("").parts
    if parts[1] != "seeding":
        importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
after_all = sorted(m for m in sys.modules if m.split(".")[:2] == ["portal", "seeding"])
print(portal.__file__)
print(after_app, after_all)
"""


def test_building_the_app_loads_no_seeding_module(tmp_path):
    url = f"sqlite:///{tmp_path / 'probe.sqlite3'}"
    result = subprocess.run(  # noqa: S603 (our own interpreter and probe)
        [sys.executable, "-c", PROBE, url, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    where, modules = result.stdout.strip().splitlines()[-2:]
    assert Path(where).parent.parent == ROOT  # the probe imported this checkout's portal
    assert modules == "[] []"


def test_only_the_cli_refers_to_seeding_and_only_inside_its_commands():
    """A module-level import would load seeding with the app; cli.py imports it lazily."""
    offenders = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("portal/seeding/"):
            continue
        tree = ast.parse(path.read_text(), relative)
        in_functions = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [(node.module or "")] + [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if not any("seeding" in name.split(".") for name in names):
                continue
            if relative != "portal/cli.py" or id(node) not in in_functions:
                offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []
