"""A small Hugging Face Hub emulator on loopback, for testing the real ``huggingface_hub`` client.

It answers the endpoints that ``HfApi.create_repo``, ``repo_info``, ``list_repo_files`` /
``list_repo_tree``, ``create_commit``, ``hf_hub_download`` and ``snapshot_download``
(huggingface_hub 0.36) call, with the payloads and headers those functions parse:

- ``POST /api/repos/create``: body ``{name, organization, private, type}``; 409 with a
  ``url`` when the repo exists. A new repo gets an initial commit holding ``.gitattributes``
  (LFS patterns), as on the Hub.
- ``GET /api/{type}s/{repo}`` and ``.../revision/{rev}``: repo info (``id``, ``sha``,
  ``private``, ``siblings``). ``blobs=true`` (``files_metadata=True``) adds ``size``,
  ``blobId`` and ``lfs`` to each sibling; ``expand=...`` keeps only the named properties
  (plus ``id`` and ``_id``).
- ``GET /api/{type}s/{repo}/tree/{rev}[/{path}]``: ``recursive`` listing, paged with a
  GitHub-style ``Link: <...>; rel="next"`` header (``page_size`` entries a page).
- ``POST /api/validate-yaml``: parses the README front matter.
- ``POST /api/{type}s/{repo}/preupload/{rev}``: ``uploadMode`` per file (``lfs`` when the
  path matches an LFS pattern of ``.gitattributes``, the sample holds a NUL byte or the file
  is 10 MiB or more; else ``regular``), ``shouldIgnore`` and the remote ``oid``.
- ``POST /{prefix}{repo}.git/info/lfs/objects/batch``: the git-LFS batch API. The client
  offers ``xet`` when ``hf_xet`` is installed; this server never picks it and answers
  ``"transfer": "basic"``, so the client takes the classic LFS path (single PUT to a
  pre-signed URL, then ``verify``). Objects already stored get no ``actions``.
- ``PUT /lfs-storage/{oid}?X-Signature=...``: the pre-signed upload (no Authorization, like
  S3); the body must hash to ``oid``.
- ``POST /{prefix}{repo}.git/info/lfs/objects/verify``: checks the stored object.
- ``POST /api/{type}s/{repo}/commit/{rev}``: the NDJSON commit (``header``, ``file`` with
  base64 content, ``lfsFile``, ``deletedFile``, ``deletedFolder``), honouring
  ``parentCommit``.
- ``HEAD`` / ``GET /{prefix}{repo}/resolve/{rev}/{path}`` (``prefix`` is ``datasets/``,
  ``spaces/`` or empty for models): the file at that revision. Every answer carries
  ``X-Repo-Commit`` (the full commit id). A regular file comes back with ``200``, its bytes,
  ``Content-Length`` and ``ETag: "<git blob oid>"``. An LFS file is a ``302`` whose
  ``Location`` is a signed URL on a separate storage server (another port, so the client
  drops ``Authorization`` for it, as for the Hub's CDN), with ``ETag: "<git oid of the
  pointer>"``, ``X-Linked-Etag: "<sha256>"`` and ``X-Linked-Size``. ``Range: bytes=a-b``
  gets a ``206``. Errors are ``404`` with ``X-Error-Code`` ``RepoNotFound`` (unknown repo,
  or private without the token), ``RevisionNotFound`` or ``EntryNotFound`` (the latter
  with ``X-Repo-Commit``, which the client uses to cache the file's absence).
- ``HEAD`` / ``GET /lfs-storage/{oid}?X-Signature=...`` on the storage server
  (``FakeHub.storage_endpoint``): the LFS object. Like S3 with a pre-signed URL, it refuses
  a request that also sends ``Authorization`` (400) or a bad signature (403).

Every request is recorded (method, path, whether it was authenticated: never the token).
Only ``main`` is a branch; commit ids (full, or abbreviated to 7 characters or more) are
accepted as revisions for reads. Not emulated: Xet storage (no ``X-Xet-Hash`` is ever sent,
so downloads take the plain HTTP path too), multipart LFS uploads, pull requests, copies,
tags, branches other than ``main``.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import yaml

DEFAULT_GITATTRIBUTES = "# Files stored with git-LFS (emulated Hub default)\n" + "".join(
    f"{pattern} filter=lfs diff=lfs merge=lfs -text\n"
    for pattern in (
        "*.7z",
        "*.arrow",
        "*.bin",
        "*.bz2",
        "*.ckpt",
        "*.gz",
        "*.h5",
        "*.jpg",
        "*.jpeg",
        "*.msgpack",
        "*.npy",
        "*.npz",
        "*.onnx",
        "*.parquet",
        "*.pickle",
        "*.pkl",
        "*.png",
        "*.pt",
        "*.pth",
        "*.safetensors",
        "*.tar",
        "*.tflite",
        "*.wav",
        "*.zip",
        "*.zst",
    )
)
LFS_SIZE_THRESHOLD = 10 * 1024 * 1024
REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
DEFAULT_USER = "hub-test-user"
HUB_TOKEN = "hf_TestTokenNeverPrinted0123456789abcdef"  # the tests' token (conftest's `hub`)

_API_REPO = re.compile(
    r"^/api/(?P<type>models|datasets|spaces)/(?P<repo>[^/]+/[^/]+)(?P<rest>/.*)?$"
)
_LFS = re.compile(
    r"^/(?:(?P<prefix>datasets|spaces)/)?(?P<repo>[^/]+/[^/]+)\.git/info/lfs/objects/"
    r"(?P<action>batch|verify)$"
)
_STORAGE = re.compile(r"^/lfs-storage/(?P<oid>[0-9a-f]{64})$")
_RESOLVE = re.compile(
    r"^/(?!api/)(?:(?P<prefix>datasets|spaces)/)?(?P<repo>[^/]+/[^/]+)/resolve/"
    r"(?P<rev>[^/]+)/(?P<path>.+)$"
)
_RANGE = re.compile(r"^bytes=(?P<start>\d*)-(?P<end>\d*)$")
_OID = re.compile(r"^[0-9a-f]{64}$")


def git_blob_oid(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    text = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n"
    return text.encode()


@dataclass(frozen=True)
class StoredFile:
    content: bytes
    lfs: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def git_oid(self) -> str:
        """The git blob id: of the content, or of the LFS pointer for LFS files."""
        if self.lfs:
            return git_blob_oid(lfs_pointer(self.sha256, len(self.content)))
        return git_blob_oid(self.content)

    @property
    def preupload_oid(self) -> str:
        """What the client compares with its local oid: sha256 for LFS, git sha1 otherwise."""
        return self.sha256 if self.lfs else git_blob_oid(self.content)


@dataclass(frozen=True)
class Commit:
    oid: str
    parent: str | None
    summary: str
    description: str
    files: dict[str, StoredFile]
    date: str


@dataclass
class Repo:
    repo_id: str
    repo_type: str
    private: bool
    created_at: str
    commits: list[Commit] = field(default_factory=list)

    @property
    def head(self) -> Commit:
        return self.commits[-1]

    def resolve(self, revision: str) -> Commit | None:
        if revision == "main":
            return self.head
        for c in self.commits:
            if len(revision) >= 7 and c.oid.startswith(revision):
                return c
        return None

    def lfs_patterns(self) -> list[str]:
        ga = self.head.files.get(".gitattributes")
        if ga is None:
            return []
        patterns = []
        for line in ga.content.decode("utf-8", "replace").splitlines():
            parts = line.split()
            if len(parts) >= 2 and not parts[0].startswith("#") and "filter=lfs" in parts[1:]:
                patterns.append(parts[0])
        return patterns


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    authenticated: bool
    json_body: Any = None


class HubError(Exception):
    """An error answer: status, ``{"error": message, **extra}``, X-Error-Code/-Message headers."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code
        self.extra = extra or {}
        self.headers = headers or {}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _valid_path(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and all(p not in ("", ".", "..") for p in parts)


class HubState:
    """Repos, the LFS object store and the request log, shared by the handler threads."""

    def __init__(
        self, token: str, endpoint: str, page_size: int, storage_endpoint: str | None = None
    ) -> None:
        self.token = token
        self.endpoint = endpoint
        self.storage_endpoint = storage_endpoint or endpoint
        self.page_size = page_size
        self.storage_secret = secrets.token_bytes(32)
        self.lock = threading.RLock()
        self.repos: dict[tuple[str, str], Repo] = {}
        self.lfs_store: dict[str, bytes] = {}
        self.upload_grants: dict[str, tuple[str, int]] = {}  # oid -> (signature, size)
        self.requests: list[RecordedRequest] = []
        self.lfs_transfers_offered: list[list[str]] = []
        self._counter = itertools.count(1)

    # -- repos and commits ---------------------------------------------------------------
    def new_commit(
        self,
        repo: Repo,
        summary: str,
        description: str,
        files: dict[str, StoredFile],
    ) -> Commit:
        parent = repo.commits[-1].oid if repo.commits else None
        seed = json.dumps(
            [parent, summary, sorted((p, f.git_oid) for p, f in files.items()), next(self._counter)]
        )
        commit = Commit(
            oid=hashlib.sha1(seed.encode()).hexdigest(),
            parent=parent,
            summary=summary,
            description=description,
            files=dict(files),
            date=_now(),
        )
        repo.commits.append(commit)
        return commit

    def create_repo(self, repo_id: str, repo_type: str, private: bool) -> Repo:
        repo = Repo(repo_id=repo_id, repo_type=repo_type, private=private, created_at=_now())
        gitattributes = StoredFile(DEFAULT_GITATTRIBUTES.encode(), lfs=False)
        self.new_commit(repo, "initial commit", "", {".gitattributes": gitattributes})
        self.repos[(repo_type, repo_id)] = repo
        return repo

    def repo_url(self, repo: Repo) -> str:
        return f"{self.endpoint}/{URL_PREFIX[repo.repo_type]}{repo.repo_id}"

    # -- LFS downloads -------------------------------------------------------------------
    def download_signature(self, oid: str) -> str:
        return hmac.new(self.storage_secret, f"GET {oid}".encode(), hashlib.sha256).hexdigest()

    def download_url(self, oid: str) -> str:
        """The pre-signed storage URL a ``resolve`` of an LFS file redirects to."""
        signature = self.download_signature(oid)
        return f"{self.storage_endpoint}/lfs-storage/{oid}?X-Signature={signature}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeHub/0.1"
    timeout = 30  # idle keep-alive connections are closed after this many seconds
    # headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every answer on a keep-alive connection
    disable_nagle_algorithm = True

    @property
    def state(self) -> HubState:
        return self.server.state  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the default stderr access log (the state keeps a request log)."""

    # -- plumbing ----------------------------------------------------------------------------
    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            for _ in range(1_000_000):
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _authenticated(self) -> bool | None:
        """True for the right token, False for a wrong one, None when there is none."""
        auth = self.headers.get("Authorization")
        if not auth:
            return None
        return secrets.compare_digest(auth, f"Bearer {self.state.token}")

    def _send(
        self, status: int, payload: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        """Answer ``payload`` as JSON, or as is when it is ``bytes`` (file content); a HEAD
        gets the same status and headers (``Content-Length`` included) without the body."""
        headers = dict(headers or {})
        if isinstance(payload, bytes):
            body = payload
            content_type = headers.pop("Content-Type", "application/octet-stream")
        else:
            body = b"" if payload is None else json.dumps(payload).encode()
            content_type = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        body = self._body()
        auth = self._authenticated()
        json_body: Any = None
        if (
            body
            and "json" in self.headers.get("Content-Type", "")
            and "ndjson" not in (self.headers.get("Content-Type", ""))
        ):
            try:
                json_body = json.loads(body)
            except ValueError:
                json_body = None
        with self.state.lock:
            self.state.requests.append(
                RecordedRequest(method, url.path, query, auth is True, json_body)
            )
        try:
            with self.state.lock:
                status, payload, headers = self._route(
                    method, url.path, query, body, json_body, auth
                )
        except HubError as err:
            headers = {"X-Error-Message": err.message, **err.headers}
            if err.code:
                headers["X-Error-Code"] = err.code
            self._send(err.status, {"error": err.message, **err.extra}, headers)
            return
        self._send(status, payload, headers)

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    # -- routing -----------------------------------------------------------------------------
    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: bytes,
        json_body: Any,
        auth: bool | None,
    ) -> tuple[int, Any, dict[str, str]]:
        if self.server.storage_only:  # type: ignore[attr-defined]
            return self._storage_route(method, path, query)
        if auth is False:
            raise HubError(401, "Invalid credentials in Authorization header")
        if (m := _STORAGE.match(path)) and method == "PUT":
            return self._storage_put(m["oid"], query, body)
        if path == "/api/repos/create" and method == "POST":
            return self._create(json_body, auth)
        if path == "/api/validate-yaml" and method == "POST":
            return self._validate_yaml(json_body)
        if m := _LFS.match(path):
            repo_type = {"datasets": "dataset", "spaces": "space"}.get(m["prefix"] or "", "model")
            repo = self._repo(repo_type, m["repo"], auth, write=True)
            if m["action"] == "batch" and method == "POST":
                return self._lfs_batch(repo, json_body)
            if m["action"] == "verify" and method == "POST":
                return self._lfs_verify(json_body)
        if (m := _RESOLVE.match(path)) and method in ("GET", "HEAD"):
            repo_type = {"datasets": "dataset", "spaces": "space"}.get(m["prefix"] or "", "model")
            repo = self._repo(repo_type, m["repo"], auth)
            return self._resolve(repo, unquote(m["rev"]), unquote(m["path"]))
        if m := _API_REPO.match(path):
            repo_type = REPO_TYPES[m["type"]]
            segments = [unquote(s) for s in (m["rest"] or "").split("/")[1:]]
            if method == "GET" and segments in ([], [""]):
                repo = self._repo(repo_type, m["repo"], auth)
                return self._info(repo, "main", query)
            if method == "GET" and len(segments) == 2 and segments[0] == "revision":
                return self._info(self._repo(repo_type, m["repo"], auth), segments[1], query)
            if method == "GET" and len(segments) >= 2 and segments[0] == "tree":
                repo = self._repo(repo_type, m["repo"], auth)
                return self._tree(repo, segments[1], "/".join(segments[2:]), query, path)
            if method == "POST" and len(segments) == 2 and segments[0] == "preupload":
                repo = self._repo(repo_type, m["repo"], auth, write=True)
                return self._preupload(repo, segments[1], json_body)
            if method == "POST" and len(segments) == 2 and segments[0] == "commit":
                repo = self._repo(repo_type, m["repo"], auth, write=True)
                if query.get("create_pr"):
                    raise HubError(400, "pull requests are not emulated")
                return self._commit(repo, segments[1], body)
        raise HubError(404, f"no route for {method} {path}")

    def _repo(self, repo_type: str, repo_id: str, auth: bool | None, write: bool = False) -> Repo:
        repo = self.state.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not auth):
            raise HubError(404, "Repository not found", "RepoNotFound")
        if write and not auth:
            raise HubError(401, "You must be authenticated to write to a repository")
        return repo

    # -- endpoints ---------------------------------------------------------------------------
    def _create(self, body: Any, auth: bool | None) -> tuple[int, Any, dict[str, str]]:
        if not auth:
            raise HubError(401, "You must be authenticated to create a repository")
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise HubError(400, "expected a JSON body with a name")
        repo_type = body.get("type") or "model"
        if repo_type not in URL_PREFIX:
            raise HubError(400, f"invalid repo type {repo_type!r}")
        repo_id = f"{body.get('organization') or DEFAULT_USER}/{body['name']}"
        existing = self.state.repos.get((repo_type, repo_id))
        if existing is not None:
            raise HubError(
                409, "You already created this repo", extra={"url": self.state.repo_url(existing)}
            )
        repo = self.state.create_repo(repo_id, repo_type, bool(body.get("private")))
        return 200, {"url": self.state.repo_url(repo), "name": repo_id, "id": repo_id}, {}

    def _validate_yaml(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        content = body.get("content", "") if isinstance(body, dict) else ""
        match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", content, re.DOTALL)
        errors: list[dict[str, str]] = []
        if match:
            try:
                meta = yaml.safe_load(match.group(1))
                if meta is not None and not isinstance(meta, dict):
                    errors.append({"message": "metadata must be a mapping"})
            except yaml.YAMLError as exc:
                errors.append({"message": f"invalid YAML: {exc}"})
        if errors:
            return 400, {"errors": errors, "warnings": []}, {}
        warnings = [] if match else [{"message": "empty or missing yaml metadata"}]
        return 200, {"errors": [], "warnings": warnings}, {}

    def _info(
        self, repo: Repo, revision: str, query: dict[str, list[str]]
    ) -> tuple[int, Any, dict[str, str]]:
        commit = repo.resolve(revision)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        blobs = query.get("blobs", ["false"])[0].lower() in ("true", "1")
        siblings: list[dict[str, Any]] = []
        for p in sorted(commit.files):
            sibling: dict[str, Any] = {"rfilename": p}
            f = commit.files[p]
            if blobs:
                sibling["blobId"], sibling["size"] = f.git_oid, len(f.content)
                if f.lfs:
                    pointer = lfs_pointer(f.sha256, len(f.content))
                    sibling["lfs"] = {
                        "sha256": f.sha256,
                        "size": len(f.content),
                        "pointerSize": len(pointer),
                    }
            siblings.append(sibling)
        payload = {
            "_id": hashlib.sha1(f"{repo.repo_type}/{repo.repo_id}".encode()).hexdigest()[:24],
            "id": repo.repo_id,
            "author": repo.repo_id.split("/")[0],
            "sha": commit.oid,
            "private": repo.private,
            "gated": False,
            "disabled": False,
            "createdAt": repo.created_at,
            "lastModified": commit.date,
            "tags": [],
            "downloads": 0,
            "likes": 0,
            "siblings": siblings,
        }
        expand = query.get("expand")
        if expand:
            if blobs:
                raise HubError(400, "expand cannot be combined with blobs")
            wanted = {"_id", "id", *expand}
            payload = {k: v for k, v in payload.items() if k in wanted}
        return 200, payload, {}

    def _resolve(self, repo: Repo, revision: str, path: str) -> tuple[int, Any, dict[str, str]]:
        """``/resolve/{rev}/{path}``: the bytes of a regular file, a redirect for an LFS one."""
        commit = repo.resolve(revision)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        f = commit.files.get(path)
        if f is None:
            raise HubError(
                404, "Entry not found", "EntryNotFound", headers={"X-Repo-Commit": commit.oid}
            )
        headers = {"X-Repo-Commit": commit.oid, "ETag": f'"{f.git_oid}"'}
        if f.lfs:
            headers["X-Linked-Etag"] = f'"{f.sha256}"'
            headers["X-Linked-Size"] = str(len(f.content))
            headers["Location"] = self.state.download_url(f.sha256)
            return 302, b"", headers
        return self._content(f.content, headers)

    def _content(self, content: bytes, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        """A file body, honouring a single ``Range: bytes=a-b`` (what a resumed download sends)."""
        headers = {**headers, "Accept-Ranges": "bytes"}
        m = _RANGE.match((self.headers.get("Range") or "").strip())
        if m is None or not (m["start"] or m["end"]):
            return 200, content, headers  # no (or an unparsable) Range: the whole file
        size = len(content)
        if m["start"]:
            start = int(m["start"])
            end = min(int(m["end"]), size - 1) if m["end"] else size - 1
        else:  # suffix range: the last N bytes
            start, end = max(0, size - int(m["end"])), size - 1
        if start >= size or start > end:
            raise HubError(
                416, "Requested range not satisfiable", headers={"Content-Range": f"bytes */{size}"}
            )
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        return 206, content[start : end + 1], headers

    def _storage_route(
        self, method: str, path: str, query: dict[str, list[str]]
    ) -> tuple[int, Any, dict[str, str]]:
        """The storage server (the Hub's CDN / S3): only pre-signed LFS object downloads."""
        m = _STORAGE.match(path)
        if m is None or method not in ("GET", "HEAD"):
            raise HubError(404, f"no route for {method} {path}")
        if self.headers.get("Authorization"):
            raise HubError(400, "Only one auth mechanism allowed")
        oid = m["oid"]
        signature = query.get("X-Signature", [""])[0]
        if not secrets.compare_digest(signature, self.state.download_signature(oid)):
            raise HubError(403, "signature does not match")
        content = self.state.lfs_store.get(oid)
        if content is None:
            raise HubError(404, f"LFS object {oid} not found")
        return self._content(content, {"ETag": f'"{hashlib.md5(content).hexdigest()}"'})

    def _tree(
        self, repo: Repo, revision: str, prefix: str, query: dict[str, list[str]], path: str
    ) -> tuple[int, Any, dict[str, str]]:
        commit = repo.resolve(revision)
        if commit is None:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        recursive = query.get("recursive", ["false"])[0].lower() in ("true", "1")
        base = f"{prefix}/" if prefix else ""
        entries: dict[str, dict[str, Any]] = {}
        for fpath, f in sorted(commit.files.items()):
            if not fpath.startswith(base):
                continue
            rel_parts = fpath[len(base) :].split("/")
            depth = len(rel_parts) if recursive else 1
            for d in range(1, min(depth, len(rel_parts) - 1) + 1):
                folder = base + "/".join(rel_parts[:d])
                entries.setdefault(folder, {"type": "directory", "oid": "0" * 40, "path": folder})
            if recursive or len(rel_parts) == 1:
                entry: dict[str, Any] = {
                    "type": "file",
                    "oid": f.git_oid,
                    "size": len(f.content),
                    "path": fpath,
                }
                if f.lfs:
                    pointer = lfs_pointer(f.sha256, len(f.content))
                    entry["lfs"] = {
                        "oid": f.sha256,
                        "size": len(f.content),
                        "pointerSize": len(pointer),
                    }
                entries[fpath] = entry
        if prefix and not entries:
            raise HubError(404, f"{prefix} does not exist", "EntryNotFound")
        listing = [entries[k] for k in sorted(entries)]
        cursor = int(query.get("cursor", ["0"])[0])
        page = listing[cursor : cursor + self.state.page_size]
        headers = {}
        if cursor + self.state.page_size < len(listing):
            next_query = {k: v[0] for k, v in query.items()}
            next_query["cursor"] = str(cursor + self.state.page_size)
            next_url = f"{self.state.endpoint}{quote(path)}?{urlencode(next_query)}"
            headers["Link"] = f'<{next_url}>; rel="next"'
        return 200, page, headers

    def _preupload(self, repo: Repo, revision: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        if repo.resolve(revision) is None:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        if not isinstance(body, dict) or not isinstance(body.get("files"), list):
            raise HubError(400, "expected {files: [...]}")
        patterns = repo.lfs_patterns()
        head = repo.resolve(revision)
        assert head is not None
        out = []
        for f in body["files"]:
            path, size = f["path"], int(f["size"])
            sample = base64.b64decode(f.get("sample", ""))
            name = path.rsplit("/", 1)[-1]
            lfs = (
                size >= LFS_SIZE_THRESHOLD
                or b"\0" in sample
                or any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) for p in patterns)
            )
            entry: dict[str, Any] = {
                "path": path,
                "uploadMode": "lfs" if lfs else "regular",
                "shouldIgnore": False,
            }
            existing = head.files.get(path)
            if existing is not None:
                entry["oid"] = existing.preupload_oid
            out.append(entry)
        return 200, {"files": out, "commitOid": head.oid}, {}

    def _lfs_batch(self, repo: Repo, body: Any) -> tuple[int, Any, dict[str, str]]:
        if not isinstance(body, dict) or body.get("operation") != "upload":
            raise HubError(400, "only upload batches are emulated")
        if body.get("hash_algo", "sha256") != "sha256":
            raise HubError(400, "only sha256 is supported")
        self.state.lfs_transfers_offered.append(list(body.get("transfers") or ["basic"]))
        prefix = URL_PREFIX[repo.repo_type]
        objects = []
        for obj in body.get("objects", []):
            oid, size = obj.get("oid"), obj.get("size")
            if not isinstance(oid, str) or not _OID.match(oid) or not isinstance(size, int):
                objects.append(
                    {
                        "oid": str(oid),
                        "size": int(size or 0),
                        "error": {"code": 422, "message": "invalid oid or size"},
                    }
                )
                continue
            if oid in self.state.lfs_store:
                objects.append({"oid": oid, "size": size})
                continue
            signature = secrets.token_hex(16)
            self.state.upload_grants[oid] = (signature, size)
            upload = f"{self.state.endpoint}/lfs-storage/{oid}?X-Signature={signature}"
            verify = f"{self.state.endpoint}/{prefix}{repo.repo_id}.git/info/lfs/objects/verify"
            objects.append(
                {
                    "oid": oid,
                    "size": size,
                    "authenticated": True,
                    "actions": {"upload": {"href": upload}, "verify": {"href": verify}},
                }
            )
        return 200, {"transfer": "basic", "objects": objects}, {}

    def _storage_put(
        self, oid: str, query: dict[str, list[str]], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        grant = self.state.upload_grants.get(oid)
        if grant is None or query.get("X-Signature", [""])[0] != grant[0]:
            raise HubError(403, "signature does not match")
        if hashlib.sha256(body).hexdigest() != oid or len(body) != grant[1]:
            raise HubError(400, "content does not match the announced oid and size")
        self.state.lfs_store[oid] = body
        del self.state.upload_grants[oid]
        return 200, None, {"ETag": f'"{hashlib.md5(body).hexdigest()}"'}

    def _lfs_verify(self, body: Any) -> tuple[int, Any, dict[str, str]]:
        oid = body.get("oid") if isinstance(body, dict) else None
        stored = self.state.lfs_store.get(oid or "")
        if stored is None:
            raise HubError(404, f"LFS object {oid} not found")
        if body.get("size") != len(stored):
            raise HubError(422, f"size mismatch for {oid}")
        return 200, {"success": True}, {}

    def _commit(self, repo: Repo, revision: str, body: bytes) -> tuple[int, Any, dict[str, str]]:
        if revision != "main":
            raise HubError(400, "only main is a branch in this emulator", "RevisionNotFound")
        try:
            lines = [json.loads(line) for line in body.decode("utf-8").splitlines() if line]
        except ValueError as exc:
            raise HubError(400, f"invalid NDJSON: {exc}") from None
        if not lines or lines[0].get("key") != "header":
            raise HubError(400, "the first line must be the header")
        header = lines[0].get("value") or {}
        summary = header.get("summary") or ""
        if not summary.strip():
            raise HubError(400, "empty commit summary")
        parent = header.get("parentCommit")
        if parent is not None and not repo.head.oid.startswith(parent):
            raise HubError(412, "A commit has happened since. Please refresh and try again.")
        files = dict(repo.head.files)
        for item in lines[1:]:
            key, value = item.get("key"), item.get("value") or {}
            path = value.get("path", "")
            if not _valid_path(path.rstrip("/") if key == "deletedFolder" else path):
                raise HubError(400, f"invalid path {path!r}")
            if key == "file":
                if value.get("encoding") != "base64":
                    raise HubError(400, "only base64 file content is emulated")
                files[path] = StoredFile(base64.b64decode(value["content"]), lfs=False)
            elif key == "lfsFile":
                content = self.state.lfs_store.get(value.get("oid", ""))
                if content is None:
                    raise HubError(422, f"LFS object for {path} was never uploaded")
                if "size" in value and value["size"] != len(content):
                    raise HubError(422, f"size mismatch for {path}")
                files[path] = StoredFile(content, lfs=True)
            elif key == "deletedFile":
                if path not in files:
                    raise HubError(
                        404, f"A file with this name doesn't exist: {path}", "EntryNotFound"
                    )
                del files[path]
            elif key == "deletedFolder":
                folder = path.rstrip("/") + "/"
                gone = [p for p in files if p.startswith(folder)]
                if not gone:
                    raise HubError(404, f"No folder {path}", "EntryNotFound")
                for p in gone:
                    del files[p]
            else:
                raise HubError(400, f"unknown commit line {key!r}")
        commit = self.state.new_commit(repo, summary, header.get("description") or "", files)
        url = f"{self.state.repo_url(repo)}/commit/{commit.oid}"
        return (
            200,
            {
                "success": True,
                "commitOid": commit.oid,
                "commitUrl": url,
                "hookOutput": "",
                "pullRequestUrl": None,
            },
            {},
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: HubState
    storage_only = False  # True for the LFS storage server (the Hub's CDN)


class FakeHub:
    """The emulator: ``endpoint`` to pass to ``HfApi``, and helpers to inspect the state."""

    def __init__(self, token: str, page_size: int = 1000) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._storage = _Server(("127.0.0.1", 0), _Handler)
        self._storage.storage_only = True
        self.endpoint = "http://{}:{}".format(*self._server.server_address[:2])
        self.storage_endpoint = "http://{}:{}".format(*self._storage.server_address[:2])
        self.state = HubState(
            token=token,
            endpoint=self.endpoint,
            page_size=page_size,
            storage_endpoint=self.storage_endpoint,
        )
        self._server.state = self._storage.state = self.state
        # a short poll interval: ``stop`` (``shutdown``) waits up to that long per server
        self._threads = [
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
            for server in (self._server, self._storage)
        ]

    def start(self) -> FakeHub:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        for server in (self._server, self._storage):
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)

    # -- inspection (tests) ------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    @property
    def request_count(self) -> int:
        return len(self.requests)

    def calls(self, method: str, pattern: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    def repo(self, repo_id: str, repo_type: str = "dataset") -> Repo:
        with self.state.lock:
            return self.state.repos[(repo_type, repo_id)]

    def files(self, repo_id: str, repo_type: str = "dataset") -> dict[str, bytes]:
        with self.state.lock:
            head = self.state.repos[(repo_type, repo_id)].head
            return {p: f.content for p, f in head.files.items()}

    def lfs_paths(self, repo_id: str, repo_type: str = "dataset") -> set[str]:
        with self.state.lock:
            head = self.state.repos[(repo_type, repo_id)].head
            return {p for p, f in head.files.items() if f.lfs}

    def commits(self, repo_id: str, repo_type: str = "dataset") -> list[Commit]:
        with self.state.lock:
            return list(self.state.repos[(repo_type, repo_id)].commits)

    def seed_repo(
        self,
        repo_id: str,
        files: dict[str, bytes],
        repo_type: str = "dataset",
        private: bool = False,
    ) -> Repo:
        """Create a repo server-side (initial commit) plus one commit adding ``files``."""
        with self.state.lock:
            repo = self.state.repos.get((repo_type, repo_id)) or self.state.create_repo(
                repo_id, repo_type, private
            )
            new = dict(repo.head.files)
            patterns = repo.lfs_patterns()
            for path, content in files.items():
                lfs = any(fnmatch.fnmatch(path.rsplit("/", 1)[-1], p) for p in patterns)
                new[path] = StoredFile(content, lfs=lfs)
                if lfs:
                    self.state.lfs_store[hashlib.sha256(content).hexdigest()] = content
            self.state.new_commit(repo, "seeded by the test", "", new)
            return repo


@contextmanager
def running_hub(token: str, page_size: int = 1000) -> Iterator[FakeHub]:
    hub = FakeHub(token=token, page_size=page_size).start()
    try:
        yield hub
    finally:
        hub.stop()
