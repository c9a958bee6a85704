"""Import each named portal module as the first portal module of a process; print the names
whose import failed (with tracebacks on stderr). Run by tests/test_layout.py.

A fresh interpreter per module would take minutes, so each import runs in a forked child of
a process that has only what the import would find loaded anyway:
- the libraries the portal uses (never a portal module) for every import;
- the models, configured, for a module they do not themselves import: such a module meets
  them complete in a fresh interpreter too, since nothing of it is half-run while they load.

Importing `a.b.c` runs `a`, then `a.b`, then `a.b.c`. So when importing the package `a.b` alone
already loads `a.b.c`, importing `a.b.c` alone is that same run and is not repeated.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def portal_loaded() -> set[str]:
    return {m for m in sys.modules if m == "portal" or m.startswith("portal.")}


def in_child(work, report: Path) -> int:
    """Run `work` in a forked child, which writes what it returns to `report` as JSON."""
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        report.write_text(json.dumps(work()))
    except BaseException:
        sys.stderr.write(f"--- {work.__name__}\n{traceback.format_exc()}")
        code = 1
    sys.stderr.flush()
    os._exit(code)


def import_alone(name: str):
    def work():
        importlib.import_module(name)
        return sorted(portal_loaded())

    work.__name__ = name
    return work


def run(names: list[str], folder: Path, jobs: int = 2) -> dict[str, set[str] | None]:
    """Import each name alone, `jobs` at a time; what each loaded (None: it failed). By
    depth, so a module its package's import already loaded is not imported again."""
    loaded: dict[str, set[str] | None] = {}
    for depth in sorted({name.count(".") for name in names}):
        level = []
        for name in (n for n in names if n.count(".") == depth):
            parent = name.rpartition(".")[0]
            if parent in loaded and loaded[parent] and name in loaded[parent]:
                loaded[name] = loaded[parent]
            else:
                level.append(name)
        running: dict[int, str] = {}
        for name in [*level, *[None] * jobs]:
            while running and (name is None or len(running) >= jobs):
                pid, status = os.wait()
                done = running.pop(pid)
                report = folder / done
                loaded[done] = None if status else set(json.loads(report.read_text()))
            if name is not None:
                running[in_child(import_alone(name), folder / name)] = name
    return loaded


def main(names: list[str]) -> None:
    folder = Path(tempfile.mkdtemp())

    def libraries():
        importlib.import_module("portal.models")
        found = {name for name, module in sys.modules.items() if getattr(module, "__spec__", None)}
        return sorted(n for n in found if not (n == "portal" or n.startswith(("portal.", "__"))))

    os.waitpid(in_child(libraries, folder / "libraries"), 0)
    for library in json.loads((folder / "libraries").read_text()):
        importlib.import_module(library)
    assert not portal_loaded()

    def models():
        importlib.import_module("portal.models")
        return sorted(portal_loaded())

    os.waitpid(in_child(models, folder / "models"), 0)
    bottom = set(json.loads((folder / "models").read_text()))
    loaded = run([n for n in names if n in bottom], folder)

    importlib.import_module("portal.models")
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    loaded |= run([n for n in names if n not in bottom], folder)
    print("\n".join(sorted(name for name, found in loaded.items() if found is None)))


if __name__ == "__main__":
    main(sys.argv[1:])
