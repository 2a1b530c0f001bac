"""How the app is served: uvicorn's limits for slow or greedy clients, and a deadline for receiving a request.

uvicorn (0.55) times out idle keep-alive connections but not a request that arrives slowly: a client that sends
half the headers, or a body one byte at a time, holds its connection forever. :func:`guarded_h11` makes an h11
protocol class with a deadline: from the moment a connection opens (or the next request's first byte arrives on a
kept-alive one) the whole request, headers and body, must arrive within ``timeout`` seconds; otherwise the server
answers ``408`` (when the headers never completed) and closes the connection.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("mlnotes")

REQUEST_READ_TIMEOUT_S = 15.0  # the whole request (headers and a body of up to 1 MB) must arrive within this
KEEP_ALIVE_S = 5  # an idle kept-alive connection is closed after this
MAX_HEADER_BYTES = 64 * 1024  # h11's limit on an incomplete event (the request line and headers)

_408_BODY = b'{"error": "the request did not arrive in time; send it whole, at once"}'
_408 = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
        b"content-length: " + str(len(_408_BODY)).encode() + b"\r\n\r\n" + _408_BODY)


def guarded_h11(timeout: float = REQUEST_READ_TIMEOUT_S) -> type[H11Protocol]:
    class GuardedH11(H11Protocol):
        read_timeout = timeout
        _read_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._request_in_flight():
                self._disarm()
            elif self._receiving():
                self._arm()

        def handle_websocket_upgrade(self, event) -> None:  # the connection leaves HTTP: no deadline any more
            self._disarm()
            super().handle_websocket_upgrade(event)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        # -- state
        def _request_in_flight(self) -> bool:
            """A request fully received (headers and body) and not yet answered."""
            c = self.cycle
            return c is not None and not c.response_complete and not c.more_body

        def _receiving(self) -> bool:
            c = self.cycle
            if c is not None and not c.response_complete:
                return c.more_body  # headers in, body still arriving
            return bool(self.conn.trailing_data[0])  # part of the next request's head is buffered

        def _arm(self) -> None:
            if self._read_timer is None:
                self._read_timer = self.loop.call_later(self.read_timeout, self._expired)

        def _disarm(self) -> None:
            if self._read_timer is not None:
                self._read_timer.cancel()
                self._read_timer = None

        def _expired(self) -> None:
            self._read_timer = None
            if self._request_in_flight() or self.transport.is_closing():
                return
            c = self.cycle
            idle = (c is None or c.response_complete) and not self.conn.trailing_data[0]
            if idle and c is not None:  # between requests: keep-alive's own timeout applies
                return
            log.warning("closing a connection from %s: the request did not arrive within %.0f s",
                        self.client, self.read_timeout)
            if c is None or c.response_complete:  # no response started on this connection: say why
                self.transport.write(_408)
            self.transport.close()

    return GuardedH11


def server_limits(read_timeout: float = REQUEST_READ_TIMEOUT_S) -> dict[str, Any]:
    """uvicorn.Config keyword arguments: the guarded protocol and the limits above."""
    return {"http": guarded_h11(read_timeout), "timeout_keep_alive": KEEP_ALIVE_S,
            "h11_max_incomplete_event_size": MAX_HEADER_BYTES}
