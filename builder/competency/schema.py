"""Input schemas of frameworks/<id>.yaml and rubrics/<id>.yaml (see README, "Competencies")."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..model.base import Strict

TAXONOMY_TERMS = ("behaviour", "competency", "concept", "domain", "indicator", "level", "outcome", "practice",
                  "proficiency", "skill", "value")


def _number(v):
    if v is None:
        return v
    if isinstance(v, bool):
        raise ValueError("number must be text such as '1.2'")
    return str(v)


class _Item(Strict):
    """What every framework item has: an id, an optional number (always text) and a name."""

    id: str = Field(min_length=1)
    number: str | None = None
    name: str = Field(min_length=1)

    _v = field_validator("number", mode="before")(classmethod(lambda cls, v: _number(v)))


class IndicatorIn(_Item):
    tier: int | None = Field(default=None, ge=1, le=9)


class CompetencyIn(_Item):
    description: str = ""
    provisional: bool = False
    indicators: list[IndicatorIn] = Field(default_factory=list)


class DomainIn(_Item):
    description: str = ""
    assessed: bool = True
    reason: str | None = None
    competencies: list[CompetencyIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reason(self):
        if not self.assessed and not self.reason:
            raise ValueError("a domain with 'assessed: false' needs a 'reason:' saying why it is out of scope")
        return self


class ProvenanceIn(Strict):
    source: str = Field(min_length=1)
    url: str | None = None
    based_on: str | None = None
    licence: str | None = None
    notes: list[str] = Field(default_factory=list)


class ScaleIn(Strict):
    values: list[str] = Field(min_length=2)
    default: str
    proficient: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self):
        for v in self.values:
            if "," in v:
                raise ValueError(f"scale value '{v}' contains a comma; Moodle joins scale values with commas")
        if self.default not in self.values:
            raise ValueError(f"default '{self.default}' is not one of the scale values")
        for p in self.proficient:
            if p not in self.values:
                raise ValueError(f"proficient value '{p}' is not one of the scale values")
        return self


class FrameworkIn(Strict):
    id: str = Field(min_length=1)
    idnumber: str = Field(min_length=1)
    shortname: str = Field(min_length=1)
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    year: int | None = Field(default=None, ge=1900, le=2100)
    provenance: ProvenanceIn
    scale: ScaleIn
    taxonomies: list[Literal[TAXONOMY_TERMS]] = Field(min_length=1, max_length=4)  # type: ignore[valid-type]
    domains: list[DomainIn] = Field(min_length=1)


class LevelIn(Strict):
    score: float = Field(ge=0, le=1000)
    definition: str = Field(min_length=1)


class CriterionIn(Strict):
    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = Field(min_length=1)
    competencies: list[str | int | float] = Field(default_factory=list)
    levels: list[LevelIn] = Field(min_length=2)


class RubricIn(Strict):
    name: str = Field(min_length=1, max_length=255)
    description: str = ""
    criteria: list[CriterionIn] = Field(min_length=1)
