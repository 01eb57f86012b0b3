"""Loading scenes: .mat v5 and v7.3, the real Indian Pines, download and the bundled fallback."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest
from synthetic import make_scene, write_mat_v5, write_mat_v73

from hsi.data import MatFilesScene, indian_pines, load_mat_array
from hsi.data.mat import mat_keys
from hsi.errors import UserError

UNREACHABLE = {"cube": "http://127.0.0.1:9/Indian_pines_corrected.mat", "gt": "http://127.0.0.1:9/Indian_pines_gt.mat"}


def test_v5_and_v73_files_load_to_the_same_arrays(tmp_path):
    cube, gt = make_scene(height=7, width=5, bands=13)
    v5 = write_mat_v5(tmp_path / "v5.mat", "cube", cube)
    v73 = write_mat_v73(tmp_path / "v73.mat", "cube", cube)
    a, b = load_mat_array(v5, "cube"), load_mat_array(v73, "cube")
    assert a.shape == b.shape == (7, 5, 13)
    assert a.dtype == b.dtype == np.uint16
    np.testing.assert_array_equal(a, cube)
    np.testing.assert_array_equal(b, cube)
    assert mat_keys(v73) == ["cube"]


def test_missing_key_lists_the_keys_the_file_has(tmp_path):
    path = write_mat_v5(tmp_path / "x.mat", "something_else", np.zeros((2, 2)))
    with pytest.raises(UserError, match=r"no variable 'cube' \(it has: something_else\)"):
        load_mat_array(path, "cube")
    path = write_mat_v73(tmp_path / "y.mat", "other", np.zeros((2, 2)))
    with pytest.raises(UserError, match=r"no variable 'cube' \(it has: other\)"):
        load_mat_array(path, "cube")


def test_a_file_that_is_not_mat_is_refused(tmp_path):
    path = tmp_path / "bad.mat"
    path.write_bytes(b"this is not a MATLAB file at all" * 10)
    with pytest.raises(UserError, match="could not be read as a MATLAB .mat file"):
        load_mat_array(path, "cube")


def test_cube_and_labels_of_different_sizes_are_refused(tmp_path):
    cube, _ = make_scene(height=8, width=8, bands=13)
    _, gt = make_scene(height=9, width=8, bands=13)
    write_mat_v5(tmp_path / "c.mat", "c", cube)
    write_mat_v5(tmp_path / "g.mat", "g", gt)
    with pytest.raises(UserError, match="8x8 pixels but its ground truth is 9x8"):
        MatFilesScene(tmp_path / "c.mat", tmp_path / "g.mat", "c", "g").load()


def test_real_indian_pines_loads_and_verifies(indian_pines_root):
    scene = indian_pines(root=str(indian_pines_root), download=False).load()
    assert scene.cube.shape == (145, 145, 200)
    assert scene.cube.dtype == np.uint16
    assert tuple(scene.class_counts()) == tuple(
        indian_pines(root=str(indian_pines_root), download=False).expected_counts
    )
    assert int(scene.class_counts().sum()) == 10249
    digest = hashlib.sha256(np.ascontiguousarray(scene.cube).tobytes()).hexdigest()
    assert digest == "36468dd7336c8bd37a80cced54362ea426f226703f3797ba494556fd8134e77f"
    assert scene.class_names[0] == "Alfalfa" and len(scene.class_names) == 16


def test_data_root_comes_from_the_environment(indian_pines_root, monkeypatch):
    monkeypatch.setenv("HSI_DATA_DIR", str(indian_pines_root))
    assert indian_pines(download=False).root == indian_pines_root


def test_download_writes_the_official_files_under_the_data_root(indian_pines_root, tmp_path):
    urls = {part: (indian_pines_root / "indian_pines" / name).as_uri() for part, name in indian_pines().files.items()}
    root = tmp_path / "data"
    scene = indian_pines(root=str(root), urls=urls, create_root=True).load()
    assert (root / "indian_pines" / "Indian_pines_corrected.mat").is_file()
    assert not list(root.rglob("*.part"))
    assert tuple(scene.class_counts()) == tuple(
        indian_pines(root=str(indian_pines_root), download=False).expected_counts
    )


def test_unreachable_network_falls_back_to_the_tensorly_copy(tmp_path):
    pytest.importorskip("tensorly")
    root = tmp_path / "data"
    root.mkdir()
    scene = indian_pines(root=str(root), urls=UNREACHABLE, timeout=2).load()
    cube_file = root / "indian_pines" / "Indian_pines_corrected.mat"
    # written in the official layout: same key, same dtype, reloadable without the fallback
    assert load_mat_array(cube_file, "indian_pines_corrected").dtype == np.uint16
    again_source = indian_pines(root=str(root), download=False)
    again = again_source.load()
    np.testing.assert_array_equal(again.cube, scene.cube)
    assert tuple(again.class_counts()) == again_source.expected_counts


def test_missing_data_without_download_says_where_to_put_it(tmp_path):
    with pytest.raises(UserError, match="indian_pines is not under .* put the official files in"):
        indian_pines(root=str(tmp_path), download=False).load()


def test_missing_data_without_network_or_bundle_is_a_plain_error(tmp_path, monkeypatch):
    from hsi.data import bundled

    monkeypatch.setitem(bundled.BUNDLED, "tensorly", lambda: None)
    with pytest.raises(
        UserError, match=r"could not be reached \(.*\) and the bundled copy \(package tensorly\) is not installed"
    ):
        indian_pines(root=str(tmp_path), urls=UNREACHABLE, timeout=2).load()


def test_a_modified_cube_fails_verification_naming_the_file(indian_pines_root, tmp_path):
    folder = tmp_path / "indian_pines"
    folder.mkdir()
    shutil.copy(indian_pines_root / "indian_pines" / "Indian_pines_gt.mat", folder)
    cube = load_mat_array(indian_pines_root / "indian_pines" / "Indian_pines_corrected.mat", "indian_pines_corrected")
    cube[0, 0, 0] += 1
    write_mat_v5(folder / "Indian_pines_corrected.mat", "indian_pines_corrected", cube)
    with pytest.raises(UserError, match=r"Indian_pines_corrected\.mat does not match the official"):
        indian_pines(root=str(tmp_path), download=False).load()
    # verify=false is the way to use a modified copy on purpose
    assert indian_pines(root=str(tmp_path), download=False, verify=False).load().cube[0, 0, 0] == cube[0, 0, 0]


def test_a_v73_resave_of_indian_pines_verifies(indian_pines_root, tmp_path):
    folder = tmp_path / "indian_pines"
    folder.mkdir()
    for part, name in indian_pines().files.items():
        array = load_mat_array(indian_pines_root / "indian_pines" / name, indian_pines().keys[part])
        write_mat_v73(folder / name, indian_pines().keys[part], array)
    scene = indian_pines(root=str(tmp_path), download=False).load()
    assert scene.cube.shape == (145, 145, 200)


def test_real_scene_tests_find_the_files_that_hsi_put_into_its_data_root(tmp_path, monkeypatch):
    """After `hsi-train` or `hsi-data download` fetched Indian Pines into the data root, the tests use it."""
    import conftest

    (tmp_path / "indian_pines").mkdir()
    (tmp_path / conftest.INDIAN_PINES_CUBE).write_bytes(b"")
    monkeypatch.delenv("HSI_TEST_DATA", raising=False)
    monkeypatch.setenv("HSI_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(conftest, "REPO_ROOT", tmp_path / "clone")  # no ../shared/data beside this clone
    assert conftest.shared_data_dir() == tmp_path
    monkeypatch.setenv("HSI_TEST_DATA", str(tmp_path / "elsewhere"))  # an explicit choice always wins
    assert conftest.shared_data_dir() == tmp_path / "elsewhere"
