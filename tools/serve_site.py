"""``make serve``: the built site (``make site``) over HTTP on 127.0.0.1 only, so that nothing else on
the network reaches it. A page of the site must come from a server, not from file:// (its engine is a
module worker that fetches the site's files).

    python tools/serve_site.py build/site [PORT]      (PORT: 8000 when not given)
"""

from __future__ import annotations

import functools
import http.server
import sys
from pathlib import Path


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
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
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
