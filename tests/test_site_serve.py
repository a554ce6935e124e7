"""``make serve``'s handler (the browser tests' server too): every file as it is on disk, text and
WebAssembly gzip-compressed for a browser that accepts it, with the types a module worker needs."""

from __future__ import annotations

import gzip
import urllib.request

import pytest
from site_browser import SiteServer, site_missing

pytestmark = pytest.mark.skipif(bool(site_missing()), reason=site_missing() or "")


def fetch(url: str, gzip_ok: bool):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.headers, answer.read()  # (headers: case-insensitive)


@pytest.fixture(scope="module")
def server():
    from site_browser import SITE

    s = SiteServer(SITE)
    yield s
    s.close()


@pytest.mark.parametrize(("path", "kind", "compressed"), [
    ("vendor/pyodide/pyodide.asm.wasm", "application/wasm", True),
    ("engine/engine.js", "text/javascript", True),
    ("index.html", "text/html", True),
    ("vendor/pyodide/python_stdlib.zip", "application/zip", False),
])  # fmt: skip
def test_each_file_arrives_as_it_is_on_disk(server, path, kind, compressed):
    from site_browser import SITE

    on_disk = (SITE / path).read_bytes()
    headers, body = fetch(server.url + path, gzip_ok=True)
    assert headers["Content-Type"].startswith(kind)
    assert (headers.get("Content-Encoding") == "gzip") is compressed
    assert (gzip.decompress(body) if compressed else body) == on_disk
    if compressed and len(on_disk) > 100_000:
        assert len(body) < 0.6 * len(on_disk)  # what a first visit saves
    plain_headers, plain = fetch(server.url + path, gzip_ok=False)  # a client without gzip gets the file
    assert plain_headers.get("Content-Encoding") is None and plain == on_disk
