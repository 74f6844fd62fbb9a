"""Redis 7's multi-part AOF manifest: which base file and which incremental files make up the log.

The manifest (``<appendfilename>.manifest`` in ``appenddirname``) has one line per file, in Redis's
format, so Redis 7 and RedVector can open each other's AOF directories:

    file appendonly.aof.1.base.rdb seq 1 type b
    file appendonly.aof.1.incr.aof seq 1 type i
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field

from redvector.persistence.fsutil import write_atomic

TYPE_BASE = "b"
TYPE_HISTORY = "h"
TYPE_INCR = "i"


class ManifestError(Exception):
    pass


@dataclass(slots=True)
class AofFile:
    name: str
    seq: int
    kind: str  # b, h or i


@dataclass(slots=True)
class Manifest:
    base: AofFile | None = None
    incrs: list[AofFile] = field(default_factory=list)
    history: list[AofFile] = field(default_factory=list)

    def render(self) -> bytes:
        lines = []
        for f in ([self.base] if self.base else []) + self.history + self.incrs:
            name = f.name if " " not in f.name and '"' not in f.name else '"' + f.name.replace('"', '\\"') + '"'
            lines.append(f"file {name} seq {f.seq} type {f.kind}\n")
        return "".join(lines).encode()

    @classmethod
    def parse(cls, text: str, path: str) -> Manifest:
        manifest = cls()
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                parts = shlex.split(line)
            except ValueError:
                raise ManifestError(f"Invalid AOF manifest file format: {path} line {lineno}")
            if len(parts) % 2:
                raise ManifestError(f"Invalid AOF manifest file format: {path} line {lineno}")
            fields = dict(zip(parts[::2], parts[1::2], strict=True))
            try:
                entry = AofFile(fields["file"], int(fields["seq"]), fields["type"])
            except (KeyError, ValueError):
                raise ManifestError(f"Invalid AOF manifest file format: {path} line {lineno}")
            if entry.kind == TYPE_BASE:
                if manifest.base is not None:
                    raise ManifestError(f"Found duplicate base file information in {path}")
                manifest.base = entry
            elif entry.kind == TYPE_INCR:
                manifest.incrs.append(entry)
            elif entry.kind == TYPE_HISTORY:
                manifest.history.append(entry)
            else:
                raise ManifestError(f"Unknown AOF file type '{entry.kind}' in {path} line {lineno}")
        return manifest

    @property
    def next_incr_seq(self) -> int:
        return max((f.seq for f in self.incrs), default=0) + 1

    @property
    def next_base_seq(self) -> int:
        return (self.base.seq if self.base else 0) + 1


class AofDirectory:
    """Names and the manifest of the AOF directory (``dir``/``appenddirname``)."""

    def __init__(self, data_dir: str, dirname: str, filename: str) -> None:
        self.path = os.path.join(data_dir, dirname)
        self.filename = filename
        self.manifest_path = os.path.join(self.path, f"{filename}.manifest")

    def file_path(self, name: str) -> str:
        return os.path.join(self.path, name)

    def base_name(self, seq: int, rdb: bool = True) -> str:
        return f"{self.filename}.{seq}.base.{'rdb' if rdb else 'aof'}"

    def incr_name(self, seq: int) -> str:
        return f"{self.filename}.{seq}.incr.aof"

    def exists(self) -> bool:
        return os.path.exists(self.manifest_path)

    def read_manifest(self) -> Manifest:
        with open(self.manifest_path, encoding="utf-8") as f:
            return Manifest.parse(f.read(), self.manifest_path)

    def write_manifest(self, manifest: Manifest) -> None:
        os.makedirs(self.path, exist_ok=True)
        write_atomic(self.manifest_path, manifest.render())

    def size_of(self, manifest: Manifest) -> tuple[int, int]:
        """(base size, total size) in bytes of the files the manifest lists."""
        base = 0
        if manifest.base is not None:
            base = _size(self.file_path(manifest.base.name))
        total = base + sum(_size(self.file_path(f.name)) for f in manifest.incrs)
        return base, total


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
