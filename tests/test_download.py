"""Downloads against a local HTTP server on 127.0.0.1 serving generated files (no internet, no real data)."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path

import numpy as np
import pytest
from synthetic import make_scene, write_mat_v5

from hsi.data import OfficialScene
from hsi.data.download import download_file
from hsi.data.official import array_sha256
from hsi.errors import UserError


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """A static server that honours ``Range: bytes=N-`` (206), as the official servers do, and logs nothing."""

    requests: list[dict] = []

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).requests.append({"path": self.path, "range": self.headers.get("Range")})
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        path = self.translate_path(self.path)
        if not match:
            return super().do_GET()
        data = Path(path).read_bytes()[int(match.group(1)) :]
        self.send_response(206)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    RangeHandler.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(RangeHandler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _facts(cube, gt, urls, root):
    counts = np.bincount(gt.ravel(), minlength=int(gt.max()) + 1)[1:].tolist()
    return dict(
        name="tiny",
        folder="tiny",
        files={"cube": "cube.mat", "gt": "gt.mat"},
        keys={"cube": "c", "gt": "g"},
        urls=urls,
        shape=list(gt.shape),
        bands=cube.shape[2],
        class_names=[f"k{i}" for i in range(len(counts))],
        class_counts=counts,
        sha256={"cube": array_sha256(cube), "gt": array_sha256(gt)},
        create_root=True,
        root=str(root),
    )


def test_an_official_scene_is_downloaded_verified_and_then_found(server, tmp_path):
    served, base = server
    cube, gt = make_scene()
    write_mat_v5(served / "cube.mat", "c", cube)
    write_mat_v5(served / "gt.mat", "g", gt)
    urls = {"cube": f"{base}/cube.mat", "gt": f"{base}/gt.mat"}
    scene = OfficialScene(**_facts(cube, gt, urls, tmp_path / "data")).load()
    np.testing.assert_array_equal(scene.cube, cube)
    np.testing.assert_array_equal(scene.gt, gt)
    assert (tmp_path / "data" / "tiny" / "cube.mat").is_file() and not list((tmp_path / "data").rglob("*.part"))
    fetched = len(RangeHandler.requests)
    OfficialScene(**_facts(cube, gt, urls, tmp_path / "data")).load()  # found on disk: no new request
    assert len(RangeHandler.requests) == fetched == 2


def test_a_download_that_does_not_match_the_facts_is_refused(server, tmp_path):
    served, base = server
    cube, gt = make_scene()
    write_mat_v5(served / "cube.mat", "c", cube + 1)  # another cube than the facts describe
    write_mat_v5(served / "gt.mat", "g", gt)
    urls = {"cube": f"{base}/cube.mat", "gt": f"{base}/gt.mat"}
    with pytest.raises(UserError, match=r"does not match the official tiny array \(sha256 differs\)"):
        OfficialScene(**_facts(cube, gt, urls, tmp_path / "data")).load()


def test_an_interrupted_download_resumes_with_a_range_request(server, tmp_path):
    served, base = server
    payload = np.random.default_rng(0).bytes(200_000)
    (served / "big.bin").write_bytes(payload)
    target = tmp_path / "out" / "big.bin"
    target.parent.mkdir()
    (target.parent / "big.bin.part").write_bytes(payload[:70_000])  # what an interrupted download left
    download_file(f"{base}/big.bin", target)
    assert target.read_bytes() == payload
    assert RangeHandler.requests[-1]["range"] == "bytes=70000-"


def test_a_missing_file_on_the_server_is_an_error_the_caller_can_handle(server, tmp_path):
    _, base = server
    with pytest.raises(OSError):
        download_file(f"{base}/nothing.mat", tmp_path / "nothing.mat")
    assert not (tmp_path / "nothing.mat").exists()
