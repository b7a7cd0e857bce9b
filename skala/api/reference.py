"""The API's reference as plain data, read from its OpenAPI schema, for Skala's own accessible page.

Swagger UI, which django-ninja serves at /api/v1/docs, is a third-party page with accessibility
faults Skala's CSS cannot mend; the reference page shows the same schema in Skala's templates.
"""

from dataclasses import dataclass, field

METHOD_ORDER = ["get", "post", "put", "patch", "delete"]


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str
    required: bool
    type: str
    description: str = ""


@dataclass(frozen=True)
class Response:
    status: str
    description: str
    schema: str = ""


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    body: str
    responses: list[Response]
    signed_in: bool

    @property
    def anchor(self) -> str:
        """A stable fragment identifier for the operation."""
        cleaned = "".join(character if character.isalnum() else "-" for character in self.path)
        return f"{self.method}{cleaned}".strip("-").lower()


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    required: bool
    description: str = ""


@dataclass
class Schema:
    name: str
    description: str
    properties: list[Property] = field(default_factory=list)


def type_of(schema: dict) -> str:
    """A schema's type as a reader would say it: MeOut, list of NeedOut, string (date), string or null."""
    if schema is True or (isinstance(schema, dict) and not schema):
        return "any"
    if not isinstance(schema, dict):
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            return " or ".join(dict.fromkeys(type_of(part) for part in schema[combined] if part))
    kind = schema.get("type", "")
    if kind == "array":
        return f"list of {type_of(schema.get('items', {}))}".strip()
    if kind == "object" and "additionalProperties" in schema:
        return f"object of {type_of(schema['additionalProperties']) or 'any'}"
    if "enum" in schema:
        return f"{kind or 'value'}: " + ", ".join(str(value) for value in schema["enum"])
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind or "any"


def body_of(operation: dict) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    return ", ".join(f"{type_of(spec.get('schema', {}))} ({media})" for media, spec in content.items())


def responses_of(operation: dict) -> list[Response]:
    found = []
    for status, response in sorted(operation.get("responses", {}).items()):
        content = response.get("content", {})
        schema = next((type_of(spec.get("schema", {})) for spec in content.values()), "")
        found.append(Response(str(status), response.get("description", ""), schema))
    return found


def operations(schema: dict) -> list[tuple[str, list[Operation]]]:
    """Every operation of the schema, grouped by its first tag in the order the tags first appear."""
    groups: dict[str, list[Operation]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in sorted(item, key=lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else 9):
            operation = item[method]
            if not isinstance(operation, dict) or method not in METHOD_ORDER:
                continue
            parameters = [
                Parameter(
                    name=parameter["name"],
                    where=parameter.get("in", ""),
                    required=bool(parameter.get("required")),
                    type=type_of(parameter.get("schema", {})),
                    description=parameter.get("description", "")
                    or parameter.get("schema", {}).get("description", ""),
                )
                for parameter in operation.get("parameters", [])
            ]
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    parameters=parameters,
                    body=body_of(operation),
                    responses=responses_of(operation),
                    signed_in=bool(operation.get("security")),
                )
            )
    return list(groups.items())


def schemas(schema: dict) -> list[Schema]:
    """The component schemas the operations name, each with its properties."""
    found = []
    for name, component in sorted(schema.get("components", {}).get("schemas", {}).items()):
        required = set(component.get("required", []))
        found.append(
            Schema(
                name=name,
                description=component.get("description", ""),
                properties=[
                    Property(
                        name=key,
                        type=type_of(value),
                        required=key in required,
                        description=value.get("description", ""),
                    )
                    for key, value in component.get("properties", {}).items()
                ],
            )
        )
    return found
