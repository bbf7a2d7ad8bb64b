"""Structured outputs: strict JSON schemas from pydantic models, parsing, fallbacks, repair.

**Strict schema.** :func:`strict_json_schema` turns a pydantic model into the subset of JSON
Schema that OpenAI's ``response_format={"type": "json_schema", "json_schema": {"strict":
true, ...}}`` accepts: every object gets ``additionalProperties: false`` and lists *all* its
properties in ``required`` (an optional field stays required but nullable: pydantic's
``anyOf [T, null]``), in nested models (``$defs``) and list items alike; a ``$ref`` with
sibling keywords (a field description) is inlined, ``oneOf`` (discriminated unions) becomes
``anyOf``, a single ``allOf`` is merged, and keywords strict mode rejects (``title``,
``default``, ``minLength``, ``uniqueItems``, ...) are dropped. Constraints dropped from the
wire schema are still enforced locally: every answer is validated with the pydantic model.
Types strict mode cannot express (``dict[str, X]``, ``Any``, tuples, a non-object root)
raise :class:`StrictSchemaError` naming the path.

**Modes, the fallback ladder.** ``json_schema`` first (OpenAI, vLLM). A server that rejects
a mode (:func:`is_format_rejection`: HTTP 400, 422 or 500 whose error names
``response_format``, ``json_schema`` or the schema) is asked again one rung down:
``json_object_schema`` (``{"type": "json_object", "schema": ...}``, the llama.cpp family,
which enforces the schema with a grammar), then plain ``json_object``, then ``text``. Every
rung below ``json_schema`` also puts the schema in the system prompt
(:func:`with_schema_instructions`): plain ``json_object`` only promises *some* JSON, and small
models then echo the input object. The answer's first JSON object is extracted
(:func:`extract_json`: the whole text, else a fenced ```json block, else the first decodable
``{...}``).

**Interpretation.** :func:`interpret` classifies one chat completion: ``refusal`` (the
message's ``refusal`` is set), ``content_filter`` and ``truncated`` (``finish_reason``
``length``) before any parsing, then ``ok`` or ``invalid`` (with a readable validation
error). The client asks *once* more after an ``invalid`` answer with the error appended
(:func:`repair_messages`) and marks the result ``repaired`` when that fixes it.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

Mode = Literal["json_schema", "json_object_schema", "json_object", "text", "none"]
LADDER: tuple[Mode, ...] = ("json_schema", "json_object_schema", "json_object", "text")
# Modes that send a response_format (and can therefore be rejected for it).
FORMAT_MODES: frozenset[Mode] = frozenset({"json_schema", "json_object_schema", "json_object"})
Status = Literal["ok", "refusal", "truncated", "content_filter", "invalid", "error"]

# Keywords OpenAI's strict mode accepts; anything else is dropped from the wire schema.
_KEEP = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "enum", "const",
    "anyOf", "$ref", "$defs", "description", "pattern", "format", "multipleOf", "maximum",
    "exclusiveMaximum", "minimum", "exclusiveMinimum", "minItems", "maxItems",
})
_NAME_OK = re.compile(r"[^a-zA-Z0-9_-]")
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


class StrictSchemaError(ValueError):
    """The model uses a type that OpenAI's strict structured outputs cannot express."""


def schema_name(model: type[BaseModel]) -> str:
    """A ``json_schema.name`` for ``model``: ``[a-zA-Z0-9_-]{1,64}``."""
    return _NAME_OK.sub("_", model.__name__)[:64] or "response"


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The strict JSON schema of ``model`` (see the module docstring); a fresh copy."""
    return copy.deepcopy(_strict_schema_cached(model))


@functools.lru_cache(maxsize=256)
def _strict_schema_cached(model: type[BaseModel]) -> dict[str, Any]:
    raw = copy.deepcopy(model.model_json_schema(mode="validation"))
    defs: dict[str, Any] = raw.pop("$defs", {}) or {}
    root: dict[str, Any] = _strict(raw, "#", defs, frozenset())
    if root.get("type") != "object":
        raise StrictSchemaError(f"{model.__name__}: the root of a strict schema must be an object")
    if defs:
        used = _refs_in(root)
        out_defs: dict[str, Any] = {}
        pending = list(used)
        while pending:
            name = pending.pop()
            if name in out_defs or name not in defs:
                continue
            out_defs[name] = _strict(copy.deepcopy(defs[name]), f"#/$defs/{name}", defs,
                                     frozenset({name}))
            pending.extend(_refs_in(out_defs[name]) - out_defs.keys())
        if out_defs:
            root["$defs"] = dict(sorted(out_defs.items()))
    return root


def _refs_in(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            found.add(ref[len("#/$defs/"):])
        for value in node.values():
            found |= _refs_in(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs_in(value)
    return found


def _strict(node: Any, path: str, defs: Mapping[str, Any], inlining: frozenset[str]) -> Any:
    if not isinstance(node, dict):
        raise StrictSchemaError(f"{path}: expected a schema object, got {node!r}")
    node = dict(node)
    ref = node.get("$ref")
    if isinstance(ref, str) and len(node) > 1:
        # A $ref with siblings (typically a description): inline the target, siblings win.
        name = ref[len("#/$defs/"):] if ref.startswith("#/$defs/") else None
        if name is not None and name in defs and name not in inlining:
            merged = {**copy.deepcopy(defs[name]), **{k: v for k, v in node.items() if k != "$ref"}}
            return _strict(merged, path, defs, inlining | {name})
        node = {"$ref": ref}  # recursive reference: keep the bare $ref
    if isinstance(ref, str):
        return {"$ref": ref}
    if "oneOf" in node:  # discriminated unions
        node["anyOf"] = node.pop("oneOf")
        node.pop("discriminator", None)
    all_of = node.pop("allOf", None)
    if all_of is not None:
        if not isinstance(all_of, list) or len(all_of) != 1:
            raise StrictSchemaError(f"{path}: allOf with several schemas is not supported")
        inner = _strict(all_of[0], f"{path}/allOf/0", defs, inlining)
        node = {**inner, **{k: v for k, v in node.items() if k in ("description",)}}
    for bad in ("prefixItems", "patternProperties", "not", "if", "then", "else"):
        if bad in node:
            raise StrictSchemaError(f"{path}: '{bad}' cannot be expressed in strict mode")
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _KEEP:
            out[key] = value
    if "anyOf" in out:
        out["anyOf"] = [
            _strict(v, f"{path}/anyOf/{i}", defs, inlining) for i, v in enumerate(out["anyOf"])
        ]
    if not out.keys() - {"description"}:
        raise StrictSchemaError(f"{path}: an unconstrained value (Any) is not allowed")
    types = out.get("type")
    is_object = types == "object" or (isinstance(types, list) and "object" in types)
    if is_object or "properties" in out:
        if isinstance(node.get("additionalProperties"), dict):
            raise StrictSchemaError(
                f"{path}: free-form mappings (dict[str, ...]) cannot be strict; use a model"
            )
        props = out.get("properties")
        if not isinstance(props, dict) or not props:
            raise StrictSchemaError(f"{path}: an object needs declared properties")
        out["properties"] = {
            name: _strict(sub, f"{path}/properties/{name}", defs, inlining)
            for name, sub in props.items()
        }
        out["required"] = list(props)
        out["additionalProperties"] = False
    if "items" in out:
        if not isinstance(out["items"], dict):
            raise StrictSchemaError(f"{path}: 'items' must be a single schema")
        out["items"] = _strict(out["items"], f"{path}/items", defs, inlining)
    elif types == "array" or (isinstance(types, list) and "array" in types):
        raise StrictSchemaError(f"{path}: arrays need an item type")
    return out


def response_format(model: type[BaseModel], mode: Mode) -> dict[str, Any] | None:
    """The ``response_format`` request field for ``mode`` (``None`` for text modes)."""
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {
                "name": schema_name(model),
                "strict": True,
                "schema": strict_json_schema(model),
            },
        }
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": strict_json_schema(model)}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def schema_instructions(model: type[BaseModel], mode: Mode) -> str:
    schema = json.dumps(strict_json_schema(model), ensure_ascii=False, separators=(",", ":"))
    if mode == "text":
        return (
            "Answer with exactly one JSON object that conforms to the JSON schema below, inside a "
            "```json code block, with no other text.\nJSON schema: " + schema
        )
    return "Answer with one JSON object that conforms to this JSON schema: " + schema


def with_schema_instructions(
    messages: Sequence[Mapping[str, Any]], model: type[BaseModel], mode: Mode
) -> list[dict[str, Any]]:
    """Messages with the schema instructions appended to the (first) system message.

    Plain json_object and text cannot pass the schema in ``response_format``, and a server
    may accept json_object_schema's ``schema`` without enforcing it; json_object modes also
    require the word "JSON" in the conversation.
    """
    text = schema_instructions(model, mode)
    out = [dict(m) for m in messages]
    for message in out:
        if message.get("role") in ("system", "developer") and isinstance(
            message.get("content"), str
        ):
            message["content"] = f"{message['content']}\n\n{text}"
            return out
    return [{"role": "system", "content": text}, *out]


def repair_messages(
    messages: Sequence[Mapping[str, Any]], bad_reply: str | None, error: str
) -> list[dict[str, Any]]:
    """The conversation plus the invalid reply and one request to correct it."""
    return [
        *(dict(m) for m in messages),
        {"role": "assistant", "content": bad_reply or ""},
        {
            "role": "user",
            "content": (
                "Your previous reply could not be used: " + error + "\nReply again with only "
                "the corrected JSON object, conforming to the required schema."
            ),
        },
    ]


def extract_json(text: str) -> Any:
    """The first JSON object in ``text`` (whole text, fenced block, or first ``{...}``)."""
    stripped = text.strip()
    try:
        return json.loads(stripped)
    except ValueError:
        pass
    for block in _FENCE.findall(text):
        try:
            return json.loads(block.strip())
        except ValueError:
            continue
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            obj, _ = decoder.raw_decode(text, start)
            if isinstance(obj, dict):
                return obj
        except ValueError:
            pass
        start = text.find("{", start + 1)
    raise ValueError("no JSON object found in the reply")


def format_validation_error(exc: ValidationError, limit: int = 8) -> str:
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(root)"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    more = exc.error_count() - limit
    if more > 0:
        parts.append(f"... and {more} more errors")
    return "; ".join(parts)


def parse_reply(text: str | None, model: type[BaseModel]) -> tuple[BaseModel | None, str | None]:
    """``(parsed, None)`` or ``(None, error)`` for one reply text."""
    if text is None or not text.strip():
        return None, "the reply is empty"
    try:
        obj = extract_json(text)
    except ValueError as exc:
        return None, f"the reply is not valid JSON ({exc})"
    if not isinstance(obj, dict):
        return None, f"the reply is JSON but not an object (got {type(obj).__name__})"
    try:
        return model.model_validate(obj), None
    except ValidationError as exc:
        return None, "the JSON does not match the schema: " + format_validation_error(exc)


@dataclass(frozen=True)
class Interpretation:
    """What one chat completion amounts to (before any repair)."""

    status: Status
    parsed: BaseModel | None
    raw_text: str | None
    error: str | None


def interpret(response: Mapping[str, Any], model: type[BaseModel] | None) -> Interpretation:
    """Classify one chat completion JSON (see the module docstring)."""
    choices = response.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        return Interpretation("invalid", None, None, "the response has no choices")
    choice = choices[0]
    message = choice.get("message") if isinstance(choice.get("message"), Mapping) else {}
    assert isinstance(message, Mapping)
    text = message.get("content") if isinstance(message.get("content"), str) else None
    refusal = message.get("refusal")
    finish = choice.get("finish_reason")
    if refusal:
        return Interpretation("refusal", None, text, f"the model refused: {refusal}")
    if finish == "content_filter":
        return Interpretation("content_filter", None, text,
                              "the reply was stopped by the content filter")
    if finish == "length":
        return Interpretation("truncated", None, text,
                              "the reply was cut at max_tokens (finish_reason=length)")
    if model is None:
        if text is None:
            return Interpretation("invalid", None, None, "the reply is empty")
        return Interpretation("ok", None, text, None)
    parsed, error = parse_reply(text, model)
    if parsed is None:
        return Interpretation("invalid", None, text, error)
    return Interpretation("ok", parsed, text, None)


_FORMAT_WORDS = ("response_format", "response format", "json_schema", "json schema",
                 "json_object", "structured output", "schema")


def is_format_rejection(status_code: int, error_text: str) -> bool:
    """Whether an HTTP error says the server does not support the response_format sent.

    Judged by what the error says, not by its status alone: 400 and 422 (OpenAI, vLLM) and
    500 (llama-cpp-python's server answers an unknown ``response_format.type`` with a pydantic
    error as HTTP 500) count when the body names the response format or the schema. Any other
    500 stays a transient error that is retried.
    """
    if status_code not in (400, 422, 500):
        return False
    low = error_text.lower()
    return any(word in low for word in _FORMAT_WORDS)
