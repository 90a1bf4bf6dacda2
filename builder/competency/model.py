"""The compiled model of frameworks, rubrics and competency links."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Level = Literal["domain", "competency", "indicator"]

RULE_OUTCOMES = {"none": 0, "evidence": 1, "recommend": 2, "complete": 3}


@dataclass(eq=False)
class Node:
    """A domain, a competency or an indicator of a framework."""

    id: str
    name: str
    level: Level
    framework: "Framework"
    number: str | None = None
    description: str = ""
    parent: "Node | None" = None
    children: list["Node"] = field(default_factory=list)
    assessed: bool = True          # domains only: false = out of scope by design
    reason: str = ""
    provisional: bool = False
    tier: int | None = None
    line: int = 1

    @property
    def competency(self) -> "Node | None":
        """The competency this node counts for in coverage (itself, or an indicator's parent)."""
        if self.level == "competency":
            return self
        if self.level == "indicator":
            return self.parent
        return None

    @property
    def domain(self) -> "Node":
        n = self
        while n.parent is not None:
            n = n.parent
        return n

    @property
    def in_scope(self) -> bool:
        return self.domain.assessed

    @property
    def label(self) -> str:
        return f"{self.number} {self.name}" if self.number else self.name


@dataclass(eq=False)
class Framework:
    key: str                        # file stem, the id course.yaml names
    idnumber: str                   # Moodle framework ID number
    shortname: str
    name: str
    description: str
    publisher: str
    year: int | None
    provenance: dict
    scale_values: list[str]
    scale_default: str
    scale_proficient: list[str]
    taxonomies: list[str]
    file: Path
    domains: list[Node] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)     # node id -> position in the file

    def competencies(self) -> list[Node]:
        return [c for d in self.domains for c in d.children]

    def in_scope(self) -> list[Node]:
        return [c for d in self.domains if d.assessed for c in d.children]

    def walk(self):
        for d in self.domains:
            yield d
            for c in d.children:
                yield c
                yield from c.children


@dataclass(eq=False)
class Link:
    """A competency reference as written (``ref``) and what it resolved to."""

    ref: str
    file: Path
    line: int
    col: int
    node: Node | None = None


@dataclass(eq=False)
class RubricLevel:
    score: float
    definition: str


@dataclass(eq=False)
class Criterion:
    id: str
    description: str
    levels: list[RubricLevel]
    links: list[Link]
    line: int

    @property
    def top(self) -> float:
        return max((lv.score for lv in self.levels), default=0.0)

    def competencies(self) -> list[Node]:
        return nodes_of(self.links)


@dataclass(eq=False)
class Rubric:
    key: str
    name: str
    description: str
    criteria: list[Criterion]
    file: Path

    @property
    def top_score(self) -> float:
        return round(sum(c.top for c in self.criteria), 5)


def nodes_of(links: list[Link]) -> list[Node]:
    """The resolved nodes of some links, once each, in order."""
    out: list[Node] = []
    for link in links:
        if link.node is not None and link.node not in out:
            out.append(link.node)
    return out


def framework_order(node: Node) -> tuple[str, int]:
    """Sort key: framework, then the order the framework file lists its items in."""
    return node.framework.idnumber, node.framework.order.get(node.id, 0)
