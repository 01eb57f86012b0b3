"""More scenes: dataset configs against the official ground truth, the user's own files in every format."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import scipy.io
import spectral.io.envi as envi
from cli_helpers import run_cli
from conftest import shared_data_dir
from synthetic import make_scene, write_mat_v5, write_mat_v73

from hsi.data import load_mat_array, official_scene
from hsi.data.custom import CustomScene, parse_bands
from hsi.data.official import dataset_config_names
from hsi.errors import UserError

WITH_SHARED_GT = ["indian_pines", "pavia_university", "salinas"]


def test_every_benchmark_scene_has_a_config():
    assert set(dataset_config_names()) == {
        "indian_pines",
        "pavia_university",
        "salinas",
        "pavia_centre",
        "ksc",
        "botswana",
    }
    for name in dataset_config_names():
        scene = official_scene(name, root="/nonexistent")
        assert len(scene.class_names) == len(scene.expected_counts)
        assert len(scene.rgb_bands) == 3 and max(scene.rgb_bands) < scene.shapes["cube"][2]
        assert set(scene.urls) == {"cube", "gt"} and all(
            u.startswith("http://www.ehu.eus/") for u in scene.urls.values()
        )
    assert official_scene("pavia_university").pca_components == 15
    assert official_scene("salinas").urls["gt"].endswith("f/fa/Salinas_gt.mat")  # not c/c4 (Indian Pines)


@pytest.mark.parametrize("name", WITH_SHARED_GT)
def test_config_metadata_agrees_with_the_official_ground_truth(name):
    scene = official_scene(name, root=str(shared_data_dir()))
    if not scene.gt_path.is_file():
        pytest.skip(f"{scene.gt_path} is absent (set HSI_TEST_DATA to the reference data root)")
    gt = load_mat_array(scene.gt_path, scene.keys["gt"])
    assert gt.shape == scene.shapes["gt"]
    assert hashlib.sha256(np.ascontiguousarray(gt).tobytes()).hexdigest() == scene.sha256["gt"]
    assert hashlib.sha256(scene.gt_path.read_bytes()).hexdigest() == scene.file_sha256["gt"]
    counts = np.bincount(gt.ravel(), minlength=len(scene.expected_counts) + 1)[1:]
    assert tuple(int(c) for c in counts) == scene.expected_counts


def test_pavia_loader_with_the_real_labels_and_a_synthetic_cube(tmp_path):
    real_gt = shared_data_dir() / "pavia_university" / "PaviaU_gt.mat"
    if not real_gt.is_file():
        pytest.skip(f"{real_gt} is absent")
    folder = tmp_path / "pavia_university"
    folder.mkdir()
    (folder / "PaviaU_gt.mat").write_bytes(real_gt.read_bytes())
    cube = np.zeros((610, 340, 103), dtype=np.uint16)
    cube[..., 7] = 1
    scipy.io.savemat(folder / "PaviaU.mat", {"paviaU": cube}, do_compression=True)
    scene = official_scene("pavia_university", root=str(tmp_path), download=False).load()
    assert scene.cube.shape == (610, 340, 103) and scene.num_classes == 9
    scipy.io.savemat(folder / "PaviaU.mat", {"paviaU": cube[..., :100]}, do_compression=True)
    with pytest.raises(
        UserError, match=r"PaviaU.mat holds an array of shape \(610, 340, 100\), expected \(610, 340, 103\)"
    ):
        official_scene("pavia_university", root=str(tmp_path), download=False).load()


def _write_all_formats(folder, cube, gt):
    envi.save_image(str(folder / "cube.hdr"), cube, dtype=np.uint16, force=True)
    envi.save_classification(str(folder / "gt.hdr"), gt.astype(np.uint8), force=True)
    write_mat_v5(folder / "cube5.mat", "X", cube)
    write_mat_v73(folder / "cube73.mat", "X", cube)
    np.save(folder / "cube.npy", cube)
    np.savez(folder / "cube.npz", X=cube)
    write_mat_v5(folder / "gt.mat", "Y", gt)
    np.save(folder / "gt.npy", gt)


@pytest.mark.parametrize("cube_file", ["cube.hdr", "cube.img", "cube5.mat", "cube73.mat", "cube.npy", "cube.npz"])
@pytest.mark.parametrize("gt_file", ["gt.hdr", "gt.mat", "gt.npy"])
def test_every_format_loads_to_the_same_arrays(tmp_path, cube_file, gt_file):
    cube, gt = make_scene(height=9, width=7, bands=13)
    _write_all_formats(tmp_path, cube, gt)
    scene = CustomScene(str(tmp_path / cube_file), str(tmp_path / gt_file)).load()
    np.testing.assert_array_equal(scene.cube, cube)
    np.testing.assert_array_equal(scene.gt, gt)
    assert scene.class_names == [f"class {k}" for k in range(1, int(gt.max()) + 1)]


def test_band_selection_and_ignored_labels(tmp_path):
    cube, gt = make_scene(height=9, width=7, bands=20)
    np.save(tmp_path / "c.npy", cube)
    np.save(tmp_path / "g.npy", gt)
    scene = CustomScene(
        str(tmp_path / "c.npy"),
        str(tmp_path / "g.npy"),
        bands="0-4, 10-12",
        ignored_labels=[4],
        class_names=["a", "b", "c", "d"],
    ).load()
    np.testing.assert_array_equal(scene.cube, cube[:, :, [0, 1, 2, 3, 4, 10, 11, 12]])
    assert not (scene.gt == 4).any() and (scene.gt == 3).any()
    np.testing.assert_array_equal(parse_bands([3, 1], 5), [3, 1])


@pytest.mark.parametrize(
    "cube, gt, kwargs, message",
    [
        (np.zeros((4, 4, 3)), np.zeros((5, 4)), {}, "is 4x4 pixels but its ground truth is 5x4"),
        (np.full((4, 4, 3), np.nan), np.zeros((4, 4)), {}, "holds 48 NaN or infinite values"),
        (np.zeros((4, 4, 3)) + 1j, np.zeros((4, 4)), {}, "holds complex numbers"),
        (np.zeros((4, 4)), np.zeros((4, 4)), {}, "it needs three axes"),
        (np.zeros((4, 4, 3)), np.full((4, 4), 1.5), {}, "hold non-integer values"),
        (np.zeros((4, 4, 3)), -np.ones((4, 4), dtype=int), {}, "hold negative values"),
        (
            np.zeros((4, 4, 3)),
            np.full((4, 4), 3),
            {"class_names": ["a", "b"]},
            "go up to 3 but dataset.class_names lists 2",
        ),
        (np.zeros((4, 4, 3)), np.zeros((4, 4)), {"bands": "0-5"}, "outside 0..2"),
        (np.zeros((4, 4, 3)), np.zeros((4, 4)), {"bands": "a-b"}, "write ranges like"),
    ],
)
def test_bad_user_files_get_a_plain_sentence(tmp_path, cube, gt, kwargs, message):
    np.save(tmp_path / "c.npy", cube)
    np.save(tmp_path / "g.npy", gt)
    with pytest.raises(UserError, match=message):
        CustomScene(str(tmp_path / "c.npy"), str(tmp_path / "g.npy"), **kwargs).load()


def test_missing_keys_and_unknown_formats(tmp_path):
    scipy.io.savemat(tmp_path / "two.mat", {"a": np.zeros((2, 2, 2)), "b": np.zeros((2, 2))})
    np.save(tmp_path / "g.npy", np.zeros((2, 2)))
    with pytest.raises(UserError, match=r"holds several arrays \(a, b\); name the cube one with dataset.cube_key"):
        CustomScene(str(tmp_path / "two.mat"), str(tmp_path / "g.npy")).load()
    with pytest.raises(UserError, match="no variable 'c'"):
        CustomScene(str(tmp_path / "two.mat"), str(tmp_path / "g.npy"), cube_key="c").load()
    (tmp_path / "x.bmp").write_bytes(b"BM\x00")
    with pytest.raises(UserError, match="is not a format hsi reads"):
        CustomScene(str(tmp_path / "x.bmp"), str(tmp_path / "g.npy")).load()


def test_download_resumes_a_partial_file_and_never_uses_the_final_name_early(tmp_path):
    from hsi.data.download import download_file

    source = tmp_path / "source.bin"
    payload = np.random.default_rng(0).bytes(300_000)
    source.write_bytes(payload)
    target = tmp_path / "out" / "file.mat"
    target.parent.mkdir()
    (target.parent / "file.mat.part").write_bytes(payload[:1000] + b"garbage")  # stale partial
    download_file(source.as_uri(), target)  # file:// ignores Range: the download starts over
    assert target.read_bytes() == payload and not (target.parent / "file.mat.part").exists()


def test_hsi_data_list_verify_and_info(indian_pines_root, tmp_path):
    listed = run_cli("hsi-data", "--root", str(indian_pines_root), "list", cwd=tmp_path)
    assert listed.returncode == 0
    line = next(row for row in listed.stdout.splitlines() if row.startswith("indian_pines"))
    assert " yes " in line
    verified = run_cli("hsi-data", "--root", str(indian_pines_root), "verify", "indian_pines", cwd=tmp_path)
    assert verified.returncode == 0 and "verified (shape, class counts, sha256)" in verified.stdout
    assert "Indian_pines_gt.mat: the official file, byte for byte" in verified.stdout
    info = run_cli(
        "hsi-data",
        "--root",
        str(indian_pines_root),
        "info",
        "indian_pines",
        "--preview",
        str(tmp_path / "p.png"),
        cwd=tmp_path,
    )
    assert info.returncode == 0 and "145x145 pixels, 200 bands" in info.stdout and "Stone-Steel-Towers" in info.stdout
    assert (tmp_path / "p.png").stat().st_size > 1000
    missing = run_cli("hsi-data", "--root", str(tmp_path), "verify", "ksc", cwd=tmp_path)
    assert missing.returncode == 2 and "ksc is incomplete" in missing.stderr and "Traceback" not in missing.stderr
    unknown = run_cli("hsi-data", "verify", "nowhere", cwd=tmp_path)
    assert unknown.returncode == 2 and "There is no dataset 'nowhere'" in unknown.stderr


def test_hsi_data_help_describes_every_command(tmp_path):
    result = run_cli("hsi-data", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("list", "download", "verify", "info"):
        line = next(row for row in result.stdout.splitlines() if row.strip().startswith(command + " "))
        assert len(line.split()) > 3, line  # the command and a description beside it


def test_a_damaged_official_file_says_how_to_get_it_again(tmp_path):
    folder = tmp_path / "salinas"
    folder.mkdir()
    for name in ("Salinas_corrected.mat", "Salinas_gt.mat"):
        (folder / name).write_bytes(b"MATLAB 5.0 MAT-file, truncated")
    result = run_cli("hsi-data", "--root", str(tmp_path), "verify", "salinas", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "could not be read as a MATLAB .mat file" in result.stderr
    assert "delete it and run `hsi-data download salinas` to fetch it again" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (folder / "Salinas_gt.mat").read_bytes() == b"MATLAB 5.0 MAT-file, truncated"  # the user's file is left


def test_a_damaged_file_of_ones_own_asks_for_an_intact_copy(tmp_path):
    path = tmp_path / "mine.mat"
    path.write_bytes(b"not a mat file at all")
    with pytest.raises(UserError, match="replace it with an intact copy"):
        load_mat_array(path, "cube")
