"""Images and other files referenced from content: type sniffing, sizes, SVG safety."""

from __future__ import annotations

import hashlib
import re
import struct
from pathlib import Path

from lxml import etree

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
LINKABLE_TYPES = {**IMAGE_TYPES, ".pdf": "application/pdf"}


def sniff(data: bytes) -> str | None:
    """The mimetype the bytes really have (for the types we accept)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<") and b"<svg" in data[:4096]:
        return "image/svg+xml"
    return None


def dimensions(data: bytes, mimetype: str) -> tuple[int | None, int | None]:
    try:
        if mimetype == "image/png" and len(data) >= 24:
            w, h = struct.unpack(">II", data[16:24])
            return w, h
        if mimetype == "image/gif" and len(data) >= 10:
            w, h = struct.unpack("<HH", data[6:10])
            return w, h
        if mimetype == "image/jpeg":
            return _jpeg_size(data)
    except struct.error:
        pass
    return None, None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    i = 2
    n = len(data)
    while i + 9 < n:
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        seglen = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + seglen
    return None, None


_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK = "{http://www.w3.org/1999/xlink}href"
_SVG_FORBIDDEN = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"}
_SVG_ANIMATION = {"animate", "set", "animateTransform", "animateMotion", "discard"}
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_RASTER_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)


def svg_encoding_problem(data: bytes) -> str | None:
    """Why an SVG file is not plain UTF-8 (the only encoding accepted), or None.

    Another encoding (UTF-7, UTF-16 …) could carry a DOCTYPE or a script the byte-level
    checks cannot see.
    """
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    m = _XML_ENCODING.match(body)
    if m and m.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
        return f"declares the encoding {m.group(1).decode('ascii')}; only UTF-8 is accepted"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        return f"is not valid UTF-8 (byte 0x{body[exc.start]:02x} on line {line})"
    return None


def check_svg(data: bytes) -> tuple[str | None, tuple[int | None, int | None]]:
    """(problem or None, (width, height)) for an SVG file.

    The parser never resolves entities, never loads a DTD and never touches
    the network; any DOCTYPE is refused outright (entity expansion attacks), wherever
    it is in the file. The encoding is checked first (:func:`svg_encoding_problem`).
    """
    if re.search(rb"<!DOCTYPE|<!ENTITY", data, re.IGNORECASE):      # anywhere: a long comment may come first
        return "contains a DOCTYPE or entity declaration", (None, None)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return f"is not well-formed XML ({exc.msg if hasattr(exc, 'msg') else exc})", (None, None)
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        return "contains a DOCTYPE or entity declaration", (None, None)     # however it was encoded
    if etree.QName(root).localname != "svg":
        return "does not have <svg> as its root element", (None, None)
    for el in root.iter():
        if not isinstance(el.tag, str):
            if isinstance(el, etree._ProcessingInstruction):
                return "contains a processing instruction", (None, None)
            if isinstance(el, etree._Entity):
                return "contains an entity reference", (None, None)
            continue
        name = etree.QName(el).localname
        if name in _SVG_FORBIDDEN:
            return f"contains a <{name}> element", (None, None)
        if name in _SVG_ANIMATION:
            # <set attributeName="href" to="javascript:…"> or attributeName="onclick" would smuggle in a script
            target = (el.get("attributeName") or "").split(":")[-1].strip().lower()
            if target == "href" or target.startswith("on"):
                return f"has an animation (<{name}>) that changes the attribute '{target}'", (None, None)
        for attr, value in el.attrib.items():
            aname = etree.QName(attr).localname.lower()
            if aname.startswith("on"):
                return f"has an event handler attribute '{aname}'", (None, None)
            if aname == "href" or attr == _XLINK:
                v = value.strip()
                if not (v.startswith("#") or _RASTER_DATA.match(v)):
                    return f"references an external resource '{v[:60]}'", (None, None)
            if aname == "style" and re.search(r"url\s*\(\s*['\"]?\s*(?!#)", value):
                return "has a style that loads an external resource", (None, None)
        if name == "style" and el.text and re.search(r"@import|url\s*\(\s*['\"]?\s*(?!#)", el.text):
            return "has a stylesheet that loads an external resource", (None, None)
    return None, (_svg_len(root.get("width")), _svg_len(root.get("height")))


def _svg_len(v: str | None) -> int | None:
    if not v:
        return None
    m = re.match(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*$", v)
    return int(round(float(m.group(1)))) if m else None


def sha1_of(path: Path) -> tuple[str, int, bytes]:
    data = path.read_bytes()
    return hashlib.sha1(data).hexdigest(), len(data), data
