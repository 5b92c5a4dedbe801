"""The package's shape: folders in layers that only look down, and no import cycles.

Imports are read with `ast`, so a function-level `from .render import ...` counts like a top-level one,
and so does one under `if TYPE_CHECKING:`: a type that has to be imported from above is in the wrong place.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "summarizer"

# Top to bottom: the package's folders (and its few shared modules), each layer on one line. A module may
# import from its own layer or any layer below it, never from one above. (The package's own __init__ is
# left out: it re-exports lazily, by name, for `import summarizer`.)
LAYERS = [
    ["__main__", "cli", "server"],  # the command line; the HTTP server
    ["api", "jobs", "measure"],  # the Python API, a job to files, evaluation
    ["output", "pipeline"],  # writing digests; read -> summarize -> translate -> Digest
    ["config"],  # flags and the one settings merge
    ["tasks"],  # summarizing, translating, generation (cached, deduplicated)
    ["quality"],  # checks on every output
    ["engines", "models"],  # where model work runs; the catalogue, hub, backends, embeddings, stand-ins
    ["inputs"],  # paths, files, web pages, encodings, segmenting, language ID
    ["cache", "options"],  # the SQLite cache; frozen settings
    ["languages", "results", "errors", "version"],  # plain data
]


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement: at module level, inside functions, and under `if TYPE_CHECKING:`."""
    return [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def _modules() -> dict[str, Path]:
    """Module name -> file: `summarizer.cli.app`, `summarizer.models.backends` (its __init__), ..."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("summarizer", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The package modules an import statement runs."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            base = module if is_package else module.rsplit(".", 1)[0]
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            base = f"{base}.{node.module}" if node.module else base
        else:
            base = node.module or ""
        names = [base] + [f"{base}.{a.name}" for a in node.names]
    hits = set()
    for name in names:
        while name and name not in known:
            name = name.rsplit(".", 1)[0] if "." in name else ""
        if name:
            hits.add(name)
    return hits


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in _imports(tree):
            for target in _targets(node, name, path.name == "__init__.py", known):
                edges.add(target)
                # Importing a.b from outside package a runs a's __init__ first.
                parent = target.rsplit(".", 1)[0]
                if parent != "summarizer" and parent in known and not name.startswith(parent + "."):
                    edges.add(parent)
        edges.discard(name)
        graph[name] = edges
    return graph


def layered_graph() -> dict[str, set[str]]:
    """The import graph less the package root, whose lazy re-exports the layers don't place."""
    return {name: edges - {"summarizer"} for name, edges in import_graph().items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return cycles


def test_the_checker_finds_a_cycle_through_a_lazy_or_type_only_import():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    tree = ast.parse("def f():\n    from .render import x\nif TYPE_CHECKING:\n    from .cli import y\n")
    assert [n.module for n in _imports(tree)] == ["render", "cli"]


def test_no_import_cycles():
    cycles = find_cycles(layered_graph())
    assert not cycles, f"import cycles: {cycles}"


def _layer(module: str) -> int:
    top = module.split(".")[1]
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"{module} is in no layer of tests/test_architecture.py: add it where it belongs")


def test_layers_only_import_downwards():
    bad = []
    for module, targets in layered_graph().items():
        if module == "summarizer":
            continue
        for target in targets:
            same_package = module.split(".")[1] == target.split(".")[1]
            if not same_package and _layer(target) < _layer(module):
                bad.append(f"{module} -> {target}")
    assert not bad, "imports that reach up a layer: " + ", ".join(sorted(bad))


def test_no_module_imports_the_package_root():
    """`from .. import x` runs summarizer/__init__.py, which re-exports the API from above every layer: an
    upward arrow the layer check can't place, so it is ruled out here."""
    graph = import_graph()
    assert graph["summarizer.version"] == set()
    bad = sorted(module for module, targets in graph.items() if module != "summarizer" and "summarizer" in targets)
    assert not bad, f"modules that import the package root: {bad}"


def test_result_types_and_languages_import_nothing_above_them():
    graph = layered_graph()
    assert graph["summarizer.results"] == set()
    assert graph["summarizer.languages"] <= {"summarizer.errors"}


def test_subpackage_modules_import_siblings_not_their_own_package():
    """`from . import x` inside a package whose __init__ re-exports would run that __init__ from within it."""
    graph = layered_graph()
    packages = {name for name, path in _modules().items() if path.name == "__init__.py"} - {"summarizer"}
    for package in packages:
        for module, targets in graph.items():
            if module.startswith(package + "."):
                assert package not in targets, f"{module} imports its own package {package}"


# The few modules that every layer shares stay at the top; everything else lives in its layer's folder.
SHARED_MODULES = {
    "__init__",
    "__main__",
    "api",
    "jobs",
    "pipeline",
    "options",
    "cache",
    "languages",
    "results",
    "errors",
    "version",
}


def test_the_top_level_holds_the_layer_folders_and_the_shared_modules_only():
    loose = {p.stem for p in PACKAGE.glob("*.py")} - SHARED_MODULES
    assert not loose, f"modules outside a layer's folder: {sorted(loose)}; move each into the package of its layer"
    folders = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert folders == {name for layer in LAYERS for name in layer} - SHARED_MODULES


def test_every_package_says_its_job_in_its_docstring():
    for name, path in _modules().items():
        if path.name == "__init__.py":
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
            assert doc, f"{name} has no docstring"
            summary = doc.split("\n\n")[0]
            assert len(summary) <= 240, f"{name}: its docstring should start with a line or two saying its job"


def test_the_benchmark_scripts_import_no_circle():
    """The scripts import each other by bare name (`from evaldata import ...`); shared helpers live in a module
    of their own (evaldata.py) instead of one script reaching into another that reaches back."""
    folder = PACKAGE.parent / "benchmarks"
    scripts = {path.stem: path for path in folder.glob("*.py")}
    graph = {
        name: {
            target
            for node in _imports(ast.parse(path.read_text(encoding="utf-8")))
            for target in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""])
            if target in scripts and target != name
        }
        for name, path in scripts.items()
    }
    assert graph["extractive_cv"], "the scripts do import each other: the graph is read"
    assert not find_cycles(graph), find_cycles(graph)
