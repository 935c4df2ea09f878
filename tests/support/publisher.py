"""A QoS 1 MQTT publisher (paho, in its own thread) that knows which messages the broker acknowledged."""

from __future__ import annotations

import threading
import time

import orjson
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion


class Publisher:
    def __init__(self, port: int, topic: str = "egov/logs/test", *, max_inflight: int = 500,
                 username: str | None = None, password: str | None = None, ca_file: str | None = None) -> None:
        self.topic = topic
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{time.monotonic_ns()}",
                                  protocol=paho.MQTTv311, clean_session=True)
        if username is not None:
            self.client.username_pw_set(username, password)
        if ca_file is not None:
            self.client.tls_set(ca_certs=ca_file)
        self.client.max_inflight_messages_set(max_inflight)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.acked = 0

    @staticmethod
    def payload(n: int) -> bytes:
        return orjson.dumps({"n": n, "message": f"login ok user=u{n % 97} src=10.1.{n % 250}.{n % 200}"})

    def publish_range(self, start: int, stop: int, *, stop_event: threading.Event | None = None,
                      timeout: float = 120) -> int:
        """Publish ``start..stop-1`` at QoS 1 and wait for every PUBACK; returns how many were acked."""
        infos = []
        for n in range(start, stop):
            if stop_event is not None and stop_event.is_set():
                break
            infos.append(self.client.publish(self.topic, self.payload(n), qos=1))
        deadline = time.monotonic() + timeout
        for info in infos:
            info.wait_for_publish(max(0.1, deadline - time.monotonic()))
        self.acked += sum(1 for i in infos if i.is_published())
        return len(infos)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()
