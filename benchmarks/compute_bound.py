"""How far a HybridSN training step is from this CPU's arithmetic ceiling, and what that allows.

    python -m benchmarks.compute_bound        # batch 128, 25x25 windows of 30 components, float32

Is 3x the common loop's training throughput within reach? A step's arithmetic is fixed by the
network (the tool and the common loop train the same layers), so no implementation can train
faster than (floating-point operations a step) / (the fastest rate this CPU reaches on any
work). This script measures both sides of that bound:

- the floating-point operations of one Adam step (forward and backward), counted by
  ``torch.utils.flop_counter.FlopCounterMode`` (a multiply-accumulate counts as 2), layer by layer;
- the CPU's ceiling: the best float32 rate of a large square matrix product (``torch.mm``, the
  oneDNN/BLAS kernel that convolutions lower to), over a few sizes;
- the samples/s of the common loop's network (plain layout) and of hsi's HybridSN (channels-last
  3-D convolutions), each timed over Adam steps on random windows by benchmarks/benchmark_layouts.py's
  ``samples_per_second`` (costs do not depend on values).

It prints one JSON report: the ceiling in samples/s, each side's share of it, and the most any
implementation of these layers could gain over the common loop at this ceiling. Convolution
algorithms that do fewer operations than the direct one (Winograd, FFT) could in principle go
past it; oneDNN runs none for these 3-D shapes on CPU. Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.benchmark import BATCH, COMPONENTS, WINDOW, ReferenceHybridSN
from benchmarks.benchmark_layouts import samples_per_second
from hsi.models.card import build_model


def fastest_seconds(fn, warmup: int = 2, repeats: int = 5) -> float:
    """The fastest of ``repeats`` timed calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeats):
        tic = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - tic)
    return best


def matmul_ceiling(sizes: list[int]) -> dict[str, float]:
    """GFLOP/s of a float32 n x n matrix product for each n, fastest of five calls each."""
    rates = {}
    for n in sizes:
        a, b = torch.randn(n, n), torch.randn(n, n)
        seconds = fastest_seconds(lambda a=a, b=b: torch.mm(a, b))
        rates[str(n)] = 2 * n**3 / seconds / 1e9
    return rates


def step_flops(model: torch.nn.Module, batch: int, bands: int, window: int) -> tuple[int, dict[str, int]]:
    """Floating-point operations of one forward+backward pass, in total and per top-level layer."""
    x = torch.randn(batch, 1, bands, window, window)
    y = torch.randint(0, 16, (batch,))
    counter = FlopCounterMode(display=False)
    with counter:
        torch.nn.functional.cross_entropy(model(x), y).backward()
    per_layer = {}
    for name, counts in counter.get_flop_counts().items():
        if name.count(".") == 1:  # "Model.layer": the top-level layers, each counted once
            per_layer[name.split(".", 1)[1]] = int(sum(counts.values()))
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops(), per_layer


def hand_count(bands: int, window: int, classes: int = 16) -> tuple[float, float]:
    """Forward and training FLOPs per sample of the paper's layers, counted by hand (Roy et al. 2020, Table 1).

    A check on the counter: each layer's multiply-accumulates are output positions x output
    channels x (input channels x kernel volume). The backward pass costs twice the forward
    (gradients of the inputs and of the weights), except that the first convolution's input
    needs no gradient."""
    d1, s1 = bands - 6, window - 2
    d2, s2 = d1 - 4, s1 - 2
    d3, s3 = d2 - 2, s2 - 2
    s4 = s3 - 2
    conv1 = d1 * s1 * s1 * 8 * (1 * 7 * 9)
    layers = [
        conv1,
        d2 * s2 * s2 * 16 * (8 * 5 * 9),
        d3 * s3 * s3 * 32 * (16 * 27),
        s4 * s4 * 64 * (32 * d3 * 9),
        s4 * s4 * 64 * 256 + 256 * 128 + 128 * classes,
    ]
    forward = 2 * sum(layers)
    return forward, 3 * forward - 2 * conv1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4, help="timed steps per side, after 2 untimed ones")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 4096])
    args = parser.parse_args()
    torch.manual_seed(0)
    shape = (BATCH, COMPONENTS, WINDOW)  # the benchmark's, which samples_per_second also uses

    reference = ReferenceHybridSN(COMPONENTS).train()
    tool = build_model("hybridsn", COMPONENTS, WINDOW, 16).train()
    flops, per_layer = step_flops(reference, *shape)
    tool_flops, _ = step_flops(tool, *shape)

    by_hand_forward, by_hand_step = hand_count(COMPONENTS, WINDOW)
    matmul = matmul_ceiling(args.sizes)
    ceiling = max(matmul.values())
    sides = {}
    for name, model in (("common loop", reference), ("hsi", tool)):
        rate = samples_per_second(model, "fp32", args.steps)
        sides[name] = {
            "samples_per_s": rate,
            "gflop_per_s": rate * flops / BATCH / 1e9,
            "share_of_ceiling": rate * flops / BATCH / 1e9 / ceiling,
        }
    ceiling_samples = ceiling * 1e9 / (flops / BATCH)
    report = {
        "machine": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "batch": BATCH,
        "window": WINDOW,
        "components": COMPONENTS,
        "step_gflop_per_sample": flops / BATCH / 1e9,
        "hsi_step_gflop_per_sample": tool_flops / BATCH / 1e9,
        "by_hand_forward_gflop_per_sample": by_hand_forward / 1e9,
        "by_hand_step_gflop_per_sample": by_hand_step / 1e9,
        "gflop_share_per_layer": {k: round(v / flops, 4) for k, v in per_layer.items()},
        "matmul_gflop_per_s": matmul,
        "ceiling_gflop_per_s": ceiling,
        "ceiling_samples_per_s": ceiling_samples,
        "sides": sides,
        "most_any_implementation_gains_over_common_loop": ceiling_samples / sides["common loop"]["samples_per_s"],
        "hsi_over_common_loop": sides["hsi"]["samples_per_s"] / sides["common loop"]["samples_per_s"],
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
