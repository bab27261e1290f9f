"""The layout is the architecture: app/ is split by stage in the order data flows, and imports only point down.

Parsed from the source (every import, including those inside functions; ``from app import X`` resolved to the
module that defines X), so a new upward import or a cycle fails here, before it confuses a reader.

    rank 0  app.config, app.offline, app.records     settings and the records that cross stages
    rank 1  app.text                                 pure language code
    rank 2  app.store                                Chroma, keyword index, embeddings
    rank 3  app.ingest | app.query                   two stages side by side: neither imports the other
    rank 4  app.answer
    rank 5  app.chronicle | app.export               the facade; story timelines as files (records only)
    rank 6  app.eval                                 what users run: the facade and the public API only
    rank 7  app.ui                                   the same, and the evaluation (the Test set tab runs it)
    rank 8  app.cli                                  every command (it starts the web UI)
    rank 10 benchmarks                               measurements, run like any user: the facade and public API

Consumers (app.cli, app.ui, app.eval, benchmarks) may also import each other: a benchmark of the Timeline tab times
app.ui.views, the page's own handlers, which are themselves a consumer of the facade (not an internal layer).
"""

from __future__ import annotations

import ast
from pathlib import Path

from app.config import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
BENCHMARKS = PROJECT_ROOT / "benchmarks"
RANK = {
    "app.config": 0, "app.offline": 0, "app.records": 0,
    "app.text": 1,
    "app.store": 2,
    "app.ingest": 3, "app.query": 3,
    "app.answer": 4,
    "app.chronicle": 5, "app.export": 5,
    "app.eval": 6, "app.ui": 7, "app.cli": 8, "app.__main__": 9,
    "benchmarks": 10,
}
CONSUMERS = ("app.cli", "app.ui", "app.eval", "benchmarks")
# What consumers may import besides the facade (app, app.chronicle) and the public records: their own package, the
# offline switch, and settings.
CONSUMER_ALLOWED = ("app.offline", "app.config", "app.records")
# The one consumer that may look inside: benchmarks/llm_evidence.py counts the tokens of prompts the answerer would
# build for evidence budgets it does not offer (the search route's wide evidence, a factoid's candidates, issue 26),
# so it needs the prompt builders and the chat template themselves; a facade method for "the prompt of this
# question under that budget" would exist only for this benchmark. Its imports of internals are listed here.
CONSUMER_EXCEPTIONS = {
    # Grows a 20,000-article archive from replicas with an encoder that reuses their originals' vectors: the
    # pipeline's ``encode`` hook, which the facade's ingest does not offer users.
    "benchmarks.scale": {"app.ingest.pipeline"},
    "benchmarks.llm_evidence": {"app.answer.prompts", "app.answer.pick", "app.answer.llm.client",
                                "app.answer.llm.model_files"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage(module: str) -> str:
    """The stage a module belongs to: the longest RANK key that prefixes it."""
    return max((k for k in RANK if module == k or module.startswith(k + ".")), key=len)


def public_exports() -> dict[str, str]:
    tree = ast.parse((APP / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign) and getattr(node, "value", None) is not None:
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in targets):
                return ast.literal_eval(node.value)
    raise AssertionError("app/__init__.py has no _EXPORTS table")


def imports_of(path: Path, exports: dict[str, str], facade: set[str] | None = None) -> set[str]:
    """app modules this file imports at run time (TYPE_CHECKING-only imports excluded); those reached through the
    facade (``from app import X``) are also added to ``facade`` when given."""
    tree = ast.parse(path.read_text())
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only |= {id(n) for child in node.body for n in ast.walk(child)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("app")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("app"):
            if node.module == "app":
                via = {exports.get(a.name, "app") for a in node.names}
                found |= via
                if facade is not None:
                    facade |= via
            else:
                known = {module_name(p) for p in APP.rglob("*.py")}
                for a in node.names:  # "from app.answer import prompts" imports the module app.answer.prompts
                    sub = f"{node.module}.{a.name}"
                    found.add(sub if sub in known else node.module)
    return found


def graph() -> dict[str, set[str]]:
    exports = public_exports()
    return {module_name(p): imports_of(p, exports) for p in sorted(APP.rglob("*.py"))}


def test_every_module_belongs_to_a_stage() -> None:
    for module in graph():
        if module != "app":
            assert stage(module), module


def test_imports_only_point_down() -> None:
    wrong = []
    for module, deps in graph().items():
        if module == "app":
            continue
        mine = stage(module)
        for dep in deps:
            if dep == "app" or stage(dep) == mine:
                continue
            if RANK[stage(dep)] >= RANK[mine]:
                wrong.append(f"{module} -> {dep}")
    assert wrong == [], "imports that point up or sideways:\n" + "\n".join(sorted(wrong))


def test_what_users_run_uses_the_facade_not_internals() -> None:
    exports = public_exports()
    wrong = []
    for path in sorted([*APP.rglob("*.py"), *BENCHMARKS.rglob("*.py")]):
        module = module_name(path)
        if not module.startswith(CONSUMERS):
            continue
        facade: set[str] = set()
        for dep in imports_of(path, exports, facade):
            allowed = dep in facade or dep in ("app", "app.chronicle", *CONSUMER_ALLOWED)
            if allowed or stage(dep) == stage(module) or stage(dep) in CONSUMERS:
                continue
            if dep in CONSUMER_EXCEPTIONS.get(module, ()):
                continue
            wrong.append(f"{module} -> {dep}")
    assert wrong == [], "consumers reaching past the facade:\n" + "\n".join(sorted(wrong))


def test_no_import_cycle() -> None:
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in g.get(v, ()):
            if w not in g or w == "app":
                continue
            if w not in index:
                visit(w)
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
            if len(component) > 1 or v in g.get(v, ()):
                cycles.append(sorted(component))

    for v in g:
        if v not in index:
            visit(v)
    assert cycles == [], f"import cycles: {cycles}"


def test_the_check_catches_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    """The rules above are not vacuous: a planted upward import is seen."""
    exports = public_exports()
    planted = tmp_path / "x.py"
    planted.write_text("def f():\n    from app.answer.answerer import Answer\n    from app import Chronicle\n")
    found = imports_of(planted, exports)
    assert found == {"app.answer.answerer", "app.chronicle"}
    assert RANK[stage("app.answer.answerer")] > RANK[stage("app.store.chroma")]


def test_benchmarks_are_checked_as_consumers() -> None:
    """The consumer rule covers benchmarks/ (not vacuously: it finds their imports), and its exception is only
    the one module listed, importing only what is listed."""
    exports = public_exports()
    seen = {module_name(p): imports_of(p, exports) for p in BENCHMARKS.rglob("*.py")}
    assert "app.chronicle" in seen["benchmarks.llm_bench"] and "app.ui.views" in seen["benchmarks.timeline_tab"]
    for module, deps in CONSUMER_EXCEPTIONS.items():
        assert module in seen, f"{module} is gone: drop its exception"
        assert deps <= seen[module], f"{module} no longer imports {deps - seen[module]}: shrink its exception"
