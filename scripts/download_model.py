#!/usr/bin/env python3
"""Fetch the official small English Vosk model, or a larger Whisper model, into models/, checksum verified,
with a progress bar.

    python scripts/download_model.py                 # vosk-model-small-en-us-0.15 into models/
    python scripts/download_model.py --dest DIR      # elsewhere (then set listener.model in config.toml)
    python scripts/download_model.py --url URL       # a local mirror (file:// or http://), same checksum
    python scripts/download_model.py --whisper base.en   # Systran's faster-whisper-base.en (or small.en) into
                                                     # models/whisper-base.en; then hearing.model in config.toml
    python scripts/download_model.py --whisper base.en --url file:///MIRROR/   # a folder with the four files
                                                     # and a SHA256SUMS file

A Whisper model's files are checked against the SHA-256 the Hugging Face Hub declares for them (its API), or
against the mirror's SHA256SUMS; the tiny.en model ships with the package and needs no download.

Exit 0 when the model is in place, 2 with a one-line reason otherwise (offline, checksum mismatch, ...).
Nothing but this one download ever touches the network.
"""

from __future__ import annotations

import argparse
import hashlib
import json
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


def _download(url: str, out: Path, expected_bytes: int, label: str = MODEL_NAME) -> str:
    """Stream `url` into `out` with a progress bar; return the SHA-256 of what arrived."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response, out.open("wb") as f:
            total = int(response.headers.get("Content-Length") or expected_bytes)
            columns = ("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                       TransferSpeedColumn(), TimeRemainingColumn())
            with Progress(*columns, transient=False) as progress:
                task = progress.add_task(label, total=total)
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


WHISPER_MODELS = ("base.en", "small.en", "tiny.en")
WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
WHISPER_HUB = "https://huggingface.co/Systran/faster-whisper-{name}"


def _hub_checksums(name: str) -> dict[str, str]:
    """File -> SHA-256, as the Hub declares them (large files carry it; small ones are fetched and hashed
    against the git blob id instead, see `_blob_sha1`)."""
    api = f"https://huggingface.co/api/models/Systran/faster-whisper-{name}/tree/main"
    try:
        with urllib.request.urlopen(api, timeout=_TIMEOUT_S) as response:
            tree = json.loads(response.read())
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as e:
        raise DownloadError(f"cannot reach {api} ({getattr(e, 'reason', e)}): this machine looks offline. Fetch "
                            f"the files of faster-whisper-{name} and a SHA256SUMS file on a connected machine, then "
                            "run: python scripts/download_model.py --whisper NAME --url file:///THAT/FOLDER/") from e
    sums = {}
    for entry in tree:
        if entry.get("lfs", {}).get("oid"):
            sums[entry["path"]] = "sha256:" + entry["lfs"]["oid"]
        elif entry.get("oid"):
            sums[entry["path"]] = "blob:" + entry["oid"]
    return sums


def _mirror_checksums(url: str) -> dict[str, str]:
    try:
        with urllib.request.urlopen(url + "SHA256SUMS", timeout=_TIMEOUT_S) as response:
            lines = response.read().decode().splitlines()
    except (urllib.error.URLError, OSError) as e:
        raise DownloadError(f"{url}SHA256SUMS is missing ({getattr(e, 'reason', e)}): a mirror must list the "
                            "SHA-256 of each file (sha256sum * > SHA256SUMS)") from e
    return {name.lstrip("*"): "sha256:" + digest for digest, name in (line.split() for line in lines if line.strip())}


def _blob_sha1(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def fetch_whisper(name: str, dest: Path, url: str | None = None) -> Path:
    """Download and verify a CTranslate2 Whisper model into dest/whisper-NAME; returns its folder. Idempotent."""
    model_dir = dest / f"whisper-{name}"
    if all((model_dir / f).is_file() for f in WHISPER_FILES):
        print(f"whisper {name} is already in {model_dir}")
        return model_dir
    base = (url.rstrip("/") + "/") if url else WHISPER_HUB.format(name=name) + "/resolve/main/"
    sums = _mirror_checksums(base) if url else _hub_checksums(name)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".download-") as tmp:
        for file in WHISPER_FILES:
            expected = sums.get(file)
            if expected is None:
                raise DownloadError(f"no checksum for {file} of whisper {name}: refusing an unverified file")
            out = Path(tmp) / file
            got = _download(base + file, out, 0, label=f"whisper {name}: {file}")
            kind, digest = expected.split(":", 1)
            if (got if kind == "sha256" else _blob_sha1(out)) != digest:
                raise DownloadError(f"checksum mismatch for {file} of whisper {name}: the file is damaged or not "
                                    "the published model; nothing was installed, download again")
        shutil.move(tmp, model_dir)
        Path(tmp).mkdir()  # TemporaryDirectory removes it on exit
    print(f"whisper {name} is ready in {model_dir}; set hearing.model = \"{model_dir}\" in config.toml")
    return model_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="folder to put the model in")
    parser.add_argument("--url", help="where to fetch from: the Vosk zip, or a folder with a Whisper model's "
                        "files and SHA256SUMS (a mirror)")
    parser.add_argument("--whisper", choices=WHISPER_MODELS, help="a Whisper model for hearing.model instead of "
                        "the Vosk model")
    args = parser.parse_args(argv)
    try:
        if args.whisper:
            fetch_whisper(args.whisper, args.dest, args.url)
        else:
            fetch_model(args.dest, args.url or MODEL_URL)
    except DownloadError as e:
        print(f"download_model: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
