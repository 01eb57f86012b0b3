"""``hsi-data``: list, download, verify and describe the benchmark scenes under the data root.

hsi-data list
hsi-data download pavia_university
hsi-data verify indian_pines
hsi-data info salinas --preview salinas.png   # shape, bands, classes and counts (and a false-colour preview)
"""

from __future__ import annotations

import argparse
import hashlib
import logging
from pathlib import Path

import numpy as np

from hsi.cli.common import fail, help_text
from hsi.data.official import dataset_config_names, official_scene
from hsi.data.root import resolve_data_root
from hsi.errors import UserError


def _size_mb(paths: list[Path]) -> float:
    return sum(p.stat().st_size for p in paths if p.is_file()) / 2**20


def _require_present(scene, name: str, root: Path) -> None:
    missing = [scene.files[part] for part in scene.missing()]
    if missing:
        raise UserError(
            f"{name} is incomplete under {root} (missing {', '.join(missing)}); run `hsi-data download {name}` first."
        )


def cmd_list(root: Path) -> None:
    print(f"data root: {root}")
    print(f"{'dataset':<18} {'present':<9} {'size (MB)':>9}  folder")
    for name in dataset_config_names():
        scene = official_scene(name, root=str(root))
        missing = scene.missing()
        state = "yes" if not missing else ("partly" if len(missing) == 1 else "no")
        size = _size_mb([scene.cube_path, scene.gt_path])
        print(f"{name:<18} {state:<9} {size:>9.1f}  {scene.cube_path.parent}")


def cmd_download(name: str, root: Path) -> None:
    scene = official_scene(name, root=str(root), create_root=True)  # asked for: the folder may be new
    missing = scene.missing()
    if missing:
        scene.fetch(missing)
    scene.check(*scene.read_arrays())
    print(f"{name}: {scene.cube_path} and {scene.gt_path} are present and verified")


def cmd_verify(name: str, root: Path) -> None:
    scene = official_scene(name, root=str(root), download=False)
    _require_present(scene, name, root)
    scene.check(*scene.read_arrays())
    print(f"{name}: verified (shape, class counts" + (", sha256" if scene.sha256 else "") + ")")
    for part, expected in scene.file_sha256.items():
        path = scene.cube_path if part == "cube" else scene.gt_path
        same = hashlib.sha256(path.read_bytes()).hexdigest() == expected
        print(
            f"  {path.name}: "
            + ("the official file, byte for byte" if same else "a re-saved copy (other bytes, same arrays)")
        )


def cmd_info(name: str, root: Path, preview: Path | None) -> None:
    source = official_scene(name, root=str(root), download=False)
    _require_present(source, name, root)
    scene = source.load()
    counts = scene.class_counts()
    print(
        f"{name}: {scene.shape[0]}x{scene.shape[1]} pixels, {scene.num_bands} bands, dtype {scene.cube.dtype}, "
        f"{scene.num_classes} classes, {int(counts.sum())} labelled pixels"
    )
    for k, (label, count) in enumerate(zip(scene.class_names, counts, strict=True), start=1):
        print(f"  {k:>2} {label:<32} {int(count):>7}")
    from hsi.maps.render import rgb_composite, save_upscaled_image

    if preview is None:  # the data folder is the user's: nothing is written there
        return
    out = preview
    save_upscaled_image(out, (rgb_composite(scene.cube, scene.rgb_bands) * 255).astype(np.uint8), min_side=300)
    print(f"preview: {out}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="hsi-data", description=help_text(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, help="data root (default: $HSI_DATA_DIR, else data/)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every dataset, whether it is present, its size")
    commands = {
        "download": "fetch a dataset's two .mat files from the official site (resumable) and verify them",
        "verify": "check a present dataset: shape, class counts and checksums",
        "info": "bands, classes and pixel counts of a present dataset, with --preview a false-colour image",
    }
    for command, words in commands.items():
        p = sub.add_parser(command, help=words, description=words[0].upper() + words[1:] + ".")
        p.add_argument("name", help="dataset name, as `hsi-data list` shows it")
        if command == "info":
            p.add_argument(
                "--preview",
                type=Path,
                help="also write a false-colour preview to this PNG file (three bands as red, green, blue)",
            )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    root = resolve_data_root(args.root)
    try:
        if args.command == "list":
            cmd_list(root)
        elif args.command == "download":
            cmd_download(args.name, root)
        elif args.command == "verify":
            cmd_verify(args.name, root)
        else:
            cmd_info(args.name, root, args.preview)
    except UserError as error:
        fail("hsi-data", error)


if __name__ == "__main__":
    main()
