"""MQTT source (aiomqtt 2.x): QoS 1, persistent session, shared subscriptions, TLS, reconnect.

At-least-once: paho's automatic PUBACK is switched off (``manual_ack_set``); a message is acknowledged only
when the pipeline reports its events durably handled. Acks go out in arrival order because the pipeline is
FIFO. A message taken before a disconnect is never acknowledged on the new connection: the broker redelivers
it and the stable event id removes the duplicate downstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Callable
from urllib.parse import urlsplit

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from secops.model.event import RawEvent, Ticket
from secops.pipeline import ShuttingDown
from secops.sources.base import SOURCES, Backoff, SourceContext, SourceTelemetry
from secops.sources.config import MqttSource, TlsSettings

log = logging.getLogger("secops.sources.mqtt")


def _tls_context(tls: TlsSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=tls.ca_file)
    if tls.cert_file:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    if not tls.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class MqttIngest:
    def __init__(self, key: str, settings: MqttSource, ctx: SourceContext) -> None:
        self.key = key
        self.settings = settings
        self._ctx = ctx
        self._telemetry = SourceTelemetry(key, ctx)
        self._connected = False
        self._accepting = True
        self._generation = 0
        self._closing = asyncio.Event()
        url = urlsplit(settings.url)
        self._host = url.hostname or "127.0.0.1"
        self._port = url.port or (8883 if url.scheme == "mqtts" else 1883)
        self._tls = settings.tls or (TlsSettings() if url.scheme == "mqtts" else None)

    @property
    def ready(self) -> bool:
        return self._connected

    def stop_intake(self) -> None:
        self._accepting = False

    def topics(self) -> list[str]:
        group = self.settings.shared_group
        return [f"$share/{group}/{t}" if group else t for t in self.settings.topics]

    def _client(self) -> aiomqtt.Client:
        s = self.settings
        password = s.password.resolve() if s.password else None
        common: dict[str, object] = {
            "identifier": s.client_id,
            "username": s.username,
            "password": password,
            "keepalive": s.keepalive_seconds,
            "tls_context": _tls_context(self._tls) if self._tls else None,
            "max_inflight_messages": s.max_inflight_messages,
        }
        if s.protocol == "5":
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = s.session_expiry_seconds
            props.ReceiveMaximum = min(65535, s.max_inflight_messages)
            client = aiomqtt.Client(self._host, self._port, protocol=aiomqtt.ProtocolVersion.V5,
                                    clean_start=False, properties=props, **common)  # type: ignore[arg-type]
        else:
            client = aiomqtt.Client(self._host, self._port, protocol=aiomqtt.ProtocolVersion.V311,
                                    clean_session=False, **common)  # type: ignore[arg-type]
        client._client.manual_ack_set(True)  # aiomqtt exposes no manual-ack switch
        return client

    async def run(self) -> None:
        backoff = Backoff(self.settings.reconnect_min_seconds, self.settings.reconnect_max_seconds)
        while not self._closing.is_set():
            try:
                await self._session(self._client())
                backoff.reset()
            except aiomqtt.MqttError as err:
                self._set_connected(False)
                delay = backoff.next()
                log.warning("mqtt source %s: %s; reconnecting in %.1fs", self.key, err, delay)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), delay)

    async def _session(self, client: aiomqtt.Client) -> None:
        """One connection: subscribe, consume until it drops or ``close``; leaving the ``async with``
        sends DISCONNECT after any acknowledgements still queued."""
        async with client:
            self._generation += 1
            for topic in self.topics():
                await client.subscribe(topic, qos=self.settings.qos)
            self._set_connected(True)
            consumer = asyncio.create_task(self._consume(client, self._generation), name=f"mqtt-consume-{self.key}")
            closer = asyncio.create_task(self._closing.wait(), name=f"mqtt-close-{self.key}")
            try:
                await asyncio.wait({consumer, closer}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                consumer.cancel()
                closer.cancel()
                self._set_connected(False)
            if consumer.done() and not consumer.cancelled() and consumer.exception() is not None:
                raise consumer.exception()  # type: ignore[misc]

    async def close(self) -> None:
        """Stop for good: leave the session cleanly so queued acknowledgements reach the broker."""
        self._accepting = False
        self._closing.set()

    def _set_connected(self, value: bool) -> None:
        self._connected = value
        self._telemetry.up(value)

    async def _consume(self, client: aiomqtt.Client, generation: int) -> None:
        async for message in client.messages:
            if not self._accepting:
                return  # not acknowledged: the broker keeps it for the session
            payload = message.payload if isinstance(message.payload, bytes) else str(message.payload).encode()
            ticket = None
            if message.qos > 0:
                ticket = Ticket(self._acker(client, message.mid, message.qos, generation))
            raw = RawEvent(self.key, payload, self._ctx.clock.now(), position=message.topic.value,
                           meta={"topic": message.topic.value, "split": "1"}, ticket=ticket)
            self._telemetry.received()
            try:
                await self._ctx.pipeline.submit(raw)
            except ShuttingDown:
                return

    def _acker(self, client: aiomqtt.Client, mid: int, qos: int, generation: int) -> Callable[[], None]:
        def ack() -> None:
            if generation == self._generation and self._connected:
                client._client.ack(mid, qos)

        return ack


SOURCES.add("mqtt", MqttIngest)
