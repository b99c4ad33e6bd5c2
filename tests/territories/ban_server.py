"""A real HTTP server on loopback that speaks the Base Adresse Nationale's /search/ format."""

import json
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def closed_port_url() -> str:
    """A loopback URL nobody listens on: bind a free port, then release it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def ban_feature(
    *,
    label,
    lon,
    lat,
    score,
    kind,
    citycode,
    postcode,
    city,
    name=None,
    housenumber=None,
    street=None,
):
    """One feature as the BAN's /search/ endpoint returns it (GeoJSON, [longitude, latitude])."""
    properties = {
        "label": label,
        "score": score,
        "id": f"{citycode}_test",
        "name": name or label,
        "postcode": postcode,
        "citycode": citycode,
        "x": 500000.0,
        "y": 6280000.0,
        "city": city,
        "context": "32, Gers, Occitanie",
        "type": kind,
        "importance": 0.6,
    }
    if housenumber:
        properties["housenumber"] = housenumber
    if street:
        properties["street"] = street
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def ban_collection(query, *features):
    return {
        "type": "FeatureCollection",
        "version": "draft",
        "features": list(features),
        "attribution": "BAN",
        "licence": "ETALAB-2.0",
        "query": query,
        "limit": 1,
    }


@dataclass
class BanReply:
    status: int = 200
    body: bytes | dict = field(default_factory=lambda: ban_collection(""))
    delay: float = 0.0
    content_type: str = "application/json; charset=utf-8"


class FakeBan:
    """What the local BAN server answers next, and what it was asked."""

    def __init__(self):
        self.reply = BanReply()
        self.requests: list[dict[str, list[str]]] = []
        self.paths: list[str] = []
        self.url = ""


@contextmanager
def running_fake_ban():
    """Serve on 127.0.0.1, on a free port, from a thread; yields the FakeBan that drives and records it."""
    state = FakeBan()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            state.paths.append(parts.path)
            state.requests.append(parse_qs(parts.query))
            reply = state.reply
            if reply.delay:
                time.sleep(reply.delay)
            body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    # A short poll interval keeps shutdown() (once per test) from waiting half a second.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
