"""Pydantic plumbing: strict models and ValidationError -> diagnostics."""

from __future__ import annotations

import difflib
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from .. import codes
from ..diagnostics import Diagnostics
from ..load.yamlpos import YamlDoc, load_yaml


class Strict(BaseModel):
    """Base for authored metadata: unknown keys are errors, values are not coerced loosely."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], doc: YamlDoc, diags: Diagnostics, what: str) -> M | None:
    """Validate ``doc.data`` against ``model``; report every problem with its position."""
    data = doc.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        line, col = doc.pos(())
        diags.add(codes.INVALID_VALUE, f"{what} must be a mapping of 'key: value' lines, "
                  f"not {_describe(data)}", doc.file, line, col)
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        report_validation_error(exc, model, doc, diags, what)
        return None


def load_validated(text: str, file: str, diags: Diagnostics, model: type[M], what: str,
                   line_offset: int = 0) -> tuple[YamlDoc, M] | None:
    """YAML text parsed with positions and validated against ``model``; None when either step failed."""
    doc = load_yaml(text, file, diags, line_offset=line_offset, what=what)
    if doc is None:
        return None
    meta = validate(model, doc, diags, what)
    return None if meta is None else (doc, meta)


def report_validation_error(exc: ValidationError, model: type[BaseModel], doc: YamlDoc,
                            diags: Diagnostics, what: str, base: tuple = ()) -> None:
    for err in exc.errors(include_url=False):
        loc = base + tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "union["))))
        loc = _clean_loc(loc)
        etype = err["type"]
        field = ".".join(str(p) for p in loc) or what
        if etype == "extra_forbidden":
            key = str(loc[-1]) if loc else "?"
            allowed = _allowed_keys(model, loc[len(base):-1])
            suggestion = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            msg = f"unknown key '{key}' in {what}"
            if suggestion:
                msg += f"; did you mean '{suggestion[0]}'?"
            hint = f"Allowed keys here: {', '.join(sorted(allowed))}." if allowed else None
            line, col = doc.key_pos(loc)
            diags.add(codes.UNKNOWN_KEY, msg, doc.file, line, col, hint=hint)
        elif etype == "missing":
            line, col = doc.pos(loc[:-1])
            diags.add(codes.MISSING_KEY, f"{what} needs '{loc[-1]}'", doc.file, line, col)
        else:
            line, col = doc.pos(loc)
            value = _lookup(doc.data, loc)
            msg = _friendly(err, value)
            diags.add(codes.INVALID_VALUE, f"'{field}': {msg}", doc.file, line, col)


def _clean_loc(loc: tuple) -> tuple:
    # pydantic adds the union member name (e.g. 'str', 'SourceCite') into locations
    out = []
    for p in loc:
        if isinstance(p, str) and (p[:1].isupper() or p in ("str", "int", "float", "list[str]", "bool")):
            continue
        out.append(p)
    return tuple(out)


def _friendly(err: dict, value: Any) -> str:
    etype = err["type"]
    ctx = err.get("ctx") or {}
    if etype in ("string_type",):
        return f"expected text, got {_describe(value)}"
    if etype in ("float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"):
        return f"expected a number, got {_describe(value)}"
    if etype in ("list_type",):
        return f"expected a list (lines starting with '- '), got {_describe(value)}"
    if etype in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of 'key: value' lines, got {_describe(value)}"
    if etype == "bool_type" or etype == "bool_parsing":
        return f"expected true or false, got {_describe(value)}"
    if etype == "literal_error":
        return f"must be one of {ctx.get('expected', '')}, got {_describe(value)}"
    if etype in ("string_too_short",):
        return "must not be empty" if ctx.get("min_length", 1) <= 1 else err["msg"].lower()
    if etype == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if etype == "value_error":
        return str(ctx.get("error", err["msg"]))
    return err["msg"][0].lower() + err["msg"][1:]


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (true/false)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    s = str(value)
    return f"'{s[:40]}{'…' if len(s) > 40 else ''}'"


def _lookup(data: Any, loc: tuple) -> Any:
    cur = data
    for p in loc:
        try:
            cur = cur[p]
        except (KeyError, IndexError, TypeError):
            return None
    return cur


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the (nested) model at ``loc``."""
    cur: Any = model
    for p in loc:
        if isinstance(p, int):
            continue
        fld = getattr(cur, "model_fields", {}).get(p)
        if fld is None:
            return []
        cur = _model_of(fld.annotation)
        if cur is None:
            return []
    names = []
    for name, f in getattr(cur, "model_fields", {}).items():
        names.append(f.alias or name)
    return names


def _model_of(annotation: Any) -> Any:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation) or ():
        m = _model_of(arg)
        if m is not None:
            return m
    return None
