"""``make serve``: the built site (``make site``) over HTTP on 127.0.0.1 only, so that nothing else on
the network reaches it. A page of the site must come from a server, not from file:// (its engine is a
module worker that fetches the site's files).

    python tools/serve_site.py build/site [PORT]      (PORT: 8000 when not given)

Text and WebAssembly go out gzip-compressed when the browser accepts it, as static hosts send them
(GitHub Pages among them): Pyodide's 9.6 MB of WebAssembly travel as 3.6 MB. Each file is compressed once
per change and kept in memory (the site's files only: bounded by the site's size).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import os
import sys
import threading
from pathlib import Path
from typing import ClassVar

COMPRESSED = {".wasm", ".mjs", ".js", ".json", ".html", ".css", ".svg", ".txt", ".ico"}  # not .zip, .whl, .png


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """The site's folder over HTTP: the right types for modules and WebAssembly, and text and WebAssembly
    gzip-compressed for a browser that says ``Accept-Encoding: gzip``."""

    extensions_map: ClassVar[dict[str, str]] = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript"}  # fmt: skip
    _gzipped: ClassVar[dict[tuple[str, int, int], bytes]] = {}  # (path, mtime, size) -> the compressed body
    _lock = threading.Lock()

    def send_head(self):
        path = self.translate_path(self.path)
        if (Path(path).suffix not in COMPRESSED or not os.path.isfile(path)
                or "gzip" not in self.headers.get("Accept-Encoding", "")):  # fmt: skip
            return super().send_head()
        st = os.stat(path)
        body = self._gzip(path, st)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", self.date_time_string(st.st_mtime))
        self.end_headers()
        return io.BytesIO(body)

    @classmethod
    def _gzip(cls, path: str, st: os.stat_result) -> bytes:
        key = (path, st.st_mtime_ns, st.st_size)
        with cls._lock:
            body = cls._gzipped.get(key)
            if body is None:
                for old in [k for k in cls._gzipped if k[0] == path]:
                    del cls._gzipped[old]
                body = cls._gzipped[key] = gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)
        return body


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        raise SystemExit("usage: serve_site.py SITE_DIR [PORT]")
    site = Path(argv[0])
    if not (site / "engine" / "manifest.json").exists():
        print(f"serve: no site in {site}: run `make site` first", file=sys.stderr)
        return 1
    try:
        port = int(argv[1]) if len(argv) > 1 else 8000
        if not 0 <= port <= 65535:
            raise ValueError
    except ValueError:
        print(f"serve: the port must be a number from 0 to 65535, not {argv[1]!r}", file=sys.stderr)
        return 1
    handler = functools.partial(SiteHandler, directory=str(site))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as e:
        print(f"serve: cannot listen on 127.0.0.1:{port} ({e.strerror}): try another port, "
              "e.g. `make serve PORT=8001`", file=sys.stderr)  # fmt: skip
        return 1
    print(f"serving {site} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
    with server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("serve: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
