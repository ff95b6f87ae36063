"""Extraction schemas: a JSON Schema file (draft 2020-12) or a pydantic model named as module:Class."""

from __future__ import annotations

import copy
import importlib
import json
import sys
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from docvl.errors import UsageError


def load_schema(spec: str) -> dict[str, Any]:
    path = Path(spec).expanduser()
    if path.exists():
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UsageError(
                f"--schema {spec}: not readable JSON ({exc})", fix="check the file is a JSON Schema"
            ) from exc
    elif ":" in spec and not spec.endswith((".json", ".JSON")):
        schema = _pydantic_schema(spec)
    else:
        raise UsageError(
            f"--schema {spec}: no such file", fix="pass a JSON Schema file or a pydantic model as module:Class"
        )
    return checked(schema, f"--schema {spec}")


def as_schema(schema: Any) -> dict[str, Any]:
    """What the Python API takes as a schema: a JSON Schema dict, a JSON Schema file's path, or a pydantic
    model class. Checked as the CLI checks --schema; raises UsageError."""
    to_schema = getattr(schema, "model_json_schema", None)
    if isinstance(schema, type) and callable(to_schema):
        return checked(to_schema(), f"schema {schema.__name__}")
    if isinstance(schema, str | Path):
        return load_schema(str(schema))
    return checked(copy.deepcopy(schema), "schema")


def checked(schema: Any, spec: str) -> dict[str, Any]:
    """``schema`` if it is a JSON Schema docvl can extract with; ``spec`` names it in the error."""
    if not isinstance(schema, dict):
        raise UsageError(f"{spec}: a schema must be a JSON object", fix="see schemas/invoice.json")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise UsageError(f"{spec}: not a valid JSON Schema ({exc.message})", fix="fix the schema") from exc
    if schema.get("type", "object") != "object" or not schema.get("properties"):
        raise UsageError(f"{spec}: the top level must be an object with properties", fix="see schemas/invoice.json")
    clash = [name for name in schema["properties"] if name in RESERVED]
    if clash:
        raise UsageError(
            f"{spec}: field name(s) {', '.join(clash)} are docvl's own output columns",
            fix="rename them in the schema",
        )
    return schema


def _pydantic_schema(spec: str) -> dict[str, Any]:
    module_name, _, attr = spec.partition(":")
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # let `mymodels:Invoice` find ./mymodels.py
    try:
        module = importlib.import_module(module_name)
        model = getattr(module, attr)
    except Exception as exc:  # ImportError, AttributeError, or any error raised by the module's own code
        raise UsageError(
            f"--schema {spec}: cannot import it ({type(exc).__name__}: {exc})",
            fix="check the module path and class name",
        ) from exc
    schema_fn = getattr(model, "model_json_schema", None)
    if not callable(schema_fn):
        raise UsageError(f"--schema {spec}: not a pydantic model", fix="pass a pydantic BaseModel subclass")
    return schema_fn()


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema with null allowed for every property: a model must be able to say "not in the
    document" instead of guessing. Required fields left null are then reported, not re-asked."""
    out = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        props = node.get("properties")
        if isinstance(props, dict):
            for key, sub in list(props.items()):
                walk(sub)
                props[key] = sub if _allows_null(sub) else {"anyOf": [sub, {"type": "null"}]}
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                walk(node[key])
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for sub in node.get(key) or []:
                walk(sub)
        for key in ("$defs", "definitions"):
            for sub in (node.get(key) or {}).values():
                walk(sub)

    walk(out)
    return out


def _allows_null(node: Any) -> bool:
    if not isinstance(node, dict):
        return True
    t = node.get("type")
    if t == "null" or (isinstance(t, list) and "null" in t):
        return True
    return any(_allows_null(s) for s in node.get("anyOf", []) if isinstance(s, dict) and s.get("type") == "null")


RESERVED = ("_file", "_status", "_pages", "_confidence", "_errors", "_raw_reply")


def with_page_sidecar(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema a server constrains replies to: the fields plus the "_pages" sidecar the prompt asks
    for. Servers that enforce schemas strictly (vLLM's xgrammar) allow no property they are not shown."""
    out = copy.deepcopy(schema)
    out.setdefault("properties", {})["_pages"] = {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "integer"}},
    }
    return out
