#!/usr/bin/env python3
"""Fetch the official small English Vosk model into models/, checksum verified, with a progress bar.

    python scripts/download_model.py                 # vosk-model-small-en-us-0.15 into models/
    python scripts/download_model.py --dest DIR      # elsewhere (then set listener.model in config.toml)
    python scripts/download_model.py --url URL       # a local mirror (file:// or http://), same checksum

Exit 0 when the model is in place, 2 with a one-line reason otherwise (offline, checksum mismatch, ...).
Nothing but this one download ever touches the network.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

MODEL_NAME = "vosk-model-small-en-us-0.15"
MODEL_URL = f"https://alphacephei.com/vosk/models/{MODEL_NAME}.zip"
MODEL_SHA256 = "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
MODEL_BYTES = 41_205_931
_CHUNK_BYTES = 1 << 16
_TIMEOUT_S = 20
DEFAULT_DEST = Path(__file__).resolve().parent.parent / "models"


class DownloadError(RuntimeError):
    """The model could not be fetched or verified; the message says what to do."""


def _download(url: str, out: Path, expected_bytes: int) -> str:
    """Stream `url` into `out` with a progress bar; return the SHA-256 of what arrived."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response, out.open("wb") as f:
            total = int(response.headers.get("Content-Length") or expected_bytes)
            columns = ("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                       TransferSpeedColumn(), TimeRemainingColumn())
            with Progress(*columns, transient=False) as progress:
                task = progress.add_task(MODEL_NAME, total=total)
                while chunk := response.read(_CHUNK_BYTES):
                    f.write(chunk)
                    digest.update(chunk)
                    progress.advance(task, len(chunk))
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise DownloadError(
            f"cannot download {url} ({reason}): this machine looks offline. Download {MODEL_NAME}.zip on a "
            f"connected machine, copy it here and run: python scripts/download_model.py --url file:///PATH/TO/"
            f"{MODEL_NAME}.zip — or keep using PocketSphinx, which needs no download") from e
    return digest.hexdigest()


def _extract(archive: Path, dest: Path) -> Path:
    """Unzip safely (no paths outside dest) and return the model folder."""
    with zipfile.ZipFile(archive) as z:
        for name in z.namelist():
            target = (dest / name).resolve()
            if not str(target).startswith(str(dest.resolve())):
                raise DownloadError(f"{archive.name}: unsafe path {name!r} in the archive; not extracted")
        z.extractall(dest)
    return dest / MODEL_NAME


def fetch_model(dest: Path, url: str = MODEL_URL, sha256: str = MODEL_SHA256) -> Path:
    """Download, verify and unpack the model into dest; returns its folder. Idempotent."""
    model_dir = dest / MODEL_NAME
    if (model_dir / "am").is_dir():
        print(f"{MODEL_NAME} is already in {dest}")
        return model_dir
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".download-") as tmp:
        archive = Path(tmp) / f"{MODEL_NAME}.zip"
        got = _download(url, archive, MODEL_BYTES)
        if got != sha256:
            raise DownloadError(f"checksum mismatch for {url}: got {got[:16]}..., expected {sha256[:16]}...; "
                                "the file is damaged or not the official model: delete it and download again")
        staging = Path(tmp) / "unpacked"
        staging.mkdir()
        unpacked = _extract(archive, staging)
        if not (unpacked / "am").is_dir():
            raise DownloadError(f"{archive.name} does not hold {MODEL_NAME}/am; is it the right archive?")
        shutil.move(str(unpacked), model_dir)
    print(f"{MODEL_NAME} is ready in {model_dir}; `assistant doctor` will now choose Vosk")
    return model_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="folder to put the model in")
    parser.add_argument("--url", default=MODEL_URL, help="where to fetch the zip from (a mirror)")
    args = parser.parse_args(argv)
    try:
        fetch_model(args.dest, args.url)
    except DownloadError as e:
        print(f"download_model: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
