"""The sandbox broker's AMQP 1.0 front door, so `azure-servicebus` sends to it unmodified.

The SDK connects exactly as it connects to the official Service Bus emulator
(`UseDevelopmentEmulator=true` in the connection string: plain TCP on the given port, no TLS):
SASL, open, begin, a `$cbs` put-token exchange, then a sender link to the queue carrying
single or batched messages. This server speaks that much of AMQP: enough for producers.
Consumers are the local host's queue triggers, which read the broker in-process, as the
Functions host's Service Bus extension would read the real one.

Frames are encoded and decoded with the AMQP codec that ships inside `azure-servicebus`
(`azure.servicebus._pyamqp`), so both ends of the wire agree by construction. It is a private
module of a pinned dependency; `tests/sandbox/test_servicebus_amqp.py` sends through the
public SDK and fails loudly if an SDK upgrade changes it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from azure.servicebus._pyamqp import _decode, _encode
from azure.servicebus._pyamqp.endpoints import Source, Target
from azure.servicebus._pyamqp.error import AMQPError
from azure.servicebus._pyamqp.message import Message, Properties
from azure.servicebus._pyamqp.outcomes import Accepted, Rejected
from azure.servicebus._pyamqp.performatives import (
    AttachFrame,
    BeginFrame,
    CloseFrame,
    DetachFrame,
    DispositionFrame,
    EndFrame,
    FlowFrame,
    OpenFrame,
    SASLMechanism,
    SASLOutcome,
    TransferFrame,
)

from sandbox.azure.servicebus.broker import Broker, BrokerError, OutgoingMessage

log = logging.getLogger("byoc_sync.sandbox.servicebus")

AMQP_HEADER = b"AMQP\x00\x01\x00\x00"
SASL_HEADER = b"AMQP\x03\x01\x00\x00"
CBS_NODE = "$cbs"
BATCH_FORMAT = 0x80013700
MAX_FRAME_SIZE = 65536
MAX_MESSAGE_SIZE = 256 * 1024  # the Standard tier's limit
LINK_CREDIT = 1000
SCHEDULED_ENQUEUE_TIME = b"x-opt-scheduled-enqueue-time"
# Frame performative codes (AMQP 1.0 part 2.7 and 5.3).
OPEN, BEGIN, ATTACH, FLOW, TRANSFER, DISPOSITION, DETACH, END, CLOSE = range(0x10, 0x19)
SASL_INIT = 0x41
ROLE_SENDER, ROLE_RECEIVER = False, True


class ProtocolError(Exception):
    """The peer broke the protocol; the connection is closed with this description."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _timestamp(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)  # AMQP timestamps are ms


def entity_of(address: str | None) -> str:
    """The queue a link address names: `commands`, or `amqp://host:port/commands`."""
    if not address:
        return ""
    path = urlsplit(address).path if "://" in address else address
    return path.strip("/").split("/")[0]


def to_outgoing(message: Message) -> OutgoingMessage:
    """The broker's view of one AMQP message (Service Bus's mapping of the AMQP sections)."""
    properties = message.properties or Properties()
    annotations = message.message_annotations or {}
    data = message.data or []
    body = b"".join(bytes(part) for part in data) if not isinstance(data, bytes) else data
    application = {
        _text(k) or "": (_text(v) if isinstance(v, bytes) else v)
        for k, v in (message.application_properties or {}).items()
    }
    return OutgoingMessage(
        body=body,
        message_id=_text(properties.message_id),
        session_id=_text(properties.group_id),
        correlation_id=_text(properties.correlation_id),
        content_type=_text(properties.content_type),
        subject=_text(properties.subject),
        application_properties=application,
        scheduled_enqueue_time_utc=_timestamp(annotations.get(SCHEDULED_ENQUEUE_TIME)),
    )


def unbatch(message_format: int, payload: bytes) -> list[Message]:
    """A transfer's messages: one, or the data sections of a batch (each an encoded message)."""
    outer = _decode.decode_payload(memoryview(payload))
    if message_format != BATCH_FORMAT:
        return [outer]
    return [_decode.decode_payload(memoryview(bytes(part))) for part in outer.data or []]


@dataclass
class _Link:
    name: str
    handle: int  # the peer's handle
    role: bool  # the peer's role
    address: str | None
    delivery_count: int = 0
    partial: bytearray = field(default_factory=bytearray)
    partial_delivery: tuple[int, int] | None = None  # (delivery id, message format)


@dataclass
class _Session:
    channel: int  # the peer's channel, and ours (we answer on the same number)
    links: dict[int, _Link] = field(default_factory=dict)  # by the peer's handle
    next_outgoing_id: int = 0
    next_incoming_id: int = 0


class _Connection:
    """One client socket, served on its own thread until the client closes it."""

    def __init__(self, sock: socket.socket, broker: Broker, server_id: str) -> None:
        self.sock = sock
        self.broker = broker
        self.server_id = server_id
        self.sessions: dict[int, _Session] = {}
        self.buffer = bytearray()
        self.write_lock = threading.Lock()
        self.heartbeat_s: float | None = None

    # --- wire --------------------------------------------------------------------------------

    def _recv_exact(self, n: int) -> bytes:
        while len(self.buffer) < n:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                self._send_raw(struct.pack(">IBBH", 8, 2, 0, 0))  # an empty frame: heartbeat
                continue
            if not chunk:
                raise ConnectionError("peer closed the connection")
            self.buffer += chunk
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data

    def _send_raw(self, data: bytes) -> None:
        with self.write_lock:
            self.sock.sendall(data)

    def _send(self, channel: int, frame: Any, frame_type: int = 0) -> None:
        header, body = _encode.encode_frame(frame, frame_type=bytes([frame_type]))
        # encode_frame returns size, data offset and type; the channel follows.
        self._send_raw(header + struct.pack(">H", channel) + (body or b""))

    def _read_frame(self) -> tuple[int, int, list[Any]] | None:
        """(channel, performative code, fields), or None for an empty (heartbeat) frame."""
        size, doff, _frame_type, channel = struct.unpack(">IBBH", self._recv_exact(8))
        if size < 8 or size > MAX_FRAME_SIZE:
            raise ProtocolError(f"frame size {size} out of bounds")
        body = self._recv_exact(size - 8)[doff * 4 - 8 :]
        if not body:
            return None
        code, fields = _decode.decode_frame(memoryview(body))
        return channel, code, fields

    # --- handshake ---------------------------------------------------------------------------

    def _sasl(self) -> None:
        header = self._recv_exact(8)
        if header == AMQP_HEADER:  # a client without SASL
            self._send_raw(AMQP_HEADER)
            return
        if header != SASL_HEADER:
            self._send_raw(SASL_HEADER)
            raise ProtocolError(f"unsupported protocol header {header!r}")
        self._send_raw(SASL_HEADER)
        self._send(0, SASLMechanism(sasl_server_mechanisms=[b"ANONYMOUS", b"PLAIN"]), 1)
        frame = self._read_frame()
        if frame is None or frame[1] != SASL_INIT:
            raise ProtocolError("expected sasl-init")
        # The sandbox accepts any credential: the token goes to $cbs, which accepts it too.
        self._send(0, SASLOutcome(code=0, additional_data=None), 1)
        if self._recv_exact(8) != AMQP_HEADER:
            raise ProtocolError("expected the AMQP protocol header after SASL")
        self._send_raw(AMQP_HEADER)

    # --- frames ------------------------------------------------------------------------------

    def serve(self) -> None:
        try:
            self._sasl()
            while True:
                frame = self._read_frame()
                if frame is None:
                    continue
                channel, code, fields = frame
                log.debug("<- ch%d 0x%x %r", channel, code, fields[:3])
                if code == CLOSE:
                    self._send(0, CloseFrame(error=None))
                    return
                self._dispatch(channel, code, fields)
        except (ConnectionError, OSError):
            return
        except ProtocolError as exc:
            log.warning("closing AMQP connection: %s", exc)
            error = AMQPError(condition=b"amqp:internal-error", description=str(exc), info=None)
            with contextlib.suppress(OSError):
                self._send(0, CloseFrame(error=error))
        finally:
            self.sock.close()

    def _dispatch(self, channel: int, code: int, fields: list[Any]) -> None:
        if code == OPEN:
            self._on_open(fields)
        elif code == BEGIN:
            self._on_begin(channel, fields)
        elif code == END:
            self.sessions.pop(channel, None)
            self._send(channel, EndFrame(error=None))
        elif code == ATTACH:
            self._on_attach(self._session(channel), fields)
        elif code == FLOW:
            pass  # credit from a receiving peer ($cbs replies); we send within it
        elif code == TRANSFER:
            self._on_transfer(self._session(channel), fields)
        elif code == DISPOSITION:
            pass  # the peer settling our $cbs replies
        elif code == DETACH:
            session = self._session(channel)
            session.links.pop(fields[0], None)
            self._send(channel, DetachFrame(handle=fields[0], closed=True, error=None))
        else:
            raise ProtocolError(f"unexpected performative 0x{code:x}")

    def _session(self, channel: int) -> _Session:
        try:
            return self.sessions[channel]
        except KeyError:
            raise ProtocolError(f"no session on channel {channel}") from None

    def _on_open(self, fields: list[Any]) -> None:
        idle_timeout_ms = fields[4]
        if idle_timeout_ms:
            # The client closes if it hears nothing for this long: send heartbeats at half.
            self.heartbeat_s = idle_timeout_ms / 2000
            self.sock.settimeout(self.heartbeat_s)
        self._send(
            0,
            OpenFrame(
                container_id=self.server_id,
                hostname=None,
                max_frame_size=MAX_FRAME_SIZE,
                channel_max=255,
                idle_timeout=None,
                outgoing_locales=None,
                incoming_locales=None,
                offered_capabilities=None,
                desired_capabilities=None,
                properties=None,
            ),
        )

    def _on_begin(self, channel: int, fields: list[Any]) -> None:
        session = _Session(channel, next_incoming_id=fields[1])
        self.sessions[channel] = session
        self._send(
            channel,
            BeginFrame(
                remote_channel=channel,
                next_outgoing_id=0,
                incoming_window=65536,
                outgoing_window=65536,
                handle_max=255,
                offered_capabilities=None,
                desired_capabilities=None,
                properties=None,
            ),
        )

    def _on_attach(self, session: _Session, fields: list[Any]) -> None:
        name, handle, role = _text(fields[0]) or "", fields[1], fields[2]
        source = Source(*fields[5]) if fields[5] else Source(*[None] * len(Source._fields))
        target = Target(*fields[6]) if fields[6] else Target(*[None] * len(Target._fields))
        peer_sends = role == ROLE_SENDER
        address = _text(target.address if peer_sends else source.address)
        if address != CBS_NODE:
            address = entity_of(address)
        error: AMQPError | None = None
        if peer_sends and address != CBS_NODE and not self._queue_exists(address):
            error = AMQPError(
                condition=b"amqp:not-found",
                description=f"The messaging entity '{address}' could not be found.",
                info=None,
            )
        link = _Link(name, handle, role, address)
        session.links[handle] = link
        self._send(
            session.channel,
            AttachFrame(
                name=name,
                handle=handle,
                role=not role,
                send_settle_mode=fields[3],
                rcv_settle_mode=fields[4],
                source=source,
                # As Service Bus does: an unknown entity gets a null terminus, then a detach.
                target=None if error is not None else target,
                unsettled=None,
                incomplete_unsettled=False,
                initial_delivery_count=None if peer_sends else 0,
                max_message_size=MAX_MESSAGE_SIZE,
                offered_capabilities=None,
                desired_capabilities=None,
                properties=None,
            ),
        )
        if error is not None:
            session.links.pop(handle, None)
            self._send(session.channel, DetachFrame(handle=handle, closed=True, error=error))
        elif peer_sends:
            self._send(session.channel, self._flow(session, link))

    def _queue_exists(self, address: str | None) -> bool:
        return self.broker.has_queue(entity_of(address))

    def _flow(self, session: _Session, link: _Link) -> FlowFrame:
        return FlowFrame(
            next_incoming_id=session.next_incoming_id,
            incoming_window=65536,
            next_outgoing_id=session.next_outgoing_id,
            outgoing_window=65536,
            handle=link.handle,
            delivery_count=link.delivery_count,
            link_credit=LINK_CREDIT,
            available=None,
            drain=False,
            echo=False,
            properties=None,
        )

    def _on_transfer(self, session: _Session, fields: list[Any]) -> None:
        handle, delivery_id, message_format, settled, more = (
            fields[0],
            fields[1],
            fields[3],
            fields[4],
            fields[5],
        )
        payload: memoryview = fields[-1]
        session.next_incoming_id += 1
        link = session.links.get(handle)
        if link is None:
            raise ProtocolError(f"transfer on unattached handle {handle}")
        if link.partial_delivery is None:
            link.partial_delivery = (delivery_id, message_format or 0)
        link.partial += payload
        if more:
            return
        delivery_id, message_format = link.partial_delivery
        body, link.partial, link.partial_delivery = bytes(link.partial), bytearray(), None
        link.delivery_count += 1
        if link.delivery_count % (LINK_CREDIT // 2) == 0:
            self._send(session.channel, self._flow(session, link))
        state = self._deliver(session, link, message_format, body)
        if not settled:
            self._send(
                session.channel,
                DispositionFrame(
                    role=ROLE_RECEIVER,
                    first=delivery_id,
                    last=delivery_id,
                    settled=True,
                    state=state,
                    batchable=None,
                ),
            )

    def _deliver(self, session: _Session, link: _Link, message_format: int, body: bytes) -> Any:
        try:
            messages = unbatch(message_format, body)
            if link.address == CBS_NODE:
                self._answer_cbs(session, messages[0])
                return Accepted()
            queue = entity_of(link.address)
            for message in messages:
                accepted = self.broker.send(queue, to_outgoing(message))
                log.debug(
                    "%s %s on %s",
                    "enqueued" if accepted else "duplicate dropped",
                    _text((message.properties or Properties()).message_id),
                    queue,
                )
            return Accepted()
        except (BrokerError, ValueError, IndexError) as exc:
            return Rejected(
                error=AMQPError(condition=b"amqp:invalid-field", description=str(exc), info=None)
            )

    def _answer_cbs(self, session: _Session, request: Message) -> None:
        """Accept any put-token: the sandbox authenticates nobody, like the official emulator
        with its well-known key."""
        properties = request.properties or Properties()
        reply_link = next(
            (
                link
                for link in session.links.values()
                if link.role == ROLE_RECEIVER and link.address == CBS_NODE
            ),
            None,
        )
        if reply_link is None:
            return
        reply = Message(
            properties=Properties(correlation_id=properties.message_id),  # type: ignore[arg-type]
            application_properties={b"status-code": 202, b"status-description": b"Accepted"},
        )
        output = bytearray()
        _encode.encode_payload(output, reply)
        delivery_id = session.next_outgoing_id
        session.next_outgoing_id += 1
        reply_link.delivery_count += 1
        self._send(
            session.channel,
            TransferFrame(
                handle=reply_link.handle,
                delivery_id=delivery_id,
                delivery_tag=struct.pack(">I", delivery_id),
                message_format=0,
                settled=True,
                more=False,
                payload=bytes(output),
            ),
        )


class AmqpBrokerServer:
    """Listens on loopback and serves each AMQP connection on a thread of its own."""

    def __init__(self, broker: Broker, host: str = "127.0.0.1", port: int = 0) -> None:
        self.broker = broker
        self._bind = (host, port)
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.server_id = f"byoc-sandbox-servicebus-{uuid.uuid4().hex[:8]}"

    @property
    def port(self) -> int:
        assert self._listener is not None, "server not started"
        port: int = self._listener.getsockname()[1]
        return port

    @property
    def connection_string(self) -> str:
        """What the SDK takes: the official emulator's format with our port."""
        return (
            f"Endpoint=sb://127.0.0.1:{self.port};SharedAccessKeyName=RootManageSharedAccessKey;"
            "SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;"
        )

    def start(self) -> AmqpBrokerServer:
        listener = socket.create_server(self._bind)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, name="sb-amqp-accept", daemon=True)
        self._thread.start()
        return self

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._connections.add(sock)
            threading.Thread(
                target=self._serve, args=(sock,), name="sb-amqp-conn", daemon=True
            ).start()

    def _serve(self, sock: socket.socket) -> None:
        try:
            _Connection(sock, self.broker, self.server_id).serve()
        finally:
            with self._lock:
                self._connections.discard(sock)

    def stop(self) -> None:
        if self._listener is not None:
            # shutdown wakes the thread blocked in accept(); close alone does not
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        with self._lock:
            for sock in list(self._connections):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> AmqpBrokerServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["AmqpBrokerServer", "to_outgoing", "unbatch"]
