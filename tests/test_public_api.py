"""No Any leaks from the public API (issue 29): every name ``app.__all__`` exports is typed, in its signature and
its fields, except the JSON payloads listed below with the reason each is untyped. mypy checks the bodies
(pyproject.toml); this checks the surface a caller sees, which mypy's per-module flags cannot single out.

Annotations are resolved like ``typing.get_type_hints`` does, with every app module's names in scope (many are
imported only under TYPE_CHECKING).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import sys
import typing

import app
from app.config import PROJECT_ROOT

# (exported name, member): why its type holds Any.
JSON_PAYLOADS = {
    ("SavedCase", "case"): "the test-set line written: a JSON object (evalsets/README.md)",
    ("TestCase", "cited"): "the judged answer's citations as read from the JSON line",
    ("TestCase", "to_json"): "a JSON object",
    ("Answer", "to_json"): "a JSON object (ask --json)",
    ("Passage", "vector"): "a numpy vector when asked for, else None (numpy's array type is not a record field)",
    ("CaseFile", "read"): "the file's records: JSON objects",
    ("CaseFile", "upsert"): "a JSON object in, the JSON object written out",
}


def _namespace() -> dict[str, object]:
    """Every name of every app module (and typing's), for resolving string annotations."""
    for path in (PROJECT_ROOT / "app").rglob("*.py"):
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] in ("__init__", "__main__") else parts)
        if "ui" in parts or "__main__" in parts:
            continue
        importlib.import_module(name)
    ns: dict[str, object] = dict(vars(typing))
    for name, module in list(sys.modules.items()):
        if name == "app" or name.startswith("app."):
            ns.update({k: v for k, v in vars(module).items() if not k.startswith("__")})
    return ns


def _mentions_any(tp: object) -> bool:
    return tp is typing.Any or any(_mentions_any(arg) for arg in typing.get_args(tp))


def _hints(obj: object, ns: dict[str, object]) -> dict[str, object]:
    target = obj.fget if isinstance(obj, property) else obj
    return typing.get_type_hints(target, globalns={**ns, **vars(sys.modules[target.__module__])}, localns=ns)


def _surface(name: str, obj: object) -> list[tuple[str, object]]:
    """(member, annotated object) pairs of an exported name: a function; a class's fields, public methods and
    properties."""
    if inspect.isfunction(obj):
        return [("", obj)]
    if not inspect.isclass(obj):
        return []
    out: list[tuple[str, object]] = [(f.name, f) for f in dataclasses.fields(obj)] if dataclasses.is_dataclass(obj) else []
    for member, value in vars(obj).items():
        if member.startswith("_") and (member != "__init__" or dataclasses.is_dataclass(obj)):
            continue  # a dataclass's __init__ is its fields
        if inspect.isfunction(value) or isinstance(value, property):
            out.append((member, value))
    return out


def test_the_public_api_has_no_any() -> None:
    ns = _namespace()
    found, checked = [], 0
    for name in app.__all__:
        obj = getattr(app, name)
        for member, item in _surface(name, obj):
            if isinstance(item, dataclasses.Field):
                hint = typing.get_type_hints(obj, globalns={**ns, **vars(sys.modules[obj.__module__])}, localns=ns)
                types = [hint[item.name]]
            else:
                types = list(_hints(item, ns).values())
            checked += 1
            if any(_mentions_any(t) for t in types) and (name, member) not in JSON_PAYLOADS:
                found.append(f"{name}.{member}" if member else name)
    assert checked > 100, checked  # the check saw the API, not nothing
    assert found == [], f"Any in the public API (type it, or list it in JSON_PAYLOADS with a reason): {found}"


def test_every_listed_payload_still_holds_any() -> None:
    """A payload that got a real type leaves the list."""
    ns = _namespace()
    for name, member in JSON_PAYLOADS:
        obj = getattr(app, name)
        item = dict(_surface(name, obj))[member]
        if isinstance(item, dataclasses.Field):
            types = [typing.get_type_hints(obj, globalns={**ns, **vars(sys.modules[obj.__module__])}, localns=ns)[member]]
        else:
            types = list(_hints(item, ns).values())
        assert any(_mentions_any(t) for t in types), (name, member)
