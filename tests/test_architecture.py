"""The shape of the code, recomputed from its imports and syntax: the layering of docs/architecture.md.

Each module may import from its own layer and the layers below it, never above; no import
cycle, counting the package ``__init__`` that Python runs for every submodule; no function
longer than a screen; the run never asks which kind of model it holds.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hsi"

# Lowest first. A name covers the module and everything below it unless a more specific
# name (longest match wins) places a submodule elsewhere.
LAYERS = (
    ("foundation", ("hsi", "hsi.errors", "hsi.files", "hsi.formatting", "hsi.provenance")),
    (
        "core",
        (
            "hsi.data",
            "hsi.preprocess",
            "hsi.patches",
            "hsi.splits",
            "hsi.models",
            "hsi.evaluate",
            "hsi.train",
            "hsi.segments",
            "hsi.config",
        ),
    ),
    ("classifiers", ("hsi.classifiers",)),
    ("run folder", ("hsi.run_dir", "hsi.ensemble")),
    ("outputs", ("hsi.describe", "hsi.protocol", "hsi.report", "hsi.pages", "hsi.maps", "hsi.sweep", "hsi.tracking")),
    ("run", ("hsi.experiment", "hsi.predict_tiles", "hsi.distributed_predict", "hsi.sweep.callback")),
    ("commands", ("hsi.cli",)),
)
MAX_FUNCTION_LINES = 50


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """hsi modules imported anywhere in the file (inside functions too), with the packages Python runs for them."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    with_parents = set()
    for name in found:
        parts = name.split(".")
        with_parents |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    return {m for m in with_parents if m in modules}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        # A module's own packages are running already when it is imported: not an edge.
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
        graph[name] = _imports(path, modules) - own
    return graph


def _layer(module: str) -> int:
    best, level = -1, None
    for index, (_, names) in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, level = len(name), index
    assert level is not None, f"{module} is in no layer of LAYERS (docs/architecture.md)"
    return level


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt] if nxt in path else [node, nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_the_checks_see_the_package():
    graph = _graph()
    assert {"hsi.experiment", "hsi.classifiers.base", "hsi.cli.train"} <= set(graph)
    assert "hsi.classifiers.base" in graph["hsi.experiment"] or "hsi.classifiers" in graph["hsi.experiment"]


def test_there_is_no_import_cycle():
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()))


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_from_a_higher_layer():
    upward = []
    for module, deps in _graph().items():
        for dep in deps:
            if _layer(dep) > _layer(module):
                upward.append(f"{module} ({LAYERS[_layer(module)][0]}) imports {dep} ({LAYERS[_layer(dep)][0]})")
    assert not upward, "\n".join(sorted(upward))


def test_every_module_is_in_a_layer():
    for module in _graph():
        _layer(module)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_is_longer_than_a_screen(path):
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.name}: {', '.join(long)}"


def test_the_run_never_asks_which_kind_of_model_it_holds():
    for name in ("experiment.py", "maps/from_run.py"):
        source = (PACKAGE / name).read_text()
        assert "isinstance" not in source and "nn.Module" not in source, name


def test_only_the_run_folder_module_spells_the_run_files():
    from hsi import run_dir

    names = [value for key, value in vars(run_dir).items() if key.isupper() and isinstance(value, str)]
    names = [n for n in names if "." in n and not n.startswith("hsi-")]
    assert {"metrics.json", "checkpoint.pt", "resume.pt", "failed.json", ".hydra/overrides.yaml"} <= set(names)
    spelled = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "run_dir.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        for name in names
        if node.value == name or node.value.endswith("/" + name)
    ]
    assert not spelled, "\n".join(spelled)
