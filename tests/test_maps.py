"""Full-scene prediction (dense path = window path), rendering and ENVI/NumPy export."""

from __future__ import annotations

import matplotlib.image
import numpy as np
import pytest
import spectral
import torch
from hydra import compose, initialize_config_module
from hydra.utils import instantiate

from hsi.maps.export import export_envi_classification, export_predictions
from hsi.maps.palette import class_palette
from hsi.maps.render import ERROR_COLOURS, error_image, render_maps
from hsi.models.card import network_config_names
from hsi.preprocess import pad_cube
from hsi.train.predict import choose_path, predict_logits

TORCH_MODELS = network_config_names()


def _model(name, bands=15, window=11, classes=6):
    with initialize_config_module("hsi.configs", version_base="1.3"):
        cfg = compose("train", overrides=[f"model={name}"])
    torch.manual_seed(0)
    return instantiate(cfg.model, in_bands=bands, window=window, num_classes=classes).eval()


@pytest.mark.parametrize("name", TORCH_MODELS)
def test_dense_path_equals_window_path_on_every_pixel(name):
    model = _model(name)
    cube = np.random.default_rng(0).normal(size=(13, 17, 15)).astype(np.float32)
    padded = pad_cube(cube, 5, "zero")
    windows = predict_logits(model, padded, 11, path="windows", batch_size=50)
    assert windows.shape == (13, 17, 6)
    shared = predict_logits(model, padded, 11, path="shared", tile_rows=4, batch_size=7)
    torch.testing.assert_close(shared, windows, rtol=1e-4, atol=1e-4)
    assert torch.equal(shared.argmax(-1), windows.argmax(-1))
    if not model.supports_dense:
        assert choose_path(model) == "shared"
        with pytest.raises(RuntimeError, match="window by window"):
            model.forward_dense(padded[None, None])
        return
    assert choose_path(model) == "dense"
    dense = predict_logits(model, padded, 11, path="dense", tile_rows=4)  # tiles that do not divide 13
    torch.testing.assert_close(dense, windows, rtol=1e-4, atol=1e-4)
    assert torch.equal(dense.argmax(-1), windows.argmax(-1))


def test_the_paper_model_and_the_lite_model_claim_the_dense_path():
    assert _model("hybridsn").supports_dense and _model("hybridsn_dw").supports_dense
    assert _model("hybridsn_gconv").supports_dense and not _model("hybridsn_se").supports_dense


def test_envi_file_reads_back_to_the_same_map_names_and_colours(tmp_path):
    labels = np.random.default_rng(0).integers(1, 5, size=(9, 7))
    names = ["water", "field", "forest", "town"]
    colours = class_palette(4)
    export_envi_classification(tmp_path / "prediction.hdr", labels, names, colours)
    image = spectral.open_image(str(tmp_path / "prediction.hdr"))
    np.testing.assert_array_equal(image.read_band(0), labels)
    assert image.metadata["file type"] == "ENVI Classification"
    assert image.metadata["class names"] == ["Unclassified", *names]
    lookup = np.array([int(v) for v in image.metadata["class lookup"]]).reshape(-1, 3)
    np.testing.assert_array_equal(lookup, colours[:5])
    assert not list(tmp_path.glob("tmp*"))


def test_npz_export_keeps_labels_and_probabilities(tmp_path):
    probabilities = np.random.default_rng(0).dirichlet(np.ones(3), size=(4, 5)).astype(np.float32)
    labels = probabilities.argmax(-1) + 1
    export_predictions(tmp_path / "p.npz", labels, probabilities, ["a", "b", "c"])
    data = np.load(tmp_path / "p.npz")
    np.testing.assert_array_equal(data["labels"], labels)
    np.testing.assert_allclose(data["probabilities"], probabilities)
    assert data["class_names"].tolist() == ["a", "b", "c"]


def test_the_spectral_palette_is_still_there_and_custom_palettes_are_checked():
    colours = class_palette(3, "spectral")
    np.testing.assert_array_equal(colours, np.asarray(spectral.spy_colors[:4], dtype=np.uint8))
    np.testing.assert_array_equal(class_palette(2, ["#ff0000", "blue"])[1:], [[255, 0, 0], [0, 0, 255]])
    from hsi.errors import UserError

    with pytest.raises(UserError, match="lists 1 colours for 2 classes"):
        class_palette(2, ["red"])


def test_error_map_marks_each_kind_of_pixel():
    gt = np.array([[0, 1, 1, 2]])
    predicted = np.array([[2, 1, 2, 2]])
    masks = {
        "train": np.array([[0, 0, 0, 1]], bool),
        "val": np.zeros((1, 4), bool),
        "test": np.array([[0, 1, 1, 0]], bool),
    }
    image = error_image(gt, predicted, masks)
    assert tuple(image[0, 0]) == ERROR_COLOURS["unlabelled"]
    assert tuple(image[0, 1]) == ERROR_COLOURS["test, correct"]
    assert tuple(image[0, 2]) == ERROR_COLOURS["test, wrong"]
    assert tuple(image[0, 3]) == ERROR_COLOURS["training"]


def test_render_writes_every_map_at_a_legible_size(tmp_path):
    gt = np.random.default_rng(0).integers(0, 4, size=(20, 30))
    masks = {"train": gt == 1, "val": np.zeros_like(gt, bool), "test": gt > 1}
    written = render_maps(
        tmp_path,
        gt,
        np.where(gt > 0, gt, 1),
        masks,
        ["a", "b", "c"],
        class_palette(3),
        np.random.default_rng(1).random((20, 30, 3)),
        title="t",
    )
    names = {p.name for p in written}
    assert names == {
        "false_colour.png",
        "ground_truth.png",
        "prediction.png",
        "prediction_labelled.png",
        "errors.png",
        "overview.png",
        "split.png",
    }
    gt_image = matplotlib.image.imread(tmp_path / "ground_truth.png")
    assert gt_image.shape[0] >= 400 and gt_image.shape[0] / gt_image.shape[1] == pytest.approx(20 / 30)


def test_another_scene_keeps_its_own_classes_in_its_ground_truth(tmp_path):
    gt = np.array([[1, 2], [2, 0]])
    predicted = np.array([[3, 3], [1, 2]])
    model_colours = class_palette(3)
    scene_colours = np.array([[0, 0, 0], [255, 0, 0], [0, 0, 255]], dtype=np.uint8)  # the scene's own: red, blue
    render_maps(
        tmp_path,
        gt,
        predicted,
        None,
        ["a", "b", "c"],
        model_colours,
        np.zeros((2, 2, 3)),
        gt_classes=(["road", "roof"], scene_colours),
    )
    scale = matplotlib.image.imread(tmp_path / "ground_truth.png").shape[0] // 2
    drawn = (matplotlib.image.imread(tmp_path / "ground_truth.png")[::scale, ::scale, :3] * 255).round()
    np.testing.assert_array_equal(drawn[0, 0], [255, 0, 0])  # label 1 in the scene's colour, not the model's
    np.testing.assert_array_equal(drawn[0, 1], [0, 0, 255])
    prediction = (matplotlib.image.imread(tmp_path / "prediction.png")[::scale, ::scale, :3] * 255).round()
    np.testing.assert_array_equal(prediction[0, 0], model_colours[3])  # the prediction keeps the model's classes


def _cielab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0-255) to CIE L*a*b* under D65, written out from the standards (IEC 61966-2-1, CIE 15)."""
    c = rgb.astype(float) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def _closest_pair(colours: np.ndarray) -> float:
    """The smallest CIE76 colour difference (Euclidean distance in L*a*b*) between two rows."""
    lab = _cielab(colours)
    distance = np.linalg.norm(lab[:, None] - lab[None, :], axis=-1)
    return float(distance[np.triu_indices(len(lab), 1)].min())


MIN_DELTA_E = 25  # CIE76; about 2.3 is a just-noticeable difference, 25 tells classes apart at a glance


@pytest.mark.parametrize("classes", [9, 16, 20])  # Pavia University, Indian Pines and Salinas, 20 to spare
def test_the_default_palette_keeps_every_class_and_the_background_apart(classes):
    colours = class_palette(classes)  # row 0: black, for unlabelled pixels
    assert len(colours) == classes + 1 and (colours[0] == 0).all()
    assert _closest_pair(colours) >= MIN_DELTA_E  # class from class, and every class from the black background
    assert _closest_pair(class_palette(16, "spectral")[1:]) < MIN_DELTA_E  # the old default could not say so


def test_cielab_of_known_colours():
    lab = _cielab(np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0]]))
    np.testing.assert_allclose(lab[0], [100, 0, 0], atol=0.05)
    np.testing.assert_allclose(lab[1], [0, 0, 0], atol=1e-9)
    np.testing.assert_allclose(lab[2], [53.24, 80.09, 67.20], atol=0.05)  # sRGB red, from published tables
