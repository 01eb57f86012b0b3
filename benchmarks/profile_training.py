"""Where a training step of HybridSN spends its time on this CPU: torch.profiler over a few Adam steps.

    python -m benchmarks.profile_training                  # the paper model, 25x25 windows, batch 64, float32
    python -m benchmarks.profile_training --model hybridsn_sep3d --steps 10

Prints a Markdown table of the operators with the most self CPU time (each shape of an operator
apart, so the three 3-D convolutions show separately), their share of the profiled steps, and the
step time. Random windows and labels: operator costs do not depend on the values. Run it alone on
the machine: a shared CPU distorts every share.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.profiler import ProfilerActivity, profile

from hsi.models.card import build_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="hybridsn")
    parser.add_argument("--window", type=int, default=25)
    parser.add_argument("--bands", type=int, default=30)
    parser.add_argument("--batch", type=int, default=64, help="the default trainer's batch (64)")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = build_model(args.model, args.bands, args.window, 16).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(args.batch, 1, args.bands, args.window, args.window)
    y = torch.randint(0, 16, (args.batch,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        optimizer.step()

    for _ in range(3):  # oneDNN picks its kernels and memory is allocated in the first steps
        step()
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        tic = time.perf_counter()
        for _ in range(args.steps):
            step()
        seconds = (time.perf_counter() - tic) / args.steps
    events = prof.key_averages(group_by_input_shape=True)
    total = sum(e.self_cpu_time_total for e in events)
    print(
        f"{args.model}, {args.window}x{args.window} windows of {args.bands} components, batch {args.batch}, "
        f"float32, {torch.get_num_threads()} threads: {seconds:.3f} s per step "
        f"({args.batch / seconds:.1f} samples/s, under the profiler)\n"
    )
    print("| operator | input shapes | self CPU (ms per step) | share |")
    print("|---|---|---:|---:|")
    for e in sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)[: args.top]:
        shapes = "; ".join(str(tuple(s)) for s in e.input_shapes if s)[:80]
        per_step = e.self_cpu_time_total / 1000 / args.steps
        print(f"| `{e.key}` | {shapes} | {per_step:.1f} | {100 * e.self_cpu_time_total / total:.1f}% |")


if __name__ == "__main__":
    main()
