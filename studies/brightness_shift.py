"""How far a brightness change moves Indian Pines windows in the network's input space (studies/history/recipe.md).

    python studies/brightness_shift.py --data-root ../shared/data [--spread 0.2]

The default protocol's whitened PCA (30 components, fitted on every pixel) is affine, so scaling a
spectrum by ``1 + s`` moves its components by ``s * (z - dark)``, ``dark`` being the PCA image of a
black spectrum. Printed: the size of that move at the largest factor of ``--spread`` (median over the
labelled pixels), against the distances between the 16 class means and a pixel's mean distance to
its own class mean; and the spread whose median move equals the closest two class means.
"""

from __future__ import annotations

import argparse

import numpy as np

from hsi.data import indian_pines
from hsi.preprocess import fit_pca


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None, help="default: the project's data root (HSI_DATA_DIR)")
    parser.add_argument("--spread", type=float, default=0.2)
    args = parser.parse_args()
    scene = indian_pines(root=args.data_root).load()
    cube, gt = scene.cube.astype(np.float64), scene.gt
    pca = fit_pca(cube, np.ones(gt.shape, dtype=bool), 30, whiten=True)
    z = pca.transform(cube).reshape(-1, 30).astype(np.float64)
    dark = pca.transform(np.zeros((1, 1, cube.shape[2]))).reshape(-1)
    labels = gt.ravel()
    classes = np.unique(labels[labels > 0])
    means = np.stack([z[labels == k].mean(0) for k in classes])
    between = np.linalg.norm(means[:, None] - means[None], axis=-1)[np.triu_indices(len(classes), 1)]
    within = np.mean([np.linalg.norm(z[labels == k] - means[i], axis=1).mean() for i, k in enumerate(classes)])
    unit_move = np.median(np.linalg.norm(z[labels > 0] - dark, axis=1))  # the move per unit of (factor - 1)
    print(f"black spectrum in PCA space: norm {np.linalg.norm(dark):.1f}, largest component {np.abs(dark).max():.1f}")
    print(f"move at factor 1 +- {args.spread:g}: median {args.spread * unit_move:.2f} (whitened units)")
    print(f"distance between class means: smallest {between.min():.2f}, median {np.median(between):.2f}")
    print(f"mean distance of a pixel to its class mean: {within:.2f}")
    print(f"spread whose median move equals the closest class means: {between.min() / unit_move:.3f}")


if __name__ == "__main__":
    main()
