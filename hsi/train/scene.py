"""Whole-scene batches: the trunk once over the whole scene a step, the loss on a stratified sample of pixels.

Window batches mix pixels from all over the scene but compute every window's convolutions on
their own; tiles of a grid share the convolutions but a batch holds a few patches of neighbours
(:mod:`hsi.train.tiles`). Patch-free global learning has both (Zheng, Zhong, Ma and Zhang, "FPGA:
Fast Patch-Free Global Learning Framework for Fully End-to-End Hyperspectral Image
Classification", IEEE TGRS 2020): each step runs the network over the whole image and reads the
loss at a sample of training pixels drawn afresh, stratified by class ("global stochastic
stratified sampling"). Here the step runs a network's trunk over the whole scene, or over a
square crop of it where the scene is not square or larger than the memory allows; the head runs
only at the sampled pixels, so the logits, loss and gradients are exactly those of the window
batch of the same pixels (batch norm included, :mod:`hsi.models.window_norm`; ``tests/test_scene.py``
checks them in float64).

The sample is stratified proportionally: each class's share of a step is its share of the
training pixels the crop holds (largest remainders rounded up), so a step has the class mix of
the training set, as a random window batch has on average, without its spread. FPGA draws the
same number of pixels of every class instead, which reweighs the classes; that is a different
loss, not what the window path trains.
"""

from __future__ import annotations

import os

import torch
from torch import nn

from hsi.patches import PatchSampler
from hsi.train.tiles import MIN_SIDE, TileBatch

# A step keeps every layer's output for the backward pass and one gradient of the same size at a time,
# with the library's workspace and the process itself besides: about three times the outputs' bytes
# (Indian Pines, HybridSN, float32: 9,216 bytes a position, at most 263 MB over the whole scene's
# 169x169 input; the process's peak was 785 MB).
BYTES_PER_OUTPUT_BYTE = 3
MEMORY_SHARE = 0.5  # of the memory available when the fit starts


def stratified_sample(classes: torch.Tensor, size: int, generator: torch.Generator) -> torch.Tensor:
    """Positions in ``classes`` (the class of each candidate pixel) of a sample of ``size`` drawn without
    replacement, each class's share proportional to its count (largest remainders get the leftover pixels,
    ties broken at random); all of them when ``size`` is at least their number."""
    count = len(classes)
    if size >= count:
        return torch.randperm(count, generator=generator)
    labels, which, counts = torch.unique(classes, return_inverse=True, return_counts=True)
    quota = counts.double() * size / count
    take = quota.floor().long()
    left = size - int(take.sum())
    if left:
        remainder = quota - take + torch.rand(len(labels), generator=generator, dtype=torch.float64) * 1e-9
        take[torch.argsort(remainder, descending=True)[:left]] += 1
    order = torch.randperm(count, generator=generator)
    # Within each class, its first `take` candidates in a random order.
    sorted_order = order[torch.argsort(which[order], stable=True)]
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.arange(count) - starts[which[sorted_order]]
    return sorted_order[rank < take[which[sorted_order]]]


def crop_corner(pixels: torch.Tensor, shape: tuple[int, int], side: int, generator: torch.Generator):
    """The top-left output pixel ``(row, col)`` of a ``side`` crop of a scene of ``shape`` that holds a
    training pixel drawn at random: the crop's place is uniform among those that hold it."""
    height, width = shape
    anchor = int(pixels[torch.randint(len(pixels), (1,), generator=generator)])
    row, col = divmod(anchor, width)

    def start(position: int, length: int) -> int:
        low, high = max(0, position - side + 1), min(position, length - side)
        return low + int(torch.randint(high - low + 1, (1,), generator=generator))

    return start(row, height), start(col, width)


def scene_batch(
    pixels: torch.Tensor, classes: torch.Tensor, shape: tuple[int, int], side: int, size: int, generator
) -> TileBatch:
    """One step: a ``side`` crop (the whole scene when ``side`` is its side) and a stratified sample of
    ``size`` of the training ``pixels`` (flat scene indices, of ``classes``) that it holds."""
    width = shape[1]
    top, left = crop_corner(pixels, shape, side, generator) if side < max(shape) else (0, 0)
    row, col = pixels // width - top, pixels % width - left
    inside = ((row >= 0) & (row < side) & (col >= 0) & (col < side)).nonzero().squeeze(1)
    chosen = inside[stratified_sample(classes[inside], size, generator)]
    return TileBatch(
        corners=torch.tensor([[top, left]]),
        index=chosen,
        pixels=pixels[chosen],
        tile=torch.zeros(len(chosen), dtype=torch.long),
        row=row[chosen],
        col=col[chosen],
    )


@torch.no_grad()
def output_bytes_per_position(model: nn.Module, sampler: PatchSampler) -> float:
    """Bytes the trunk's layers output per position of their maps, summed over the layers, in the weights'
    precision: times the squared input side of a crop, a bound on what a step keeps for its backward pass
    (each map is a little smaller than the input)."""
    per_position: list[float] = []

    def count(_module, _inputs, output) -> None:
        if isinstance(output, torch.Tensor) and output.dim() >= 4:
            area = output.shape[-1] * output.shape[-2]
            per_position.append(output.numel() / area * output.element_size())

    leaves = [m for m in model.modules() if not list(m.children())]
    hooks = [m.register_forward_hook(count) for m in leaves]
    was_training = model.training
    model.eval()
    try:
        weight = next(model.parameters())
        span = MIN_SIDE + 2 * sampler.margin
        model.trunk(torch.zeros(1, 1, sampler.bands, span, span, device=weight.device, dtype=weight.dtype))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    return sum(per_position)


def available_bytes() -> int | None:
    """Physical memory free for use now (None where the system does not say)."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def crop_side(model: nn.Module, sampler: PatchSampler, budget: int | None = None) -> int:
    """The side of the square crops a fit trains on: the scene's shorter side, or less where a step of it
    would not fit in ``budget`` bytes (default: half the memory available now)."""
    largest = min(sampler.scene_shape)
    if budget is None:
        available = available_bytes()
        if available is None:
            return largest
        budget = int(available * MEMORY_SHARE)
    per_position = output_bytes_per_position(model, sampler) * BYTES_PER_OUTPUT_BYTE
    fits = int((budget / per_position) ** 0.5) - 2 * sampler.margin
    return max(MIN_SIDE, min(largest, fits))
