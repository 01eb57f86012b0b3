"""Training-step throughput of HybridSN by precision, memory layout and torch.compile.

    python -m benchmarks.benchmark_layouts [--steps 4] [--compile]

Prints one JSON report: samples per second of one Adam step on a batch of 128 windows
(30 x 25 x 25), for float32 and bf16 autocast, with the 3-D convolutions in the default
(contiguous) layout and in channels-last, which hsi's HybridSN uses. --compile adds
torch.compile of the channels-last model (its compile time is reported apart).
"""

from __future__ import annotations

import argparse
import json
import time

import torch
from torch import nn

from hsi.models import HybridSN


def contiguous_hybridsn() -> HybridSN:
    """The same network with its 3-D convolutions back in the default layout."""
    model = HybridSN(30, 25, 16)
    model.spectral_spatial.to(memory_format=torch.contiguous_format)
    model.features = lambda x, m=model: _contiguous_features(m, x)
    return model


def _contiguous_features(model: HybridSN, x: torch.Tensor) -> torch.Tensor:
    x = model.spectral_spatial(x)
    n, c, d, h, w = x.shape
    return model.attention_2d(model.spatial(model.attention_3d(model.fold_act(x.reshape(n, c * d, h, w)))))


def samples_per_second(model: nn.Module, precision: str, steps: int) -> float:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.randn(128, 1, 30, 25, 25), torch.randint(0, 16, (128,))

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()
    step()  # warm-up: oneDNN builds its kernels on the first calls
    tic = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * 128 / (time.perf_counter() - tic)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    report = {"threads": torch.get_num_threads(), "torch": torch.__version__, "batch": 128}
    for precision in ("fp32", "bf16"):
        torch.manual_seed(0)
        report[f"contiguous_{precision}"] = samples_per_second(contiguous_hybridsn(), precision, args.steps)
        torch.manual_seed(0)
        report[f"channels_last_{precision}"] = samples_per_second(HybridSN(30, 25, 16), precision, args.steps)
    if args.compile:
        torch.manual_seed(0)
        model = HybridSN(30, 25, 16)
        compiled = torch.compile(model)
        tic = time.perf_counter()
        samples_per_second(compiled, "bf16", 1)
        report["compile_seconds"] = time.perf_counter() - tic
        report["channels_last_bf16_compiled"] = samples_per_second(compiled, "bf16", args.steps)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
