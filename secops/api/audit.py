"""``GET /api/v1/audit/export``: the auditor bundle, streamed as an uncompressed tar archive.

Query parameters: ``from`` and ``to`` (required; ISO 8601 or epoch seconds) and ``format`` (``csv``, the
default, or ``jsonl``). The archive holds one directory, ``secops-export-<from>-<to>/``, with the data file
and ``manifest.json`` exactly as ``secops export`` writes them, so ``tar xf`` followed by
``secops verify <dir>`` checks it. The bundle is built in a temporary directory, streamed, then removed.
Every export is written to the ledger (kind ``export``) with the caller's token name.
"""

from __future__ import annotations

import asyncio
import shutil
import tarfile
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from secops.clock import Clock, SystemClock
from secops.errors import SecopsError, StoreUnavailable
from secops.store.bundle import DATA_FILES, parse_time
from secops.store.export import export_bundle

CHUNK_BYTES = 256 * 1024


def _bundle_name(start: float, end: float) -> str:
    return f"secops-export-{int(start)}-{int(end)}"


def _tar(src: Path, name: str, out: Path) -> None:
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
        tar.add(src, arcname=name)


async def _stream(path: Path, workdir: Path) -> AsyncIterator[bytes]:
    try:
        with path.open("rb") as f:
            while chunk := await asyncio.to_thread(f.read, CHUNK_BYTES):
                yield chunk
    finally:
        await asyncio.to_thread(shutil.rmtree, workdir, True)


def _params(request: Request) -> tuple[float, float, str]:
    q = request.query_params
    if "from" not in q or "to" not in q:
        raise ValueError("from and to are required (ISO 8601 or epoch seconds)")
    fmt = q.get("format", "csv")
    if fmt not in DATA_FILES:
        raise ValueError(f"format: unknown {fmt!r}; valid formats: csv, jsonl")
    return parse_time(q["from"]), parse_time(q["to"]), fmt


async def export(request: Request) -> Response:
    try:
        start, end, fmt = _params(request)
    except ValueError as err:
        return JSONResponse({"error": str(err)}, status_code=400)
    principal = getattr(request.state, "principal", None)
    clock: Clock = getattr(request.app.state, "clock", None) or SystemClock()
    workdir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="secops-export-"))
    name = _bundle_name(start, end)
    try:
        await export_bundle(request.app.state.store, start=start, end=end, fmt=fmt, out_dir=workdir / name,
                            clock=clock, principal=getattr(principal, "name", "unknown"))
        await asyncio.to_thread(_tar, workdir / name, name, workdir / f"{name}.tar")
    except StoreUnavailable as err:
        await asyncio.to_thread(shutil.rmtree, workdir, True)
        return JSONResponse({"error": f"store unavailable: {err}"}, status_code=503)
    except SecopsError as err:
        await asyncio.to_thread(shutil.rmtree, workdir, True)
        return JSONResponse({"error": str(err)}, status_code=400)
    return StreamingResponse(_stream(workdir / f"{name}.tar", workdir), media_type="application/x-tar",
                             headers={"Content-Disposition": f'attachment; filename="{name}.tar"'})


def routes() -> list[Route]:
    return [Route("/api/v1/audit/export", export, methods=["GET"])]
