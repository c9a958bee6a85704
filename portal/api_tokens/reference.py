"""The API reference page, drawn from the served OpenAPI document so it cannot drift from it:
each operation with its parameters, its body's fields and its answers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Field:
    name: str
    type: str
    required: bool
    description: str = ""


@dataclass
class Operation:
    id: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Field] = field(default_factory=list)
    body: list[Field] = field(default_factory=list)
    answers: list[tuple[str, str, str]] = field(default_factory=list)  # status, what, schema


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def type_of(spec: dict, schema: dict) -> str:
    """A schema in a few words: "string (date-time)", "Person or null", "list of Entry"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "anyOf" in schema:
        return " or ".join(type_of(spec, s) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if schema.get("type") == "array":
        return "list of " + type_of(spec, schema.get("items", {}))
    kind = schema.get("type", "any")
    if "format" in schema:
        kind += f" ({schema['format']})"
    if "maxLength" in schema:
        kind += f", at most {schema['maxLength']}"
    return kind


def _fields(spec: dict, schema: dict) -> list[Field]:
    schema = _resolve(spec, schema)
    required = set(schema.get("required", ()))
    return [
        Field(name, type_of(spec, prop), name in required, prop.get("description", ""))
        for name, prop in schema.get("properties", {}).items()
    ]


def operations(spec: dict) -> list[Operation]:
    found = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            operation = Operation(
                id=op.get("operationId", f"{method}-{path}"),
                method=method.upper(),
                path=path,
                summary=op.get("summary", ""),
                description=op.get("description", ""),
            )
            for parameter in op.get("parameters", ()):
                operation.parameters.append(
                    Field(
                        f"{parameter['name']} ({parameter['in']})",
                        type_of(spec, parameter.get("schema", {})),
                        parameter.get("required", False),
                        parameter.get("description", ""),
                    )
                )
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                operation.body = _fields(spec, body.get("schema", {}))
            for status, answer in sorted(op.get("responses", {}).items()):
                content = answer.get("content", {})
                schemas = [type_of(spec, c.get("schema", {})) for c in content.values()]
                what = answer.get("description", "")
                operation.answers.append((status, what, ", ".join(schemas)))
            found.append(operation)
    return found


def schemas(spec: dict) -> list[tuple[str, list[Field]]]:
    """The shapes answers are made of, by name."""
    return [
        (name, _fields(spec, schema))
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
        if schema.get("properties")
    ]
