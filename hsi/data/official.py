"""The benchmark scenes (Indian Pines, Pavia, Salinas...): found, downloaded or unpacked, then verified.

Indian Pines: AVIRIS, Indian Pine Test Site 3, 12 June 1992; 145 x 145 pixels, 200 bands
after water-absorption removal, 16 classes, 10249 labelled pixels.
Baumgardner, Biehl, Landgrebe (2015), Purdue University Research Repository,
doi:10.4231/R7RX991C (CC BY 3.0). Official files are distributed by the Grupo de
Inteligencia Computacional (UPV/EHU).
"""

from __future__ import annotations

import hashlib
import logging
import os
import urllib.error
from importlib import resources
from pathlib import Path

import numpy as np
import scipy.io

from hsi.data.bundled import BUNDLED
from hsi.data.download import download_file
from hsi.data.mat import UnreadableMatFile
from hsi.data.mat_scene import MatFilesScene
from hsi.data.root import resolve_data_root
from hsi.data.scene import Scene
from hsi.errors import UserError

log = logging.getLogger(__name__)


def array_sha256(array: np.ndarray) -> str:
    """sha256 of the array's bytes in C order, dtype as stored."""
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


class OfficialScene(MatFilesScene):
    """A benchmark scene in its official .mat layout: found under the data root, downloaded, or unpacked.

    Looks for the two files in ``<root>/<folder>/`` (or directly in ``<root>``). When absent
    and ``download`` is true, fetches them from ``urls``; when that fails and a ``bundled``
    copy is named (Indian Pines ships inside ``tensorly``), writes the official layout from it.
    Whatever is loaded is verified when ``verify`` is true: shape, class counts, and the
    sha256 of the array bytes where the config gives one (``dtypes`` likewise).

    The facts (files, keys, urls, shapes, counts, names, checksums) live in the dataset's
    config file, configs/dataset/NAME.yaml, so adding a scene needs no code.
    """

    def __init__(
        self,
        name: str,
        folder: str,
        files: dict[str, str],
        keys: dict[str, str],
        urls: dict[str, str],
        shape: list[int],
        bands: int,
        class_names: list[str],
        class_counts: list[int],
        rgb_bands: list[int] | None = None,
        sha256: dict[str, str] | None = None,
        file_sha256: dict[str, str] | None = None,
        dtypes: dict[str, str] | None = None,
        bundled: str | None = None,
        pca_components: int = 30,
        citation: str = "",
        root: str | None = None,
        download: bool = True,
        verify: bool = True,
        timeout: float = 20.0,
        create_root: bool = False,
    ) -> None:
        self.root = resolve_data_root(root)
        # Downloads go into an existing folder, or into the default data root; a data_root that
        # does not exist is more likely a typo than a wish for a new folder (hsi-data download
        # asks explicitly: create_root).
        self.may_create_root = create_root or self.root.resolve() == resolve_data_root(None).resolve()
        self.folder = folder
        self.files, self.keys, self.urls = dict(files), dict(keys), dict(urls)
        self.shapes = {"cube": (*shape, bands), "gt": tuple(shape)}
        self.expected_counts = tuple(int(c) for c in class_counts)
        self.sha256 = dict(sha256 or {})
        # Hashes of the official files themselves: a re-saved file (v7.3, other compression) has
        # other bytes but the same arrays, so verification checks the arrays and these are facts
        # for `hsi-data` and the tests.
        self.file_sha256 = dict(file_sha256 or {})
        self.dtypes = {part: np.dtype(d) for part, d in (dtypes or {}).items()}
        self.bundled = bundled
        self.citation = citation
        self.download, self.verify, self.timeout = download, verify, timeout
        paths = self.locate()
        super().__init__(paths["cube"], paths["gt"], self.keys["cube"], self.keys["gt"],
                         class_names=list(class_names), name=name,
                         rgb_bands=tuple(rgb_bands) if rgb_bands is not None else None,
                         pca_components=pca_components)

    def locate(self) -> dict[str, Path]:
        """Existing files win; otherwise the place under the root where they will be written."""
        found = {}
        for part, filename in self.files.items():
            candidates = [self.root / self.folder / filename, self.root / filename]
            found[part] = next((p for p in candidates if p.is_file()), candidates[0])
        return found

    def missing(self) -> list[str]:
        return [part for part, p in (("cube", self.cube_path), ("gt", self.gt_path)) if not p.is_file()]

    def load(self) -> Scene:
        if self.missing():
            self.fetch(self.missing())
        cube, gt = self.read_arrays()
        if self.verify:
            self.check(cube, gt)
        return self.to_scene(cube, gt)

    def read_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The two arrays as stored; a damaged official file is one sentence saying how to get it again."""
        try:
            return super().read_arrays()
        except UnreadableMatFile as error:
            again = (
                f"the next run writes it again (from the official site, or the copy bundled in {self.bundled})"
                if self.bundled
                else "the next run downloads it again"
            )
            raise UnreadableMatFile(
                error.path,
                error.cause,
                f"delete it and run `hsi-data download {self.name}` to fetch it again ({again}).",
            ) from None

    def fetch(self, parts: list[str]) -> None:
        paths = {"cube": self.cube_path, "gt": self.gt_path}
        if not self.download:
            raise UserError(
                f"{self.name} is not under {self.root} (looked for {paths[parts[0]].name}); "
                f"put the official files in {self.root / self.folder} or set dataset.download=true."
            )
        if not self.root.is_dir() and not self.may_create_root:
            raise UserError(
                f"{self.name} is not under {self.root}, and that folder does not exist; check data_root (a typo?), "
                f"or create the folder to download into it, or run hsi-data --root {self.root} download {self.name}."
            )
        try:
            for part in parts:
                log.info("downloading %s into %s", self.urls[part], paths[part].parent)
                download_file(self.urls[part], paths[part], timeout=self.timeout)
            return
        except (OSError, urllib.error.URLError) as exc:
            log.warning("download failed (%s)", exc)
            failure = exc
        source = BUNDLED.get(self.bundled) if self.bundled else None
        arrays = source() if source else None
        if arrays is None:
            bundle = (f" and the bundled copy (package {self.bundled}) is not installed" if self.bundled else "")
            raise UserError(
                f"{self.name} is not under {self.root}, the official site could not be reached ({failure})"
                f"{bundle}; download the two .mat files by hand into {self.root / self.folder}."
            )
        log.warning("using the copy of %s bundled in %s", self.name, self.bundled)
        arrays = dict(zip(("cube", "gt"), arrays))
        for part in parts:
            target = paths[part]
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            # savemat appends ".mat" to names that lack it; give it a file object instead.
            with open(partial, "wb") as f:
                scipy.io.savemat(f, {self.keys[part]: arrays[part]}, do_compression=True)
            os.replace(partial, target)
            log.info("wrote %s from the %s copy", target, self.bundled)

    def check(self, cube: np.ndarray, gt: np.ndarray) -> None:
        """Shape, dtype, checksum and class counts against the config's facts."""
        hint = "delete it to fetch a fresh copy, or set dataset.verify=false to use it as it is."
        for part, array, path in (("cube", cube, self.cube_path), ("gt", gt, self.gt_path)):
            if array.shape != self.shapes[part]:
                raise UserError(f"{path} holds an array of shape {array.shape}, expected {self.shapes[part]}; {hint}")
            if part in self.dtypes and array.dtype != self.dtypes[part]:
                raise UserError(f"{path} holds {array.dtype} values, expected {self.dtypes[part]}; {hint}")
            if part in self.sha256 and array_sha256(array) != self.sha256[part]:
                raise UserError(f"{path} does not match the official {self.name} array (sha256 differs); {hint}")
        if gt.dtype.kind not in "iub" or gt.min() < 0:
            raise UserError(f"{self.gt_path} holds labels that are not whole non-negative numbers; {hint}")
        counts = tuple(int(c) for c in np.bincount(gt.ravel().astype(np.int64),
                                                   minlength=len(self.expected_counts) + 1)[1:])
        if counts != self.expected_counts:
            raise UserError(f"{self.gt_path} has class counts {counts}, expected {self.expected_counts}; {hint}")


OFFICIAL_BASE = "/dataset_base/official"  # in the defaults list of every official scene's config


def dataset_config_names() -> list[str]:
    """The official scenes that have a config in configs/dataset (custom is not one)."""
    folder = resources.files("hsi.configs") / "dataset"
    names = []
    for entry in folder.iterdir():
        if entry.name.endswith(".yaml") and OFFICIAL_BASE in entry.read_text():
            names.append(entry.name[:-5])
    return sorted(names)


def official_scene(name: str, **overrides) -> OfficialScene:
    """Build the scene of configs/dataset/NAME.yaml without Hydra (``root`` etc. as keyword overrides)."""
    from omegaconf import OmegaConf

    path = resources.files("hsi.configs") / "dataset" / f"{name}.yaml"
    if not path.is_file() or name not in dataset_config_names():
        raise UserError(f"There is no dataset '{name}'; choose one of {', '.join(dataset_config_names())}.")
    raw = OmegaConf.to_container(OmegaConf.create(path.read_text()), resolve=False)
    cfg = {k: v for k, v in raw.items() if k not in ("defaults", "_target_", "root")}
    return OfficialScene(**{**cfg, **overrides})


def indian_pines(**overrides) -> OfficialScene:
    """The Indian Pines scene (see configs/dataset/indian_pines.yaml)."""
    return official_scene("indian_pines", **overrides)
