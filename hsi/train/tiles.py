"""Batches made of tiles of the scene, so that overlapping windows share their convolutions.

Window by window, every training pixel's window goes through the whole network, although two
neighbouring 25x25 windows overlap in 600 of their 625 pixels and their convolutions compute the
same numbers again. Here a step runs the network's trunk (every layer before the first that pools
over a window: :meth:`hsi.models.HybridSN.trunk`) once over square tiles of the padded scene, cuts
each pixel's footprint from the trunk's map and runs only the head per pixel. Convolutions without
padding commute with translation, so a pixel's footprint is exactly the trunk map of its own
window: the logits, the loss and its gradient are those of the window batch of the same pixels,
as long as no layer of the trunk mixes windows (dropout sits in the head, which stays per pixel;
batch norm in training takes its statistics over the batch's windows, :mod:`hsi.models.window_norm`).
``tests/test_tiles.py`` checks it in float64. The same idea makes the full-scene map one dense pass
(:mod:`hsi.train.predict`); Long, Shelhamer and Darrell ("Fully Convolutional Networks for Semantic
Segmentation", CVPR 2015) train patch classifiers this way.

Two ways to make the batches. :func:`cover` keeps the window batches (random pixels from all over
the scene) and computes each through the cells of a fixed grid that hold its pixels: the same
training, but a random batch of 64 pixels touches most of a small scene, so little is shared.
:func:`grid_batches` makes whole cells of a grid (random offset and order every epoch) the batches:
every tile is computed once an epoch, the least arithmetic, but a batch then holds a few patches
of neighbouring pixels, a different training (studies/history/speed.md measures what it does to accuracy).
Either way a cell becomes the ``side x side`` square of output pixels that contains its part of
the scene (moved inwards at the scene's edges, so every tile has one shape and a step stacks its
tiles into one batch).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from hsi.errors import UserError
from hsi.models.sharing import sharing
from hsi.models.window_norm import counting_windows
from hsi.patches import PatchSampler
from hsi.train import dihedral
from hsi.train.predict import mean_probability_logits

MIN_SIDE = 4  # smaller tiles share almost nothing: their halo is most of their area


@dataclass(frozen=True)
class TileBatch:
    """Tiles of one step and the pixels they hold.

    ``corners (N, 2)``: scene row and column of each tile's top-left output pixel; for each of
    the ``P`` pixels, ``index``: its position in the pixel list the batches were made from,
    ``pixels``: its flat scene index, ``tile``: which tile holds it, ``row``/``col``: where in it.
    """

    corners: torch.Tensor
    index: torch.Tensor
    pixels: torch.Tensor
    tile: torch.Tensor
    row: torch.Tensor
    col: torch.Tensor


def _cells(pixels: torch.Tensor, shape: tuple[int, int], side: int, offset: tuple[int, int] = (0, 0)):
    """The grid cell (row-major number) of every flat pixel, for a grid of ``side`` shifted by ``offset``."""
    width = shape[1]
    columns = (width - 1 + offset[1]) // side + 1
    return ((pixels // width + offset[0]) // side) * columns + (pixels % width + offset[1]) // side


def _batch(pixels: torch.Tensor, index: torch.Tensor, cell: torch.Tensor, shape, side: int, offset) -> TileBatch:
    """The :class:`TileBatch` of ``pixels`` (positions ``index``) whose grid cells are ``cell``."""
    height, width = shape
    columns = (width - 1 + offset[1]) // side + 1
    cells, tile = torch.unique(cell, return_inverse=True)
    # A cell cut short by the scene's edge, or reaching past it, gets a tile moved inwards, of the same shape.
    top = ((cells // columns) * side - offset[0]).clamp(0, height - side)
    left = ((cells % columns) * side - offset[1]).clamp(0, width - side)
    return TileBatch(
        corners=torch.stack([top, left], 1),
        index=index,
        pixels=pixels,
        tile=tile,
        row=pixels // width - top[tile],
        col=pixels % width - left[tile],
    )


def cover(pixels, shape: tuple[int, int], side: int) -> TileBatch:
    """The tiles of ``side`` that hold ``pixels`` (flat scene indices), and where each pixel lies in them.

    The pixels keep their order (``index`` is ``0 .. P-1``), so a batch's per-pixel head, its dropout
    masks and its loss see them exactly as a window batch of the same pixels would.
    """
    pixels = torch.as_tensor(pixels, dtype=torch.long)
    return _batch(pixels, torch.arange(len(pixels)), _cells(pixels, shape, side), shape, side, (0, 0))


def grid_batches(pixels, shape: tuple[int, int], side: int, steps: int, generator: torch.Generator) -> list[TileBatch]:
    """Whole cells of a grid as batches: a grid of ``side`` at an offset drawn from ``generator``, its cells
    that hold pixels in a drawn order, cut into at most ``steps`` batches of about equal pixel counts.

    Every pixel lies in exactly one batch, and each tile is computed once an epoch: the least arithmetic.
    But a batch then holds a few patches of neighbouring pixels instead of pixels from all over the scene,
    which trained measurably worse on Indian Pines (studies/history/speed.md).
    """
    pixels = torch.as_tensor(pixels, dtype=torch.long)
    offset = tuple(int(v) for v in torch.randint(0, side, (2,), generator=generator))
    cell = _cells(pixels, shape, side, offset)
    cells, which = torch.unique(cell, return_inverse=True)
    order = torch.randperm(len(cells), generator=generator)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(len(order))
    counts = torch.bincount(which, minlength=len(cells))[order]
    # Each cell goes to the step in whose share of the pixels its middle falls.
    step_of = ((counts.cumsum(0) - counts / 2) * steps / len(pixels)).floor().long().clamp(max=steps - 1)
    batches = []
    for step in torch.unique(step_of):
        chosen = torch.zeros(len(cells), dtype=torch.bool)
        chosen[order[step_of == step]] = True
        index = chosen[which].nonzero().squeeze(1)
        index = index[torch.argsort(rank[which[index]], stable=True)]  # cell by cell, in the drawn order
        batches.append(_batch(pixels[index], index, cell[index], shape, side, offset))
    return batches


def epoch_batches(
    pixels: torch.Tensor, shape: tuple[int, int], side: int, batch_size: int, grid: bool, generator: torch.Generator
):
    """One epoch's batches, drawn from ``generator``: whole grid cells (``grid``) in as many steps as window
    batches of ``batch_size`` would take (so schedules keep their length), or the window batches' pixels
    in a fresh order, each covered by its tiles."""
    if grid:
        return grid_batches(pixels, shape, side, -(-len(pixels) // batch_size), generator)
    order = pixels[torch.randperm(len(pixels), generator=generator)]
    return (cover(batch, shape, side) for batch in order.split(batch_size))


def step_cost(tile_count: int, side: int, window: int) -> int:
    """Input pixels a step's trunk reads: the tiles with their halo; a lone tile counts twice, because a
    batch of one item ran far slower per pixel (2 cores, float32: the trunk of one 56x56-input tile,
    forward and backward, took 296 ms, that of two such tiles 157 ms; of one 169x169 tile 1.27x longer
    per pixel than of four 97x97 ones)."""
    return tile_count * (side + window - 1) ** 2 * (2 if tile_count == 1 else 1)


def auto_side(pixels, shape: tuple[int, int], batch_size: int, window: int, draws: int = 8) -> int:
    """The tile side with the lowest :func:`step_cost` for random batches of ``batch_size`` of ``pixels``.

    Judged on ``draws`` batches drawn with a fixed seed of their own (the run's generator is not touched).
    """
    batches = _sample_batches(pixels, batch_size, draws)
    sides = sorted({*range(MIN_SIDE, 64, 4), *range(64, min(shape) + 1, 16), min(shape)})
    return min((s for s in sides if s <= min(shape)), key=lambda side: _batch_cost(batches, shape, side, window))


def _sample_batches(pixels, batch_size: int, draws: int) -> list[torch.Tensor]:
    """Random batches of ``pixels`` drawn with a fixed seed of their own (a run's generator is not touched)."""
    pixels = torch.as_tensor(pixels, dtype=torch.long)
    generator = torch.Generator().manual_seed(0)
    return [pixels[torch.randperm(len(pixels), generator=generator)[:batch_size]] for _ in range(draws)]


def _batch_cost(batches: list[torch.Tensor], shape, side: int, window: int) -> int:
    return sum(step_cost(len(torch.unique(_cells(b, shape, side))), side, window) for b in batches)


def cost_against_windows(pixels, shape: tuple[int, int], side: int, batch_size: int, window: int) -> float:
    """Input pixels the tiles of random batches read, over those of the same batches' windows (``> 1``:
    :func:`cover` does more work than windows would; random pixels spread over a large scene do that)."""
    batches = _sample_batches(pixels, batch_size, 8)
    return _batch_cost(batches, shape, side, window) / sum(len(b) * window * window for b in batches)


def auto_grid_side(pixels, shape: tuple[int, int], steps: int, tiles_per_step: int = 2) -> int:
    """For :func:`grid_batches`: the largest side whose grids put ``pixels`` in at least ``tiles_per_step``
    tiles a step on average (a lone tile is slow, :func:`step_cost`), judged on four offsets."""
    pixels = torch.as_tensor(pixels, dtype=torch.long)
    for side in range(min(shape), MIN_SIDE - 1, -1):
        offsets = [(0, 0), (side // 2, side // 2), (0, side // 2), (side // 2, 0)]
        count = sum(len(torch.unique(_cells(pixels, shape, side, o))) for o in offsets)
        if count >= 4 * tiles_per_step * steps:
            return side
    return MIN_SIDE


def check_side(side: int, shape: tuple[int, int]) -> None:
    if side > min(shape):
        raise UserError(
            f"trainer.tile_side is {side}, larger than the scene ({shape[0]}x{shape[1]}); "
            f"use at most {min(shape)}, or null to choose it."
        )


def cut_tiles(padded: torch.Tensor, corners: torch.Tensor, side: int, margin: int) -> torch.Tensor:
    """The tiles' inputs ``(N, 1, bands, side + 2 margin, side + 2 margin)`` from the padded scene ``(bands, H', W')``.

    Output pixel ``(r, c)`` of the scene sits at ``(r + margin, c + margin)`` of the padded cube,
    so a tile of output rows ``top .. top + side - 1`` reads padded rows ``top .. top + side + 2 margin - 1``.
    """
    span = side + 2 * margin
    return torch.stack([padded[:, t : t + span, c : c + span] for t, c in corners.tolist()]).unsqueeze(1)


def turn(
    tiles: torch.Tensor, batch: TileBatch, views: torch.Tensor, side: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Each tile under its own element of D4 (``views (N,)``), and where each pixel went: ``(tiles, row, col)``.

    A tile's input is its output square plus the same margin on every side, so turning the input
    turns the output square onto itself, and the window around a pixel of the turned tile is the
    turned window around the same pixel (:mod:`hsi.train.dihedral`).
    """
    turned = torch.empty_like(tiles)
    for k in views.unique().tolist():
        chosen = (views == k).nonzero().squeeze(1)
        turned[chosen] = dihedral.apply(tiles[chosen], k)
    # Where each output position lands: turn a map of position numbers the same way, then invert it.
    numbers = torch.arange(side * side).reshape(side, side)
    landing = torch.empty(dihedral.ORDER, side * side, dtype=torch.long)
    for k in range(dihedral.ORDER):
        landing[k, dihedral.apply(numbers, k).reshape(-1)] = torch.arange(side * side)
    moved = landing[views[batch.tile], batch.row * side + batch.col]
    return turned, moved // side, moved % side


def footprints(trunk_map: torch.Tensor, tile: torch.Tensor, row: torch.Tensor, col: torch.Tensor, side: int):
    """Each pixel's ``side x side`` footprint ``(P, C, side, side)`` cut from the trunk maps ``(N, C, h, w)``.

    One ``index_select`` on the channels-last map: its backward pass is a scatter-add into the
    map, not a dense copy of every possible footprint.
    """
    n, channels, h, w = trunk_map.shape
    flat = trunk_map.permute(0, 2, 3, 1).reshape(n * h * w, channels)
    offsets = (torch.arange(side)[:, None] * w + torch.arange(side)[None, :]).reshape(-1).to(trunk_map.device)
    corner = (tile * h * w + row * w + col).to(trunk_map.device)
    picked = flat.index_select(0, (corner[:, None] + offsets[None, :]).reshape(-1))
    return picked.reshape(len(tile), side, side, channels).permute(0, 3, 1, 2).contiguous()


def tile_logits(
    model: nn.Module, tiles: torch.Tensor, tile: torch.Tensor, row: torch.Tensor, col: torch.Tensor, side: int
):
    """Logits ``(P, K)`` of the pixels at ``row``, ``col`` of tiles of output side ``side``: the trunk once,
    the head per pixel. Batch norm in training takes its statistics over these pixels' windows."""
    with counting_windows(model, len(tiles), side, tile, row, col):
        trunk_map = model.trunk(tiles)
    return model.head(footprints(trunk_map, tile, row, col, model.trunk_side()))


def obstacle(model: nn.Module) -> str | None:
    """Why ``model`` cannot train on tiles exactly, in words; None when it can."""
    name, shares = type(model).__name__, sharing(model)
    if not shares.trunk:
        return f"{name} has no trunk that overlapping windows could share"
    if shares.batch_statistics:
        return f"this {name} has batch norm whose statistics over tiles would differ from those over windows"
    return None


def check_model(model: nn.Module, batches: str = "tiles") -> None:
    """One sentence, as a :class:`UserError`, if ``model`` cannot train on tiles."""
    reason = obstacle(model)
    if reason is not None:
        config = f" (or trainer=default instead of trainer={batches})" if batches != "tiles" else ""
        raise UserError(
            f"trainer.batches={batches} cannot train this model: {reason}; train it window by window with "
            f"trainer.batches=windows{config}."
        )


@torch.no_grad()
def pixel_logits(
    model: nn.Module, sampler: PatchSampler, pixels, side: int, pixels_per_pass: int, tta: bool = False
) -> torch.Tensor:
    """Logits ``(len(pixels), K)`` (float32, on the model's device) of flat scene pixels, through tiles of the
    scene that ``sampler`` cuts windows from.

    With ``tta``, the log of the mean softmax over the eight flipped and rotated views of each tile.
    The caller puts the model in evaluation mode and chooses the precision.
    """
    pixels = torch.as_tensor(pixels, dtype=torch.long)
    device, shape = next(model.parameters()).device, sampler.scene_shape
    out = None
    # Neighbours in one pass, so that each pass covers few tiles.
    by_cell = torch.argsort(_cells(pixels, shape, side), stable=True)
    for chunk in by_cell.split(pixels_per_pass):
        batch = cover(pixels[chunk], shape, side)
        tiles = cut_tiles(sampler.padded, batch.corners, side, sampler.margin).to(device)
        if not tta:
            logits = tile_logits(model, tiles, batch.tile, batch.row, batch.col, side).float()
        else:
            views = []
            for k in range(dihedral.ORDER):
                every = torch.full((len(batch.corners),), k, dtype=torch.long)
                turned, row, col = turn(tiles, batch, every, side)
                views.append(tile_logits(model, turned, batch.tile, row, col, side).float().softmax(1))
            logits = mean_probability_logits(views)
        if out is None:
            out = torch.empty(len(pixels), logits.shape[1], device=logits.device)
        out[chunk.to(logits.device)] = logits
    return out if out is not None else torch.empty(0, 0)
