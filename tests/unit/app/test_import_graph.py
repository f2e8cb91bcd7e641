"""No import circle inside app/: every ``import``, module-level or late (inside a function),
is an edge. A service that must trigger work in a feature above it sends a signal or goes
through a runtime the app installs (``jobs_service.runtime()``), never imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _modules(package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def import_graph(package: str) -> dict[str, set[str]]:
    """module → the modules of ``package`` it imports anywhere in its body."""
    modules = _modules(package)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = here.split(".")[: len(here.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                # ``from app import a, b`` imports the modules a and b; ``from app.x import f``
                # imports app.x
                named = [f"{base}.{alias.name}" for alias in node.names]
                targets = [t for t in named if t in modules] or [base]
            else:
                continue
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_cycles_are_found_when_there_are_some() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_late_imports() -> None:
    graph = import_graph("app")
    # app.web.forms imports nothing of the catalog forms, which import it.
    assert "app.http.forms" in graph["app.catalog.forms"]
    assert "app.catalog.service" in graph["app.channels.sync"]


def test_app_has_no_import_circle() -> None:
    found = cycles(import_graph("app"))
    assert not found, "import circles in app/: " + "; ".join(" → ".join(c) for c in found)


SHARED = ("app.core", "app.http", "app.models")
ROOT_MODULES = {"__init__.py", "factory.py", "config.py", "extensions.py"}


def _features() -> set[str]:
    """The feature packages: the folders of app/ with a ``feature.py``."""
    return {path.parent.name for path in (ROOT / "app").glob("*/feature.py")}


def test_each_feature_is_a_folder_the_factory_adds() -> None:
    features = _features()
    assert {"catalog", "orders", "live", "studio", "channels", "jobs"} <= features
    factory = (ROOT / "app" / "factory.py").read_text(encoding="utf-8")
    missing = sorted(f for f in features if f"from app.{f} import feature" not in factory)
    assert not missing, f"features the factory does not add: {missing}"


def test_the_app_root_holds_only_the_factory_config_and_extensions() -> None:
    loose = sorted(p.name for p in (ROOT / "app").glob("*.py") if p.name not in ROOT_MODULES)
    assert not loose, f"loose modules at the app/ root: {loose}"


def test_shared_layers_import_no_feature() -> None:
    """core/, http/ and models/ sit under every feature: they import none."""
    features = _features()
    graph = import_graph("app")
    wrong = sorted(
        f"{module} → {target}"
        for module, targets in graph.items()
        if module.startswith(SHARED)
        for target in targets
        if target.split(".")[1] in features
    )
    assert not wrong, "shared layers importing a feature: " + "; ".join(wrong)


def test_api_modules_never_import_pages() -> None:
    graph = import_graph("app")
    wrong = sorted(
        f"{module} → {target}"
        for module, targets in graph.items()
        if module.endswith(("api", "schemas"))
        for target in targets
        if target.rpartition(".")[2] in {"pages", "forms"} or "_pages" in target
    )
    assert not wrong, "the API imports page modules: " + "; ".join(wrong)


# Where the app's configuration may be read: the edges (pages, API, commands, a feature's
# set-up and its job entry points), the web plumbing and the job runtime, and one named door
# per feature that needs more (channels: keys, the SSRF switch, the media folder; live: which
# comment sources are on).
CONFIG_EDGES = ("pages", "api", "cli", "feature", "jobs")
CONFIG_DOORS = {
    "app.channels.adapters",
    "app.core.i18n",
    "app.core.links",
    "app.jobs.registry",
    "app.jobs.service",
    "app.jobs.system_check",
    "app.jobs.tasks",
    "app.live.sources",
}


def test_services_take_their_settings_instead_of_reading_current_app() -> None:
    readers = sorted(
        name
        for name, path in _modules("app").items()
        if "current_app" in path.read_text(encoding="utf-8")
        and not name.rpartition(".")[2].endswith(CONFIG_EDGES)
        and not name.startswith(("app.http", "app.factory", "app.extensions"))
        and name not in CONFIG_DOORS
    )
    assert not readers, f"services reading flask.current_app: {readers}"
