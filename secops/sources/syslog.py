"""Syslog source: UDP datagrams, and TCP with RFC 6587 octet counting or LF framing (optionally TLS).

UDP cannot push back, so a full pipeline drops the datagram and counts it
(``secops_events_dropped_total``). TCP waits for room, which stops reading the socket: the sender feels
TCP flow control instead of losing messages. Frames over ``max_record_bytes`` are dead-lettered.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import ssl
from typing import Any

from secops.model.event import RawEvent
from secops.pipeline import ShuttingDown
from secops.sources.base import SOURCES, SourceContext, SourceTelemetry
from secops.sources.config import SyslogSource

log = logging.getLogger("secops.sources.syslog")
_MAX_OCTET_DIGITS = 10


class FrameTooLong(Exception):
    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix


class FrameReader:
    """Reads RFC 6587 frames: octet counting (``LEN SP MSG``) or LF-terminated, detected per frame."""

    def __init__(self, reader: asyncio.StreamReader, max_bytes: int) -> None:
        self._reader = reader
        self._max = max_bytes

    async def next(self) -> bytes | None:
        """The next frame, or None at end of stream. Raises FrameTooLong after skipping an oversized one."""
        first = await self._reader.read(1)
        if not first:
            return None
        if first.isdigit():
            return await self._octet_counted(first)
        return await self._line(first)

    async def _octet_counted(self, first: bytes) -> bytes | None:
        digits = first
        while True:
            c = await self._reader.read(1)
            if not c:
                return digits or None
            if c == b" " and len(digits) <= _MAX_OCTET_DIGITS:
                length = int(digits)
                if length > self._max:
                    prefix = await self._reader.readexactly(min(length, 256))
                    await self._skip(length - len(prefix))
                    raise FrameTooLong(prefix)
                return await self._reader.readexactly(length)
            if not c.isdigit():
                # not octet counting after all: a LF-framed message that starts with digits
                return await self._line(digits + c)
            digits += c

    async def _line(self, head: bytes) -> bytes:
        if head.endswith(b"\n"):
            return head.rstrip(b"\r\n")
        try:
            rest = await self._reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as err:
            prefix = head + await self._reader.readexactly(min(err.consumed, 256))
            await self._skip_line()
            raise FrameTooLong(prefix) from err
        except asyncio.IncompleteReadError as err:
            rest = err.partial
        frame = (head + rest).rstrip(b"\r\n")
        if len(frame) > self._max:
            raise FrameTooLong(frame[:256])
        return frame

    async def _skip(self, count: int) -> None:
        while count > 0:
            chunk = await self._reader.read(min(count, 65536))
            if not chunk:
                return
            count -= len(chunk)

    async def _skip_line(self) -> None:
        while True:
            try:
                await self._reader.readuntil(b"\n")
                return
            except asyncio.LimitOverrunError as err:
                await self._reader.readexactly(err.consumed)
            except asyncio.IncompleteReadError:
                return


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, owner: SyslogIngest) -> None:
        self._owner = owner

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self._owner.datagram(data, addr)


class SyslogIngest:
    def __init__(self, key: str, settings: SyslogSource, ctx: SourceContext) -> None:
        self.key = key
        self.settings = settings
        self._ctx = ctx
        self._telemetry = SourceTelemetry(key, ctx)
        self._accepting = True
        self._listening = False
        self._seq = itertools.count()
        host, _, port = settings.address.rpartition(":")
        self.host = host.strip("[]")
        self.port = int(port)
        self._closed = asyncio.Event()

    @property
    def ready(self) -> bool:
        return self._listening

    def stop_intake(self) -> None:
        self._accepting = False

    async def close(self) -> None:
        self._accepting = False
        self._closed.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        transport = None
        server = None
        try:
            if self.settings.mode in ("udp", "both"):
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _Datagrams(self), local_addr=(self.host, self.port), reuse_port=True)
            if self.settings.mode in ("tcp", "both"):
                server = await asyncio.start_server(
                    self._connection, self.host, self.port, ssl=self._ssl(),
                    limit=self.settings.max_record_bytes + 1, reuse_port=True)
            self._listening = True
            self._telemetry.up(True)
            await self._closed.wait()
        finally:
            self._listening = False
            self._telemetry.up(False)
            if transport is not None:
                transport.close()
            if server is not None:
                server.close()

    def _ssl(self) -> ssl.SSLContext | None:
        tls = self.settings.tls
        if tls is None or not tls.cert_file:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=tls.ca_file)
        context.load_cert_chain(tls.cert_file, tls.key_file)
        if tls.ca_file and tls.verify:
            context.verify_mode = ssl.CERT_REQUIRED
        return context

    def _raw(self, data: bytes, peer: str, transport: str) -> RawEvent:
        # no redelivery exists for syslog: a receive sequence keeps identical lines distinct events
        position = f"{transport}:{peer}:{next(self._seq)}"
        return RawEvent(self.key, data, self._ctx.clock.now(), position=position, meta={"peer": peer})

    def datagram(self, data: bytes, addr: Any) -> None:
        peer = str(addr[0]) if isinstance(addr, tuple) else str(addr)
        self._telemetry.received()
        data = data.rstrip(b"\r\n\x00")
        if len(data) > self.settings.max_record_bytes:
            self._telemetry.reject("too_long", f"datagram of {len(data)} bytes", data[:256])
            return
        if not self._accepting or not self._ctx.pipeline.offer(self._raw(data, peer, "udp")):
            self._telemetry.dropped()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        peer = str(peername[0]) if isinstance(peername, tuple) else "unknown"
        frames = FrameReader(reader, self.settings.max_record_bytes)
        try:
            while self._accepting:
                try:
                    frame = await frames.next()
                except FrameTooLong as err:
                    self._telemetry.received()
                    self._telemetry.reject("too_long", "frame over max_record_bytes", err.prefix)
                    continue
                if frame is None:
                    break
                if not frame:
                    continue
                self._telemetry.received()
                await self._ctx.pipeline.submit(self._raw(frame, peer, "tcp"))
        except (ShuttingDown, ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:  # one bad connection must never take the listener down
            log.exception("syslog source %s: connection from %s failed", self.key, peer)
        finally:
            writer.close()


SOURCES.add("syslog", SyslogIngest)
