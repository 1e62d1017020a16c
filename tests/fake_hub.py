"""A Hugging Face Hub on 127.0.0.1: the few endpoints huggingface_hub calls to download a repo.

It serves one tiny repo from memory: the revision info, the recursive tree listing
(with each file's git blob id, and the sha256 of LFS files), and the files themselves
under /{repo}/resolve/{revision}/{path}, honouring Range requests so downloads resume.
Tests can cut a file off part-way, take the server down, or serve bytes that do not
match the listing, the failures a real download meets.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class FakeHub:
    repo: str
    files: dict[str, bytes]
    #: paths stored in LFS: listed with their sha256, served with it as the ETag
    lfs: set[str] = field(default_factory=set)
    #: path -> bytes served instead of the listed content (same length: only a checksum tells)
    tampered: dict[str, bytes] = field(default_factory=dict)
    #: path -> how many bytes the next full GET sends before the connection drops
    cut_after: dict[str, int] = field(default_factory=dict)
    #: while True every request is answered 500, as a hub that is down
    down: bool = False
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, Range)

    def __post_init__(self) -> None:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_HEAD(self) -> None:
                hub._handle(self, head=True)

            def do_GET(self) -> None:
                hub._handle(self, head=False)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sha256(self, path: str) -> str:
        return hashlib.sha256(self.files[path]).hexdigest()

    # -- the endpoints -------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        path = unquote(urlsplit(h.path).path)
        self.requests.append((h.command, path, h.headers.get("Range", "")))
        if self.down:
            return self._json(h, {"error": "the hub is down"}, status=500, head=head)
        api = f"/api/models/{self.repo}"
        if path == api or path.startswith(f"{api}/revision/"):
            return self._json(h, {"id": self.repo, "sha": COMMIT,
                                  "siblings": [{"rfilename": p} for p in self.files]}, head=head)
        if path.startswith(f"{api}/tree/"):
            return self._json(h, [self._entry(p) for p in self.files], head=head)
        prefix = f"/{self.repo}/resolve/"
        if path.startswith(prefix):
            _revision, _, name = path[len(prefix):].partition("/")
            if name in self.files:
                return self._file(h, name, head)
        if path.startswith("/api/models/") or path.startswith(prefix):
            return self._json(h, {"error": "Repository not found"}, status=404, head=head,
                              extra={"X-Error-Code": "RepoNotFound"})
        return self._json(h, {"error": "not found"}, status=404, head=head)

    def _entry(self, path: str) -> dict[str, Any]:
        data = self.files[path]
        entry: dict[str, Any] = {"type": "file", "path": path, "size": len(data),
                                 "oid": git_blob_id(data)}
        if path in self.lfs:
            entry["lfs"] = {"oid": self.sha256(path), "size": len(data), "pointerSize": 134}
        return entry

    def _file(self, h: BaseHTTPRequestHandler, name: str, head: bool) -> None:
        data = self.tampered.get(name, self.files[name])
        etag = self.sha256(name) if name in self.lfs else git_blob_id(self.files[name])
        start = 0
        rng = h.headers.get("Range", "")
        if rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[len("bytes="):-1])
        body = data[start:]
        h.send_response(206 if start else 200)
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("Content-Length", str(len(body)))
        h.send_header("ETag", f'"{etag}"')
        h.send_header("X-Repo-Commit", COMMIT)
        if start:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        if name in self.lfs:
            h.send_header("X-Linked-Etag", f'"{etag}"')
            h.send_header("X-Linked-Size", str(len(data)))
        h.end_headers()
        if head:
            return
        cut = self.cut_after.pop(name, None)
        if cut is not None:
            h.wfile.write(body[:cut])
            h.wfile.flush()
            self.down = True  # and the hub stays down until the test brings it back
            h.close_connection = True
            return
        h.wfile.write(body)

    def _json(self, h: BaseHTTPRequestHandler, obj: Any, status: int = 200, head: bool = False,
              extra: dict[str, str] | None = None) -> None:
        body = json.dumps(obj).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.send_header("X-Repo-Commit", COMMIT)
        for k, v in (extra or {}).items():
            h.send_header(k, v)
        h.end_headers()
        if not head:
            h.wfile.write(body)
