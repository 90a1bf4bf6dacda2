"""Checks of a built SCORM package that the XML Schemas do not make (shared/schemas/README.md,
"Rules the XSDs do not check"): what an LMS or ADL's conformance suite would reject or warn about.

``verify_package(zip bytes) -> list of problems`` (empty when the package is sound).
"""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import unquote, urlsplit

from lxml import etree

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
SCHEMA_VERSION = {"http://www.imsproject.org/xsd/imscp_rootv1p1p2": ("1.2", "scormtype"),
                  "http://www.imsglobal.org/xsd/imscp_v1p1": ("2004 4th Edition", "scormType")}
ADLCP = {"1.2": "http://www.adlnet.org/xsd/adlcp_rootv1p2", "2004 4th Edition": "http://www.adlnet.org/xsd/adlcp_v1p3"}
_NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def _bad_href(href: str) -> str | None:
    if not href:
        return "is empty"
    parts = urlsplit(href)
    if parts.scheme or href.startswith("//"):
        return "is not a path inside the package"
    if href.startswith("/") or "\\" in href or re.match(r"^[A-Za-z]:", href):
        return "is absolute or uses backslashes"
    if ".." in unquote(parts.path).split("/"):
        return "climbs out of the package with '..'"
    if not href.isascii() or " " in href:
        return "is not plain ASCII without spaces"
    return None


def verify_package(data: bytes) -> list[str]:
    problems: list[str] = []
    add = problems.append
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return [f"not a zip file: {exc}"]
    names = [i.filename for i in zf.infolist() if not i.is_dir()]
    if "imsmanifest.xml" not in names:
        return ["imsmanifest.xml is not at the root of the zip"]
    if len(set(names)) != len(names):
        add("the zip holds two entries with the same name")
    try:
        root = etree.fromstring(zf.read("imsmanifest.xml"), PARSER)
    except etree.XMLSyntaxError as exc:
        return [f"imsmanifest.xml is not well-formed: {exc}"]
    ns = etree.QName(root).namespace
    if ns not in SCHEMA_VERSION or etree.QName(root).localname != "manifest":
        return [f"the root element is {root.tag}, not an IMS CP manifest of SCORM 1.2 or 2004"]
    version, scormtype = SCHEMA_VERSION[ns]
    q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731

    meta = root.find(q("metadata"))
    kids = [etree.QName(k).localname for k in meta] if meta is not None else []
    if kids[:2] != ["schema", "schemaversion"]:
        add("metadata must start with <schema> and <schemaversion>")
    elif meta.findtext(q("schema")) != "ADL SCORM" or meta.findtext(q("schemaversion")) != version:
        add(f"metadata must say ADL SCORM {version}")

    ids: dict[str, str] = {}
    for el in root.iter():
        ident = el.get("identifier")
        if ident is None or not isinstance(el.tag, str):
            continue
        if not _NCNAME.match(ident):
            add(f"identifier {ident!r} is not an XML name")
        if ident in ids:
            add(f"identifier {ident!r} is used twice")
        ids[ident] = etree.QName(el).localname

    orgs = root.find(q("organizations"))
    resources = {r.get("identifier"): r for r in root.iter(q("resource"))}
    if orgs is None or ids.get(orgs.get("default") or "") != "organization":
        add("organizations/@default does not name an organization")
    used: set[str] = set()
    for item in root.iter(q("item")):
        ref = item.get("identifierref")
        leaf = item.find(q("item")) is None
        if leaf and not ref:
            add(f"leaf item {item.get('identifier')!r} has no identifierref")
        if not leaf and ref:
            add(f"item {item.get('identifier')!r} has children and an identifierref")
        if ref:
            if ref not in resources:
                add(f"item {item.get('identifier')!r} points to missing resource {ref!r}")
            else:
                used.add(ref)
                if not resources[ref].get("href"):
                    add(f"resource {ref!r} is launched by an item but has no href")
        title = item.findtext(q("title")) or ""
        if not title.strip() or len(title) > 200:
            add(f"item {item.get('identifier')!r} needs a title of 1-200 characters")

    listed: set[str] = set()
    for rid, res in resources.items():
        if res.get("type") != "webcontent":
            add(f"resource {rid!r} must have type='webcontent'")
        kind = res.get(f"{{{ADLCP[version]}}}{scormtype}")
        if kind not in ("sco", "asset"):
            add(f"resource {rid!r} needs adlcp:{scormtype} 'sco' or 'asset'")
        if rid not in used and not any(d.get("identifierref") == rid for d in root.iter(q("dependency"))):
            add(f"resource {rid!r} is not used by any item")
        files = [f.get("href") or "" for f in res.findall(q("file"))]
        href = res.get("href")
        if href is not None:
            bad = _bad_href(href)
            if bad:
                add(f"resource {rid!r} href {href!r} {bad}")
            elif urlsplit(href).path not in files:
                add(f"resource {rid!r} must list its launch file {href!r} as a <file>")
        for f in files:
            bad = _bad_href(f)
            if bad:
                add(f"file href {f!r} {bad}")
            elif unquote(f) not in names:
                add(f"file {f!r} is listed in the manifest but not in the zip")
            listed.add(unquote(f))
        for dep in res.findall(q("dependency")):
            if dep.get("identifierref") not in resources or len(dep):
                add(f"dependency in {rid!r} must be empty and name an existing resource")
    for name in names:
        if name != "imsmanifest.xml" and name not in listed:
            add(f"{name} is in the zip but not listed in the manifest")
    return problems
