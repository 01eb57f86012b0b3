"""A balanced spatially disjoint split: whole blocks train, validate or test, chosen for all classes at once.

Random pixel splits put almost every test pixel inside some training window, so a patch
classifier is tested on pixels it has seen (Nalepa, Myller, Kawulok, "Validating
Hyperspectral Image Segmentation", IEEE GRSL 16(8), 2019). Blocked cross-validation with a
buffer (Roberts et al., "Cross-validation strategies for data with temporal, spatial,
hierarchical, or phylogenetic structure", Ecography 40, 2017) is the remedy: the scene is cut
into square blocks, every block goes wholly to one part, and validation and test pixels
within ``window // 2`` of any training pixel are dropped, so neither is ever seen inside a
training window.

Drawing blocks class by class and cutting the buffer afterwards scatters training blocks over
the scene, and the buffer then eats most of it. Here the assignment is made jointly for all
classes by a sequential search that weighs, for each candidate training block, how much it brings
the classes still short of their training share against the labelled pixels its buffer would
drop and the validation and test pixels a class would lose; validation blocks are then chosen
among the pixels left outside every training window. Each step draws its block at random among
all candidates, weighted by ``exp(score / temperature)``, so that different seeds put different
fields and blocks in training (taking only the few best would give nearly one split for every
seed). Seeded draws are made until one meets every class's minimum supports, and that one is kept:
a sample of the admissible assignments, and a deterministic function of the seed.

Classes that cannot train their share and still be tested (:func:`testable_classes`) train on all
their pixels, placed before the search so that their windows' buffer is known to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import ndimage, sparse

from hsi.errors import UserError
from hsi.splits.base import Split, block_index, check_fractions, class_name, inside_training_windows

log = logging.getLogger(__name__)

# How hard the training search avoids pushing a class below this share of its pixels left for
# validation and test (or below min_val + min_test, whichever is larger). Measured on the
# geometry of Indian Pines (studies/split_geometry.py), not on any accuracy.
GUARD_SHARE = 0.3
GUARD_WEIGHT = 5.0
DROP_WEIGHT = 1.0


@dataclass
class _Blocks:
    """The scene's labelled pixels grouped by block, with each block's buffer footprint."""

    members: sparse.csr_matrix  # blocks x pixels: the labelled pixels of each block
    footprint: sparse.csr_matrix  # blocks x pixels: pixels within window // 2 of a block's labelled pixels
    onehot: sparse.csr_matrix  # pixels x (classes + 1): one-hot class of each pixel (column 0: unlabelled)
    labels: np.ndarray  # flat ground truth

    @property
    def count(self) -> int:
        return self.members.shape[0]

    def per_class(self, matrix: sparse.csr_matrix, pixels: np.ndarray) -> np.ndarray:
        """``blocks x classes`` counts of the ``pixels`` (a boolean mask) under each row of ``matrix``."""
        return np.asarray((matrix @ self.onehot.multiply(pixels[:, None]).tocsc()).todense())

    def pixels(self, matrix: sparse.csr_matrix, block: int) -> np.ndarray:
        return matrix.indices[matrix.indptr[block] : matrix.indptr[block + 1]]


def _blocks(gt: np.ndarray, block_size: int, window: int) -> _Blocks:
    height, width = gt.shape
    flat = gt.ravel()
    block_of = block_index(gt.shape, block_size).ravel()
    labelled = np.flatnonzero(flat > 0)
    ids, block_of_labelled = np.unique(block_of[labelled], return_inverse=True)
    members = sparse.csr_matrix((np.ones(len(labelled)), (block_of_labelled, labelled)), shape=(len(ids), flat.size))
    reach = window // 2
    foot_rows, foot_cols = [], []
    for b in range(len(ids)):
        own = members.indices[members.indptr[b] : members.indptr[b + 1]]
        r, c = np.divmod(own, width)
        r0, c0 = max(0, r.min() - reach), max(0, c.min() - reach)
        r1, c1 = min(height, r.max() + reach + 1), min(width, c.max() + reach + 1)
        crop = np.zeros((r1 - r0, c1 - c0), dtype=np.uint8)
        crop[r - r0, c - c0] = 1
        near_r, near_c = np.nonzero(ndimage.maximum_filter(crop, size=window, mode="constant"))
        foot_rows.append(np.full(len(near_r), b))
        foot_cols.append((near_r + r0) * width + near_c + c0)
    footprint = sparse.csr_matrix(
        (np.ones(sum(map(len, foot_rows))), (np.concatenate(foot_rows), np.concatenate(foot_cols))),
        shape=(len(ids), flat.size),
    )
    num_classes = int(flat.max())
    onehot = sparse.csr_matrix((np.ones(flat.size), (np.arange(flat.size), flat)), shape=(flat.size, num_classes + 1))
    return _Blocks(members.astype(bool).astype(np.float64).tocsr(), footprint.tocsr(), onehot, flat)


def _can_share(counts: list[int], min_val: int, min_test: int) -> bool:
    """Whether whole blocks holding ``counts`` pixels can be parted into >= min_val and >= min_test."""
    counts = sorted(counts, reverse=True)
    total = sum(counts)
    prefix = np.cumsum(counts)
    return any(
        (p >= min_test and total - p >= min_val) or (p >= min_val and total - p >= min_test) for p in prefix[:-1]
    )


def _grown_from(block: int, need: int, blocks: np.ndarray, counts: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """``block`` and then the class's nearest other blocks, until they hold ``need`` of its pixels."""
    order = np.argsort(np.hypot(*(centres - centres[blocks == block][0]).T), kind="stable")
    held = np.cumsum(counts[order])
    return blocks[order[: int(np.searchsorted(held, need)) + 1]]


def testable_classes(
    gt: np.ndarray, block_size: int, window: int, min_val: int, min_test: int, train_fraction: float = 0.0
) -> list[int]:
    """Classes that some assignment could test: checked for each class alone, its best case.

    A class is testable when training on its training share (``train_fraction`` of its pixels,
    at least one) in one block, or in one block and its nearest blocks where one block holds
    too few, leaves, outside their windows, pixels in other blocks that can be parted into
    ``min_val`` validation and ``min_test`` test pixels. Other classes' training blocks only
    add buffer, so the check is the class's best case among the compact training sets the
    search grows, and a class that fails it is not asked of the search (a single small field:
    Indian Pines' Oats is 20 pixels in a 10x2 strip, narrower than a 25x25 window; its Alfalfa,
    46 pixels in blocks of 33, 12 and 1, cannot train five pixels and keep fifteen outside a
    9x9 window).
    """
    block_of = block_index(gt.shape, block_size)
    rows, cols = np.indices(gt.shape)
    out = []
    for k in (int(v) for v in np.unique(gt) if v > 0):
        mask = gt == k
        need = max(1, int(round(train_fraction * mask.sum())))
        blocks, index, counts = np.unique(block_of[mask], return_inverse=True, return_counts=True)
        centres = np.stack([np.bincount(index, weights=c[mask]) / counts for c in (rows, cols)], axis=1)
        for b in blocks:
            seeds = mask & np.isin(block_of, _grown_from(b, need, blocks, counts, centres))
            left = mask & ~inside_training_windows(seeds, window)
            counts_left = np.bincount(block_of[left], minlength=block_of.max() + 1)
            if _can_share([int(n) for n in counts_left if n], min_val, min_test):
                out.append(k)
                break
    return out


@dataclass
class _Attempt:
    train: np.ndarray  # boolean masks over flat pixels
    val: np.ndarray
    test: np.ndarray
    dropped: np.ndarray
    short: list[int]  # testable classes that miss a minimum support


def _choose(scores: np.ndarray, candidates: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """One candidate, drawn with probability proportional to ``exp(score / temperature)`` (0: the best)."""
    scores = scores[candidates]
    if temperature <= 0:
        return int(candidates[np.argmax(scores)])
    weights = np.exp((scores - scores.max()) / temperature)
    return int(candidates[rng.choice(len(candidates), p=weights / weights.sum())])


@dataclass(frozen=True)
class _Search:
    """The settings of one search, and the training pixels placed before it (untestable classes, whole)."""

    train_fraction: float
    val_fraction: float
    min_val: int
    min_test: int
    temperature: float
    testable: np.ndarray  # boolean over label values 0..max
    placed: np.ndarray  # flat boolean: pixels that train before any block is drawn
    placed_near: np.ndarray  # flat boolean: pixels inside their windows


def _training_blocks(
    blocks: _Blocks, need: np.ndarray, guard: np.ndarray, search: _Search, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Grow the training part block by block from the placed pixels; returns the training and buffer masks."""
    labelled = blocks.labels > 0
    testable = search.testable
    train, near = search.placed.copy(), search.placed_near.copy()
    used = np.zeros(blocks.count, bool)
    have = np.bincount(blocks.labels[train], minlength=len(need))
    class_size = np.maximum(1, np.bincount(blocks.labels[labelled], minlength=len(need)))
    drop_scale = max(1.0, need.sum())
    while (deficit := np.maximum(0, need - have))[1:].sum() > 0:
        free = labelled & ~train & ~near  # could still validate or test
        add = blocks.per_class(blocks.members, labelled & ~train)
        add_free = blocks.per_class(blocks.members, free)
        lost = blocks.per_class(blocks.footprint, free) - add_free  # fall into the new buffer
        recovered = blocks.per_class(blocks.members, labelled & near & ~train).sum(1)  # dropped, now training
        gain = (np.minimum(add, deficit)[:, 1:] / np.maximum(need[1:], 1)).sum(1)
        over = ((np.maximum(0, have + add - need) - np.maximum(0, have - need))[:, 1:] / class_size[1:]).sum(1)
        remaining = np.bincount(blocks.labels[free], minlength=len(need))
        after = remaining - lost - add_free
        short_now = np.maximum(0, guard - remaining)
        short_after = np.maximum(0, guard - after)
        guard_cost = ((short_after - short_now)[:, testable] / np.maximum(guard[testable], 1)).sum(1)
        score = gain - over - DROP_WEIGHT * (lost[:, 1:].sum(1) - recovered) / drop_scale - GUARD_WEIGHT * guard_cost
        candidates = np.flatnonzero(~used & (gain > 0))
        if not len(candidates):
            break
        b = _choose(score, candidates, search.temperature, rng)
        used[b] = True
        own = blocks.pixels(blocks.members, b)
        have += np.bincount(blocks.labels[own[~train[own]]], minlength=len(need))
        train[own] = True
        near[blocks.pixels(blocks.footprint, b)] = True
    return train, near & labelled & ~train


def _validation_blocks(
    blocks: _Blocks,
    free: np.ndarray,
    need: np.ndarray,
    keep_for_test: np.ndarray,
    temperature: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Blocks of pixels outside every training window that validate, until each class has its share."""
    val = np.zeros(free.size, bool)
    have = np.zeros_like(need)
    left = np.bincount(blocks.labels[free], minlength=len(need))
    while (deficit := np.maximum(0, need - have))[1:].sum() > 0:
        add = blocks.per_class(blocks.members, free & ~val)
        gain = (np.minimum(add, deficit)[:, 1:] / np.maximum(need[1:], 1)).sum(1)
        # taking a test class below its minimum costs more than any gain
        starved = ((left - have - add) < keep_for_test) & (add > 0) & (keep_for_test > 0)
        score = gain - 2.0 * starved[:, 1:].sum(1)
        candidates = np.flatnonzero((gain > 0) & (add.sum(1) > 0))
        if not len(candidates):
            break
        b = _choose(score, candidates, temperature, rng)
        own = blocks.pixels(blocks.members, b)
        own = own[free[own] & ~val[own]]
        have += np.bincount(blocks.labels[own], minlength=len(need))
        val[own] = True
    return val


def _attempt(blocks: _Blocks, search: _Search, rng: np.random.Generator) -> _Attempt:
    testable, min_val, min_test = search.testable, search.min_val, search.min_test
    train_fraction, val_fraction = search.train_fraction, search.val_fraction
    labelled = blocks.labels > 0
    class_size = np.bincount(blocks.labels[labelled], minlength=testable.size)
    need = np.maximum(1, np.round(train_fraction * class_size)).astype(int)
    need[class_size == 0] = 0  # label values the scene does not use, and 0 (unlabelled)
    need[~testable] = class_size[~testable]  # placed whole before the search
    guard = np.maximum(min_val + min_test, np.round(GUARD_SHARE * class_size)).astype(int)
    train, dropped = _training_blocks(blocks, need, guard, search, rng)
    free = labelled & ~train & ~dropped
    kept = np.bincount(blocks.labels[free], minlength=testable.size)
    # validation takes its share of what is left, as it would of the whole class
    val_need = np.maximum(min_val, np.round(kept * val_fraction / (1 - train_fraction))).astype(int)
    val_need = np.where(testable, np.minimum(val_need, np.maximum(0, kept - min_test)), 0)
    val = _validation_blocks(blocks, free, val_need, np.where(testable, min_test, 0), search.temperature, rng)
    test = free & ~val
    n_val = np.bincount(blocks.labels[val], minlength=testable.size)
    n_test = np.bincount(blocks.labels[test], minlength=testable.size)
    n_train = np.bincount(blocks.labels[train], minlength=testable.size)
    short = [k for k in np.flatnonzero(testable) if n_val[k] < min_val or n_test[k] < min_test or n_train[k] == 0]
    short += [k for k in np.flatnonzero(~testable) if k > 0 and class_size[k] and n_train[k] == 0]
    return _Attempt(train, val, test, dropped, sorted(short))


def _first_admissible(blocks: _Blocks, search: _Search, seed: int, attempts: int) -> _Attempt:
    """The first draw that gives every testable class its minimum supports, else the one that came closest.

    Keeping the first admissible draw, not the best of several, makes the split a sample of the
    admissible assignments: the best by any score is nearly the same assignment for every seed.
    """
    closest = None
    for a in range(attempts):
        drawn = _attempt(blocks, search, np.random.default_rng([seed, a]))
        if not drawn.short:
            return drawn
        if closest is None or len(drawn.short) < len(closest.short):
            closest = drawn
    return closest


def _check_settings(
    gt: np.ndarray,
    train_fraction: float,
    val_fraction: float,
    block_size: int,
    min_val: int,
    min_test: int,
    attempts: int,
    class_names,
) -> None:
    check_fractions(train_fraction, val_fraction)
    if block_size < 1:
        raise UserError(f"split.block_size is {block_size}; it must be at least 1 pixel.")
    if min_val < 0 or min_test < 1:
        raise UserError(
            f"split.min_val is {min_val} and split.min_test {min_test}; use min_val >= 0 and min_test >= 1."
        )
    if attempts < 1:
        raise UserError(f"split.attempts is {attempts}; it must be at least 1.")
    single = [int(k) for k in np.unique(gt) if k > 0 and (gt == k).sum() < 2]
    if single:
        raise UserError(
            f"Class {single[0]} ({class_name(single[0], class_names)}) has a single labelled pixel; "
            "it cannot both train and test."
        )


def _untestable_notes(untestable: tuple[int, ...], min_val: int, min_test: int, window: int, class_names) -> tuple:
    if not untestable:
        return ()
    names = ", ".join(class_name(k, class_names) for k in untestable)
    note = (
        f"{names} cannot keep {min_val} validation and {min_test} test pixels outside every "
        f"{window}x{window} training window once their training share is placed: trained on all their pixels, "
        "not tested"
    )
    log.warning("disjoint split: %s", note)
    return (note,)


def spatially_disjoint_split(
    gt: np.ndarray,
    seed: int,
    train_fraction: float = 0.1,
    val_fraction: float = 0.05,
    block_size: int = 8,
    min_val: int = 5,
    min_test: int = 10,
    attempts: int = 32,
    class_names=None,
    window: int = 25,
    temperature: float = 0.2,
) -> Split:
    """Whole blocks train, validate or test; no validation or test pixel lies inside a training window.

    Args:
        train_fraction: the share of each class's pixels to train on (whole blocks make it approximate).
        val_fraction: the share of each class's pixels to validate on, taken from what the buffer leaves.
        block_size: the side of the square blocks, in pixels.
        min_val, min_test: per-class minimum supports. A class that cannot train its share and keep them
            (see :func:`testable_classes`) trains but is not tested, and the log names it; if a
            testable class misses them in every attempt, the split stops with a sentence naming it.
        attempts: seeded draws of the search; the first that meets every minimum is kept.
        window: the classifier's window; the buffer is ``window // 2`` pixels.
        temperature: each step draws its block with weight ``exp(score / temperature)``; 0 takes the best
            every time (one split for every seed). Chosen on geometry alone (studies/split_geometry.py).
    """
    _check_settings(gt, train_fraction, val_fraction, block_size, min_val, min_test, attempts, class_names)
    if temperature < 0:
        raise UserError(f"split.temperature is {temperature}; it must be 0 (always the best block) or more.")
    classes = [int(k) for k in np.unique(gt) if k > 0]
    testable = np.zeros(int(gt.max()) + 1, bool)
    testable[testable_classes(gt, block_size, window, min_val, min_test, train_fraction)] = True
    blocks = _blocks(gt, block_size, window)
    placed = (gt > 0) & ~testable[gt]  # untestable classes train on all their pixels
    fractions = (train_fraction, val_fraction, min_val, min_test, temperature)
    search = _Search(*fractions, testable, placed.ravel(), inside_training_windows(placed, window).ravel())
    best = _first_admissible(blocks, search, seed, attempts)
    if best.short:
        names = ", ".join(class_name(k, class_names) for k in best.short)
        raise UserError(
            f"No spatially disjoint split of this scene gives {names} at least {min_val} validation and "
            f"{min_test} test pixels outside every training window; lower split.min_val or split.min_test, "
            "use a smaller preprocess.window or split.block_size, or raise split.attempts."
        )
    untestable = tuple(k for k in classes if not testable[k])
    val, test = best.val, best.test
    notes = _untestable_notes(untestable, min_val, min_test, window, class_names)
    train, dropped = np.flatnonzero(best.train), np.flatnonzero(best.dropped)
    return Split(train, np.flatnonzero(val), np.flatnonzero(test), dropped=dropped, untestable=untestable, notes=notes)
