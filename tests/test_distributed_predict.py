"""hsi-predict on a Dask cluster of worker processes: the same maps as one process; bad settings refused."""

from __future__ import annotations

import os

import numpy as np
import pytest
from cli_helpers import run_cli

from hsi.distributed_predict import TileCluster, local_threads
from hsi.errors import UserError

rasterio = pytest.importorskip("rasterio")
pytest.importorskip("distributed")


def _flight(tmp_path):
    from rasterio.transform import from_origin
    from synthetic import make_scene

    cube, _ = make_scene(height=70, width=53, seed=3)
    path = tmp_path / "flight.tif"
    profile = dict(driver="GTiff", height=70, width=53, count=20, dtype="float32", crs="EPSG:32633")
    with rasterio.open(path, "w", transform=from_origin(300000.0, 5000000.0, 30.0, 30.0), **profile) as dst:
        dst.write(np.moveaxis(cube.astype(np.float32), -1, 0))
    return path


@pytest.mark.slow  # starts a local cluster of two worker processes
def test_two_workers_write_the_same_maps_as_one_process(tmp_path):
    from test_predict import _trained_run

    run_dir, scene = _trained_run(tmp_path), _flight(tmp_path)
    common = [str(run_dir), str(scene), "--tile", "16", "--precision", "fp32", "--probabilities"]
    one = run_cli("hsi-predict", *common, "--out", str(tmp_path / "one.tif"), cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    two = run_cli(
        "hsi-predict", *common, "--out", str(tmp_path / "two.tif"), "--workers", "2", "--threads", "1", cwd=tmp_path
    )
    assert two.returncode == 0, two.stderr
    for suffix in ("", "-confidence", "-probabilities"):
        with rasterio.open(tmp_path / f"one{suffix}.tif") as a, rasterio.open(tmp_path / f"two{suffix}.tif") as b:
            assert str(a.profile) == str(b.profile)  # (str: a NaN nodata is not equal to itself)
            if suffix == "":  # the class band of 20 tiles of 16x16: every byte equal
                assert a.read().tobytes() == b.read().tobytes()
            else:  # one thread per worker sums in another order than two: float32 rounding apart
                np.testing.assert_allclose(a.read(), b.read(), rtol=1e-5, atol=1e-6)
    assert not list(tmp_path.glob("*.part"))


def test_workers_times_threads_may_not_exceed_the_cores():
    assert local_threads(2, None, cores=8) == 4
    assert local_threads(3, 2, cores=8) == 2
    with pytest.raises(UserError, match="--workers 2 x --threads 2 asks for 4 threads on 2 cores"):
        local_threads(2, 2, cores=2)
    with pytest.raises(UserError, match="--workers is 0"):
        local_threads(0, None, cores=2)


def test_a_cluster_needs_exactly_one_of_workers_and_scheduler():
    with pytest.raises(UserError, match="either --workers N"):
        TileCluster(workers=2, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(UserError, match="either --workers N"):
        TileCluster()


def test_threads_without_a_cluster_is_refused_before_anything_is_read(tmp_path):
    result = run_cli("hsi-predict", str(tmp_path / "run"), str(tmp_path / "x.tif"), "--threads", "2", cwd=tmp_path)
    assert result.returncode == 2 and "give --workers N or --scheduler too" in result.stderr


def test_a_bad_scheduler_address_is_one_sentence_and_writes_nothing(tmp_path):
    from test_predict import _trained_run

    run_dir, scene = _trained_run(tmp_path), _flight(tmp_path)
    out = tmp_path / "never.tif"
    result = run_cli(
        "hsi-predict", str(run_dir), str(scene), "--out", str(out), "--scheduler", "nonsense", cwd=tmp_path
    )
    assert result.returncode == 2
    assert "No Dask scheduler answered at nonsense" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("never*"))


class _KillingOneWorker(TileCluster):
    """Kills a worker process (SIGKILL, no goodbye) once the third tile is back; the others go on."""

    def tiles(self, job, starts):
        import os
        import signal

        for index, result in enumerate(super().tiles(job, starts)):
            if index == 2:
                address, pid = sorted(self.client.run(os.getpid).items())[0]
                self.tasks_on_killed = len(self.client.processing()[address])
                os.kill(pid, signal.SIGKILL)
            yield result


@pytest.mark.slow  # starts a local cluster and kills one of its workers
def test_a_worker_killed_mid_run_loses_nothing(tmp_path):
    from test_predict import _trained_run

    from hsi.predict_tiles import predict_unlabelled

    run_dir, scene = _trained_run(tmp_path), _flight(tmp_path)
    predict_unlabelled(run_dir, scene, tmp_path / "one.tif", tile=9, precision="fp32")
    before = dict(os.environ)
    with _KillingOneWorker(workers=2, threads=1) as cluster:
        predict_unlabelled(run_dir, scene, tmp_path / "killed.tif", tile=9, precision="fp32", cluster=cluster)
    assert cluster.tasks_on_killed > 0  # it died holding tiles, which other workers then predicted
    assert dict(os.environ) == before  # Dask's worker settings (OMP_NUM_THREADS=1...) do not outlive the cluster
    with rasterio.open(tmp_path / "one.tif") as a, rasterio.open(tmp_path / "killed.tif") as b:
        assert a.read().tobytes() == b.read().tobytes()  # the class band of 48 tiles of 9x9
