"""Deterministic archives: same entries in, same bytes out.

tar.gz for Moodle backups (plain ustar headers: Moodle's own tar reader
understands nothing else), zip for SCORM packages. Entries are sorted, and
timestamps, modes and owners are fixed.
"""

from __future__ import annotations

import gzip
import io
import zipfile

FIXED_MTIME = 1_767_225_600  # 2026-01-01T00:00:00Z; also the timestamp written into backups
ZIP_DATE = (2026, 1, 1, 0, 0, 0)


def _octal(n: int, width: int) -> bytes:
    return b"%0*o\x00" % (width - 1, n)


_USTAR_FIXED = _octal(0o644, 8) + _octal(0, 8) + _octal(0, 8)          # mode, uid, gid
_USTAR_TAIL = b"0" + b"\x00" * 100 + b"ustar\x0000" + b"\x00" * (32 + 32 + 8 + 8 + 155)  # type .. prefix
_RECORD = 20 * 512


def tar_bytes(entries: dict[str, bytes], mtime: int = FIXED_MTIME) -> bytes:
    """An uncompressed ustar archive: the same bytes ``tarfile`` writes for these entries with
    USTAR_FORMAT, mode 0644, owner 0:0 with empty names (tests/test_archive.py holds them equal),
    built directly because tarfile's per-member TarInfo machinery was most of the baseline's time."""
    parts: list[bytes] = []
    mt = _octal(int(mtime), 12)
    for name in sorted(entries):
        data = entries[name]
        if not name.isascii() or len(name) > 100 or name.startswith("/"):
            raise ValueError(f"archive entry name not portable for ustar: {name!r}")
        head = name.encode("ascii").ljust(100, b"\x00") + _USTAR_FIXED + _octal(len(data), 12) + mt
        block = head + b"        " + _USTAR_TAIL
        block += b"\x00" * (512 - len(block))
        block = block[:148] + b"%06o\x00 " % sum(block) + block[156:]
        parts.append(block)
        parts.append(data)
        if len(data) % 512:
            parts.append(b"\x00" * (512 - len(data) % 512))
    parts.append(b"\x00" * 1024)                      # end-of-archive marker
    size = sum(map(len, parts))
    if size % _RECORD:
        parts.append(b"\x00" * (_RECORD - size % _RECORD))
    return b"".join(parts)


def tar_gz(entries: dict[str, bytes], mtime: int = FIXED_MTIME) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", filename="", mtime=0, compresslevel=6) as gz:
        gz.write(tar_bytes(entries, mtime))
    return out.getvalue()


def zip_bytes(entries: dict[str, bytes], compress: bool = True) -> bytes:
    out = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", compression=method) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, entries[name])
    return out.getvalue()
