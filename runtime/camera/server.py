"""The live view's HTTP server: a page, an MJPEG stream, the readings as JSON and as events.

Standard library only (`http.server.ThreadingHTTPServer`, one thread per client), which suits a
Raspberry Pi. Every endpoint reads the shared `runtime.camera.live.LiveFeed`:

- `/`              the page: live annotated stream, the numbers read, FPS and camera state;
- `/stream.mjpg`   `multipart/x-mixed-replace` JPEGs of the annotated view, each encoded once
                   for all viewers; a slow viewer gets the newest frame when it is ready again;
- `/snapshot.jpg`  the newest annotated frame;
- `/readings.json` the newest reading, exactly the line `--headless` prints (503 before the
                   first frame);
- `/events`        the same lines as Server-Sent Events, plus `event: state` messages
                   (`{"camera": "connected"}`, "reconnecting", ...).

A viewer that stops reading is dropped after `stalled_client_timeout_s`; `close()` ends every
open response and stops the server within a fraction of a second.

Usage: server = LiveServer(feed, ServeOptions(host="0.0.0.0", port=8000)).start(); ...; server.close()
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from runtime.camera.live import LiveFeed

DEFAULT_HOST = "127.0.0.1"
"""Where `--serve PORT` listens: this machine only, until the user opts in with 0.0.0.0."""

_BOUNDARY = "edgedigitsframe"
_WAIT_STEP_S = 0.5  # how often a waiting response looks whether the server is closing
_EVENTS_KEEPALIVE_S = 10.0  # an SSE comment this often finds clients that went away
_POLL_INTERVAL_S = 0.1  # serve_forever's shutdown check: close() returns within it


@dataclass
class ServeOptions:
    """Where the live view listens and how it treats viewers."""

    host: str = DEFAULT_HOST  # 0.0.0.0: every network interface (reach it from another machine)
    port: int = 8000  # 0: any free port (tests)
    stalled_client_timeout_s: float = 10.0  # a viewer whose socket takes nothing this long is dropped


def parse_address(text: str) -> tuple[str, int]:
    """`--serve [HOST:]PORT` as (host, port); an argparse type."""
    host, _, port_text = text.strip().rpartition(":")
    host = host.strip("[]") or DEFAULT_HOST
    try:
        port = int(port_text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--serve {text!r}: expected [HOST:]PORT, e.g. 8000 or 0.0.0.0:8000") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"--serve {text!r}: port must be 0..65535")
    return host, port


class LiveServer:
    """The HTTP server on its own thread; binding happens in the constructor (OSError if taken)."""

    def __init__(self, feed: LiveFeed, options: ServeOptions | None = None) -> None:
        self.feed = feed
        self.options = options or ServeOptions()
        self._httpd = _Server((self.options.host, self.options.port), _Handler, feed, self.options)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        host = self.options.host
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        return f"http://{shown}:{self.port}/"

    def start(self) -> LiveServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": _POLL_INTERVAL_S},
                                        name="live-server", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop accepting, end every open response (streams included), release the port."""
        self.feed.close()  # waiting responses wake up and return
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=1.0)
        self._httpd.close_connections()  # responses blocked on a viewer that reads nothing
        self._httpd.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client thread never keeps the process alive
    block_on_close = False  # close_connections() ends them; do not wait on each
    allow_reuse_address = True  # restart on the same port at once after Ctrl+C

    def __init__(self, address, handler, feed: LiveFeed, options: ServeOptions) -> None:
        self.feed = feed
        self.options = options
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._part: tuple[int, bytes] = (0, b"")  # the newest frame as a multipart part
        self._part_lock = threading.Lock()
        super().__init__(address, handler)

    def multipart(self, seq: int, jpeg: bytes) -> bytes:
        """Frame `seq` framed as one part of the MJPEG stream, built once for every viewer."""
        with self._part_lock:
            if self._part[0] != seq:
                header = (f"--{_BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                          f"Content-Length: {len(jpeg)}\r\n\r\n").encode()
                self._part = (seq, header + jpeg + b"\r\n")
            return self._part[1]

    def process_request(self, request, client_address) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by the client


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "edgedigits-camera"

    def setup(self) -> None:
        self.timeout = self.server.options.stalled_client_timeout_s
        super().setup()

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass  # one line per request would bury the camera's own messages

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        route = self.path.split("?", 1)[0]
        handlers = {"/": self._page, "/index.html": self._page, "/stream.mjpg": self._stream,
                    "/snapshot.jpg": self._snapshot, "/readings.json": self._readings,
                    "/events": self._events}
        handler = handlers.get(route)
        try:
            if handler is None:
                self._send(404, "text/plain; charset=utf-8",
                           f"not found: {route}; try / or {', '.join(sorted(handlers)[1:])}\n"
                           .encode())
            else:
                handler()
        except OSError:
            pass  # the viewer went away, stalled past the timeout, or the server is closing

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _page(self) -> None:
        page = resources.files("runtime.camera").joinpath("page.html").read_bytes()
        self._send(200, "text/html; charset=utf-8", page)

    def _readings(self) -> None:
        line = self.server.feed.latest_line
        if line is None:
            self._send(503, "application/json",
                       json.dumps({"error": "no frame read yet; try again in a moment"}).encode())
            return
        self._send(200, "application/json", line.encode())

    def _snapshot(self) -> None:
        jpeg = self.server.feed.snapshot_jpeg()
        if jpeg is None:
            self._send(503, "text/plain; charset=utf-8", b"no frame read yet\n")
            return
        self._send(200, "image/jpeg", jpeg)

    def _start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()

    def _stream(self) -> None:
        feed = self.server.feed
        self._start_stream(f"multipart/x-mixed-replace; boundary={_BOUNDARY}")
        seq = 0
        with feed.watching():
            while not feed.closed:
                newest = feed.next_jpeg(seq, _WAIT_STEP_S)
                if newest is None:
                    continue
                seq, jpeg = newest
                self.wfile.write(self.server.multipart(seq, jpeg))

    def _events(self) -> None:
        feed = self.server.feed
        self._start_stream("text/event-stream")
        line_seq = state_seq = 0
        waited_s = 0.0
        while not feed.closed:
            update = feed.next_update(line_seq, state_seq, _WAIT_STEP_S)
            if update is None:
                waited_s += _WAIT_STEP_S
                if waited_s >= _EVENTS_KEEPALIVE_S:
                    self.wfile.write(b": keepalive\n\n")
                    waited_s = 0.0
                continue
            waited_s = 0.0
            message = b""
            if update.state_seq > state_seq:
                message += f"event: state\ndata: {json.dumps({'camera': update.state})}\n\n".encode()
            if update.line_seq > line_seq and update.line is not None:
                message += f"data: {update.line}\n\n".encode()
            line_seq, state_seq = update.line_seq, update.state_seq
            if message:
                self.wfile.write(message)
