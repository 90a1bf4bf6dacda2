"""Schemas of the authored metadata (course.yaml, unit and page front matter, sources.yaml).

These are the *input* models: what a writer may type. Unknown keys are
errors. The compiled model the packagers use lives in :mod:`builder.model.course`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, Field, field_validator

from .base import Strict

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LINES_RE = re.compile(r"^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$")


def _valid_id(v: str) -> str:
    if not ID_RE.match(v):
        raise ValueError(f"'{v}' is not a valid id (lowercase letters, digits and hyphens)")
    return v


Id = Annotated[str, AfterValidator(_valid_id)]


def parse_lines(spec: str | int | None) -> list[tuple[int, int]]:
    """'700-706, 710' -> [(700, 706), (710, 710)]"""
    if spec is None:
        return []
    out = []
    for part in str(spec).split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = (int(x) for x in part.split("-", 1))
        else:
            a = b = int(part)
        out.append((a, b))
    return out


def _check_lines(v):
    if v is None:
        return v
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise ValueError("lines must look like '700-706' or '12, 40-44'")
    if not LINES_RE.match(str(v)):
        raise ValueError(f"lines must look like '700-706' or '12, 40-44', got '{v}'")
    for a, b in parse_lines(v):
        if a < 1 or b < a:
            raise ValueError(f"line range '{a}-{b}' is empty or starts before line 1")
    return str(v)


class SourceCite(Strict):
    """A citation in a unit's ``sources:`` list."""

    ref: str = Field(min_length=1)
    lines: Union[str, int, None] = None
    note: str | None = None

    _v_lines = field_validator("lines")(classmethod(lambda cls, v: _check_lines(v)))


class CourseMeta(Strict):
    """courses/<id>/course.yaml"""

    title: str = Field(min_length=1, max_length=254)
    shortname: str = Field(min_length=1, max_length=100)
    summary: str = Field(min_length=1)
    hours: float = Field(gt=0, le=1000)
    audience: str = Field(min_length=1)
    framework: str | None = None
    language: str = Field(default="en", pattern=r"^[a-z]{2}(_[a-z]{2})?$")
    idnumber: str | None = Field(default=None, max_length=100)
    units: list[Id] = Field(default_factory=list)


class UnitMeta(Strict):
    """Front matter of units/<id>/unit.md or units/<id>.md"""

    title: str = Field(min_length=1, max_length=255)
    hours: float = Field(gt=0, le=1000)
    summary: str = Field(min_length=1)
    outcomes: list[str] = Field(min_length=1)
    sources: list[Union[str, SourceCite]] = Field(min_length=1)
    pages: list[str] | None = None

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, v):
        for o in v:
            if not isinstance(o, str) or not o.strip():
                raise ValueError("each outcome must be a non-empty sentence")
        return v


class PageMeta(Strict):
    """Front matter of a page file (optional)."""

    title: str | None = Field(default=None, min_length=1, max_length=255)
    type: Literal["page", "label"] = "page"
    description: str | None = None
    completion: Literal["view", "manual", "none"] | None = None


class BibEntry(Strict):
    """One document of sources.yaml."""

    title: str = Field(min_length=1)
    author: str | None = None
    publisher: str | None = None
    year: int | None = Field(default=None, ge=1900, le=2100)
    url: str | None = None
    seed: str | None = None
    lines: Union[str, int, None] = None
    note: str | None = None

    _v_lines = field_validator("lines")(classmethod(lambda cls, v: _check_lines(v)))

    @field_validator("url")
    @classmethod
    def _url(cls, v):
        if v is not None and not re.match(r"^https://", v):
            raise ValueError("url must start with https://")
        return v
