"""Downloads from the Hub emulator (tests/servers/hub_server.py) with the real client.

``HfApi`` uploads (create_repo, upload_folder / create_commit, the parquet file through
LFS); ``snapshot_download`` and ``hf_hub_download`` read back: repo info for the revision,
then per file the HEAD and GET of ``/datasets/{repo}/resolve/{rev}/{path}`` (LFS files
through the redirect to the storage server). Every socket is checked to stay on loopback.
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import requests
from huggingface_hub import CommitOperationAdd, HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from servers.hub_server import HUB_TOKEN, FakeHub, git_blob_oid

REPO = "valact-test/download"
README_V1 = b"---\nlicense: cc-by-4.0\n---\n# Test dataset\n\nFirst version.\n"
README_V2 = b"---\nlicense: cc-by-4.0\n---\n# Test dataset\n\nSecond version.\n"


# the real client, online although the Makefile exports HF_HUB_OFFLINE=1, with no token or
# endpoint of the machine, on loopback only (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("hub_client_on_loopback")


@contextmanager
def _uploading(hub: FakeHub) -> Iterator[HfApi]:
    """An ``HfApi`` on the emulator. ``CommitInfo`` (huggingface_hub 0.36) parses the commit
    URL against ``constants.ENDPOINT``, not the ``HfApi`` endpoint, so point it there while
    uploading (pipeline/build/publish.py does the same); downloads pass ``endpoint`` only."""
    import huggingface_hub.constants as hf_constants

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(hf_constants, "ENDPOINT", hub.endpoint)
        yield HfApi(endpoint=hub.endpoint, token=HUB_TOKEN)


def _parquet(path: Path, rows: int) -> bytes:
    table = pa.table({"id": list(range(rows)), "text": [f"post {i}" for i in range(rows)]})
    pq.write_table(table, path)
    return path.read_bytes()


@pytest.fixture()
def published(hub: FakeHub, tmp_path: Path) -> dict[str, bytes]:
    """REPO with README.md (regular) and data/train.parquet (LFS), uploaded by ``HfApi``."""
    src = tmp_path / "src"
    (src / "data").mkdir(parents=True)
    (src / "README.md").write_bytes(README_V1)
    parquet = _parquet(src / "data" / "train.parquet", 50)
    with _uploading(hub) as api:
        api.create_repo(REPO, repo_type="dataset")
        api.upload_folder(repo_id=REPO, repo_type="dataset", folder_path=src, commit_message="v1")
    assert hub.lfs_paths(REPO) == {"data/train.parquet"}
    return {"README.md": README_V1, "data/train.parquet": parquet}


def _snapshot(hub: FakeHub, cache: Path, **kwargs: object) -> Path:
    kwargs.setdefault("token", HUB_TOKEN)
    path = snapshot_download(
        REPO, repo_type="dataset", endpoint=hub.endpoint, cache_dir=cache, **kwargs
    )
    return Path(path)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_snapshot_of_main_is_byte_identical(
    hub: FakeHub, published: dict[str, bytes], tmp_path: Path
) -> None:
    head = hub.commits(REPO)[-1].oid
    folder = _snapshot(hub, tmp_path / "cache", revision="main")
    assert folder.name == head  # snapshots/<commit id>
    assert _files(folder) == {**published, ".gitattributes": hub.files(REPO)[".gitattributes"]}
    storage = folder.parents[1]
    assert (storage / "refs" / "main").read_text() == head
    # the cache keys blobs by ETag: git blob oid for regular files, sha256 for LFS files
    blobs = {p.name for p in (storage / "blobs").iterdir()}
    assert git_blob_oid(README_V1) in blobs
    assert hashlib.sha256(published["data/train.parquet"]).hexdigest() in blobs

    # what the client asked: repo info at the revision, then HEAD + GET per file
    assert hub.calls("GET", rf"^/api/datasets/{REPO}/revision/main$")
    for name in published:
        assert hub.calls("HEAD", rf"^/datasets/{REPO}/resolve/{head}/{name}$")
    assert hub.calls("GET", rf"^/datasets/{REPO}/resolve/{head}/README\.md$")
    # the LFS file: GET goes straight to the signed storage URL, without the token
    assert not hub.calls("GET", r"/resolve/.*\.parquet$")
    (storage_get,) = hub.calls("GET", r"^/lfs-storage/")
    assert not storage_get.authenticated
    assert HUB_TOKEN not in repr(hub.requests)

    # a second snapshot is served from the cache: only the repo info is asked again
    before = hub.request_count
    assert _snapshot(hub, tmp_path / "cache", revision="main") == folder
    assert [r.method for r in hub.requests[before:]] == ["GET"]


def test_snapshot_at_an_older_commit_has_the_old_content(
    hub: FakeHub, published: dict[str, bytes], tmp_path: Path
) -> None:
    first = hub.commits(REPO)[-1].oid
    new_parquet = _parquet(tmp_path / "v2.parquet", 80)
    with _uploading(hub) as api:  # one commit changing both files
        api.create_commit(
            repo_id=REPO,
            repo_type="dataset",
            commit_message="v2",
            operations=[
                CommitOperationAdd("README.md", README_V2),
                CommitOperationAdd("data/train.parquet", new_parquet),
            ],
        )
    assert len(hub.commits(REPO)) == 3  # initial, v1, v2
    cache = tmp_path / "cache"

    latest = _files(_snapshot(hub, cache))
    assert latest["README.md"] == README_V2 and latest["data/train.parquet"] == new_parquet

    old = _snapshot(hub, cache, revision=first)
    assert old.name == first
    assert _files(old)["README.md"] == README_V1
    assert _files(old)["data/train.parquet"] == published["data/train.parquet"]

    # an abbreviated commit id resolves too (the client stores it as a ref)
    short = _snapshot(hub, tmp_path / "cache2", revision=first[:7])
    assert short.name == first and _files(short)["README.md"] == README_V1
    assert (short.parents[1] / "refs" / first[:7]).read_text() == first

    # hf_hub_download of one file at the old commit, and at main
    path = hf_hub_download(
        REPO,
        "data/train.parquet",
        repo_type="dataset",
        revision=first,
        endpoint=hub.endpoint,
        cache_dir=tmp_path / "cache3",
        token=HUB_TOKEN,
    )
    assert Path(path).read_bytes() == published["data/train.parquet"]
    path = hf_hub_download(
        REPO,
        "README.md",
        repo_type="dataset",
        endpoint=hub.endpoint,
        cache_dir=tmp_path / "cache3",
        token=HUB_TOKEN,
    )
    assert Path(path).read_bytes() == README_V2


def test_allow_patterns_downloads_only_the_matching_files(
    hub: FakeHub, published: dict[str, bytes], tmp_path: Path
) -> None:
    folder = _snapshot(hub, tmp_path / "cache", allow_patterns=["*.md"])
    assert _files(folder) == {"README.md": README_V1}
    assert not hub.calls("HEAD", r"\.parquet$") and not hub.calls("GET", r"^/lfs-storage/")

    folder = _snapshot(hub, tmp_path / "cache", allow_patterns="data/*", ignore_patterns="*.md")
    assert set(_files(folder)) == {"README.md", "data/train.parquet"}  # README from before


def test_resolve_headers_match_the_hub(hub: FakeHub, published: dict[str, bytes]) -> None:
    head = hub.commits(REPO)[-1].oid
    base = f"{hub.endpoint}/datasets/{REPO}/resolve"
    r = requests.head(f"{base}/main/README.md", timeout=5)
    assert r.status_code == 200 and r.headers["X-Repo-Commit"] == head
    assert r.headers["ETag"] == f'"{git_blob_oid(README_V1)}"'
    assert r.headers["Content-Length"] == str(len(README_V1)) and not r.content

    parquet = published["data/train.parquet"]
    r = requests.head(f"{base}/{head[:10]}/data/train.parquet", timeout=5)
    assert r.status_code == 302 and r.headers["X-Repo-Commit"] == head
    assert r.headers["X-Linked-Etag"] == f'"{hashlib.sha256(parquet).hexdigest()}"'
    assert r.headers["X-Linked-Size"] == str(len(parquet))
    assert r.headers["Location"].startswith(f"{hub.storage_endpoint}/lfs-storage/")

    # the storage URL is signed, and refuses the token (as S3 refuses two auth mechanisms)
    location = r.headers["Location"]
    assert requests.get(location, timeout=5).content == parquet
    auth = {"Authorization": f"Bearer {HUB_TOKEN}"}
    assert requests.get(location, headers=auth, timeout=5).status_code == 400
    assert (
        requests.get(location.replace("X-Signature=", "X-Signature=0"), timeout=5).status_code
        == 403
    )

    # a GET of the resolve URL follows the redirect; Range gets a 206
    assert requests.get(f"{base}/main/data/train.parquet", timeout=5).content == parquet
    r = requests.get(f"{base}/main/README.md", headers={"Range": "bytes=4-"}, timeout=5)
    assert r.status_code == 206 and r.content == README_V1[4:]
    assert r.headers["Content-Range"] == f"bytes 4-{len(README_V1) - 1}/{len(README_V1)}"


def test_repo_info_with_files_metadata_and_expand(
    hub: FakeHub, published: dict[str, bytes]
) -> None:
    api = HfApi(endpoint=hub.endpoint, token=HUB_TOKEN)
    info = api.dataset_info(REPO, files_metadata=True)
    siblings = {s.rfilename: s for s in info.siblings or []}
    parquet = published["data/train.parquet"]
    assert siblings["README.md"].size == len(README_V1) and siblings["README.md"].lfs is None
    assert siblings["README.md"].blob_id == git_blob_oid(README_V1)
    lfs = siblings["data/train.parquet"].lfs
    assert lfs is not None and lfs.sha256 == hashlib.sha256(parquet).hexdigest()
    assert lfs.size == len(parquet)

    info = api.dataset_info(REPO, expand=["sha", "private"])
    assert info.sha == hub.commits(REPO)[-1].oid and info.private is False
    assert info.siblings is None


def test_unknown_repo_revision_and_file_raise_the_client_errors(
    hub: FakeHub, published: dict[str, bytes], tmp_path: Path
) -> None:
    common = {"repo_type": "dataset", "endpoint": hub.endpoint, "token": HUB_TOKEN}
    with pytest.raises(RepositoryNotFoundError):
        snapshot_download("valact-test/nope", cache_dir=tmp_path / "c1", **common)
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("valact-test/nope", "README.md", cache_dir=tmp_path / "c1", **common)
    with pytest.raises(RevisionNotFoundError):
        snapshot_download(REPO, revision="0" * 40, cache_dir=tmp_path / "c2", **common)
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(REPO, "README.md", revision="v9", cache_dir=tmp_path / "c2", **common)
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(REPO, "data/missing.parquet", cache_dir=tmp_path / "c3", **common)
    # the 404 carries X-Repo-Commit, so the client caches that the file does not exist
    head = hub.commits(REPO)[-1].oid
    no_exist = tmp_path / "c3" / "datasets--valact-test--download" / ".no_exist" / head
    assert (no_exist / "data" / "missing.parquet").exists()
    assert HUB_TOKEN not in repr(hub.requests)


def test_private_repo_needs_the_token(hub: FakeHub, tmp_path: Path) -> None:
    hub.seed_repo(
        "valact-test/private", {"README.md": README_V1, "data/train.parquet": b"PAR1"}, private=True
    )
    common = {"repo_type": "dataset", "endpoint": hub.endpoint}
    with pytest.raises(RepositoryNotFoundError):
        snapshot_download("valact-test/private", cache_dir=tmp_path / "c", token=False, **common)
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(
            "valact-test/private", "README.md", cache_dir=tmp_path / "c", token=False, **common
        )
    with pytest.raises(HfHubHTTPError) as info:  # a wrong token is a 401, not a 404
        snapshot_download(
            "valact-test/private", cache_dir=tmp_path / "c", token="hf_wrong", **common
        )
    assert info.value.response.status_code == 401
    assert not (tmp_path / "c" / "datasets--valact-test--private" / "snapshots").exists()

    folder = snapshot_download(
        "valact-test/private", cache_dir=tmp_path / "c", token=HUB_TOKEN, **common
    )
    files = _files(Path(folder))
    assert files["README.md"] == README_V1 and files["data/train.parquet"] == b"PAR1"
    assert HUB_TOKEN not in repr(hub.requests)


def test_the_network_guard_refuses_non_loopback_addresses() -> None:
    with pytest.raises(AssertionError, match="tried to reach the network"):
        socket.create_connection(("192.0.2.1", 443), timeout=0.1)  # TEST-NET-1, never routed
