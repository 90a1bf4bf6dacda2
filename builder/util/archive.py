"""Deterministic archives: same entries in, same bytes out.

tar.gz for Moodle backups (plain ustar headers: Moodle's own tar reader
understands nothing else), zip for SCORM packages. Entries are sorted, and
timestamps, modes and owners are fixed.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

FIXED_MTIME = 1_767_225_600  # 2026-01-01T00:00:00Z; also the timestamp written into backups
ZIP_DATE = (2026, 1, 1, 0, 0, 0)


def tar_gz(entries: dict[str, bytes], mtime: int = FIXED_MTIME) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(entries):
            data = entries[name]
            if not name.isascii() or len(name) > 100 or name.startswith("/"):
                raise ValueError(f"archive entry name not portable for ustar: {name!r}")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = int(mtime)
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.type = tarfile.REGTYPE
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", filename="", mtime=0, compresslevel=6) as gz:
        gz.write(raw.getvalue())
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
