"""Training speed and memory: the tool's pipeline against the common HybridSN loop, same data, same process.

    python -m benchmarks.benchmark                   # throughput, peak memory, full-scene prediction
    python -m benchmarks.benchmark --batches windows tiles grid   # the tool's three ways to compute a step
    python -m benchmarks.benchmark --to-accuracy     # + both trained to the end: time to the baseline's final OA

Prints one JSON report. Protocol: Indian Pines, whitened PCA to 30 components fitted on all
pixels, 25x25 windows, stratified 10% training pixels (split seed 0), batch 128 for both.

The baseline is the loop most HybridSN notebooks use: every labelled pixel's window cut into
one float32 array up front, a Dataset/DataLoader (batch 128, shuffled, no workers), the paper's
network in plain PyTorch layout, float32, Adam lr 1e-3, 100 epochs. The tool's side runs its
own PatchSampler, HybridSN and Trainer with the default trainer config (precision auto), once
for each ``trainer.batches`` asked for (``windows`` by default), in that order.
Peak memory is the resident set size sampled every 20 ms during each phase; the tool's phase
runs first, so the baseline's figure includes what the process already held.
"""

from __future__ import annotations

import argparse
import json
import platform
import threading
import time
from pathlib import Path

import numpy as np
import torch
from hydra import compose, initialize_config_module
from hydra.utils import instantiate
from torch import nn
from torch.utils.data import DataLoader, Dataset

from hsi.data import indian_pines
from hsi.models import HybridSN
from hsi.patches import PatchSampler
from hsi.preprocess import fit_pca, pad_cube
from hsi.provenance import cpu_name, source_commit
from hsi.splits import Split, stratified_fraction_split
from hsi.train.predict import predict_logits

WINDOW, COMPONENTS, BATCH = 25, 30, 128


def resident_mb(pid: int | str = "self") -> float:
    """The resident set size of a process (this one by default) now (MB), from /proc."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * 4096 / 2**20


class PeakRSS:
    """Highest resident set size (MB) seen while the context is open, sampled from /proc."""

    def __enter__(self):
        self.peak, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, resident_mb())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


class ReferenceHybridSN(nn.Module):
    """The network as the common notebooks write it (same layers and parameters as the paper)."""

    def __init__(self, bands: int = COMPONENTS, classes: int = 16):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv3d(1, 8, (7, 3, 3)), nn.ReLU(inplace=True))
        self.conv2 = nn.Sequential(nn.Conv3d(8, 16, (5, 3, 3)), nn.ReLU(inplace=True))
        self.conv3 = nn.Sequential(nn.Conv3d(16, 32, (3, 3, 3)), nn.ReLU(inplace=True))
        self.conv4 = nn.Sequential(nn.Conv2d(32 * (bands - 12), 64, 3), nn.ReLU(inplace=True))
        self.dense1 = nn.Sequential(nn.Linear(64 * 17 * 17, 256), nn.ReLU(inplace=True), nn.Dropout(0.4))
        self.dense2 = nn.Sequential(nn.Linear(256, 128), nn.ReLU(inplace=True), nn.Dropout(0.4))
        self.out = nn.Linear(128, classes)

    def forward(self, x):
        x = self.conv3(self.conv2(self.conv1(x)))
        x = self.conv4(x.reshape(x.shape[0], -1, x.shape[3], x.shape[4]))
        return self.out(self.dense2(self.dense1(x.reshape(x.shape[0], -1))))


class PatchDataset(Dataset):
    """The notebooks' Dataset: one pre-built window per item."""

    def __init__(self, patches: np.ndarray, labels: np.ndarray):
        self.patches, self.labels = patches, labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return torch.from_numpy(self.patches[index]), int(self.labels[index])


def materialise_patches(reduced: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """All windows cut up front, as (N, 1, bands, window, window) float32 (the notebooks' createImageCubes)."""
    m = WINDOW // 2
    padded = np.pad(reduced, ((m, m), (m, m), (0, 0)))
    width = reduced.shape[1]
    out = np.empty((len(pixels), 1, reduced.shape[2], WINDOW, WINDOW), dtype=np.float32)
    for i, p in enumerate(pixels):
        r, c = divmod(int(p), width)
        out[i, 0] = padded[r : r + WINDOW, c : c + WINDOW].transpose(2, 0, 1)
    return out


def baseline_train(patches, labels, epochs, seed, on_epoch=None, batch_size=BATCH):
    torch.manual_seed(seed)
    model = ReferenceHybridSN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(PatchDataset(patches, labels), batch_size=batch_size, shuffle=True, num_workers=0)
    loss_fn = nn.CrossEntropyLoss()
    seconds = 0.0
    for epoch in range(1, epochs + 1):
        model.train()
        tic = time.perf_counter()
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        seconds += time.perf_counter() - tic
        if on_epoch:
            on_epoch(epoch, seconds, model)
    return model, seconds


@torch.no_grad()
def baseline_predict(model, patches):
    model.eval()
    return torch.cat(
        [model(torch.from_numpy(patches[i : i + 256])).argmax(1) for i in range(0, len(patches), 256)]
    ).numpy()


def tool_trainer(overrides: list[str]):
    with initialize_config_module("hsi.configs", version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    return instantiate(cfg.trainer), cfg


def tool_throughput(sampler, labels, split: Split, batches: str, args) -> dict:
    """Training samples/s of the tool's trainer with ``trainer.batches=batches`` (first epoch: warm-up)."""
    trainer, _ = tool_trainer(
        [
            f"trainer.epochs={args.epochs + 1}",
            "trainer.scheduler=null",
            f"trainer.batch_size={args.batch_size}",
            f"trainer.batches={batches}",
            *([f"trainer.tile_side={args.grid_side}"] if batches == "grid" else []),
            *args.trainer,
        ]
    )
    torch.manual_seed(args.seed)
    with PeakRSS() as rss:
        trainer.fit(HybridSN(COMPONENTS, WINDOW, 16), sampler, labels, split, seed=args.seed)
    timed = trainer.history[-1]["step_seconds"] - trainer.history[0]["step_seconds"]
    return {
        "samples_per_s": args.epochs * len(split.train) / timed,
        "precision": trainer.precision,
        "tile_side": trainer.tile_side_used,
        "peak_rss_mb": rss.peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs for the throughput figures")
    parser.add_argument("--to-accuracy", action="store_true", help="train both to the end")
    parser.add_argument("--baseline-epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trainer", nargs="*", default=[], help="overrides for the tool's trainer, e.g. trainer=paper")
    parser.add_argument("--batch-size", type=int, default=BATCH, help="both sides' batch (default 128)")
    parser.add_argument("--grid-side", type=int, default=8, help="tile side of trainer.batches=grid (default 8)")
    parser.add_argument("--batches", nargs="+", default=["windows"], choices=["windows", "tiles", "grid"])
    args = parser.parse_args()

    scene = indian_pines(root=args.data_root).load()
    split = stratified_fraction_split(scene.gt, seed=args.seed, train_fraction=0.1, val_fraction=0.05)
    reduced = fit_pca(scene.cube, np.ones(scene.shape, bool), COMPONENTS).transform(scene.cube)
    labels = scene.gt.ravel() - 1
    report = {
        "hardware": platform.processor() or platform.machine(),
        "cpu": cpu_name(),
        "source_commit": source_commit(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "train_pixels": len(split.train),
        "batch_size": args.batch_size,
    }
    timed_only = Split(split.train, np.array([], dtype=np.int64), split.test)

    # The tool: windows gathered per batch from one padded tensor, or tiles cut from it. Same batch
    # size as the baseline, so the ratio compares pipelines, not batch sizes.
    padded = pad_cube(reduced, WINDOW // 2, "zero")
    sampler = PatchSampler(padded, WINDOW, scene.shape[1])
    report["tool"] = {b: tool_throughput(sampler, labels, timed_only, b, args) for b in args.batches}
    first = report["tool"][args.batches[0]]
    report["tool_samples_per_s"], report["tool_precision"] = first["samples_per_s"], first["precision"]
    with PeakRSS() as rss:
        model = HybridSN(COMPONENTS, WINDOW, 16).eval()
        predict_logits(model, padded, WINDOW, precision=first["precision"])
        tic = time.perf_counter()
        predict_logits(model, padded, WINDOW, precision=first["precision"])
        report["tool_full_scene_predict_s"] = time.perf_counter() - tic
    report["tool_peak_rss_mb"] = max([rss.peak] + [t["peak_rss_mb"] for t in report["tool"].values()])

    # The common loop: every window materialised, DataLoader, float32.
    with PeakRSS() as rss:
        labelled = np.flatnonzero(scene.gt.ravel() > 0)
        patches = materialise_patches(reduced, labelled)
        index = {int(p): i for i, p in enumerate(labelled)}
        train_rows = np.array([index[int(p)] for p in split.train])
        train_patches, train_labels = patches[train_rows], labels[split.train]
        baseline_train(train_patches, train_labels, 1, args.seed, batch_size=args.batch_size)  # warm-up
        _, seconds = baseline_train(train_patches, train_labels, args.epochs, args.seed, batch_size=args.batch_size)
        report["baseline_samples_per_s"] = args.epochs * len(split.train) / seconds
    report["baseline_peak_rss_mb"] = rss.peak
    report["throughput_ratio"] = report["tool_samples_per_s"] / report["baseline_samples_per_s"]
    for tool in report["tool"].values():
        tool["x_common_loop"] = tool["samples_per_s"] / report["baseline_samples_per_s"]
        if "windows" in report["tool"]:
            tool["x_windows"] = tool["samples_per_s"] / report["tool"]["windows"]["samples_per_s"]

    if args.to_accuracy:
        test_rows = np.array([index[int(p)] for p in split.test])
        model, seconds = baseline_train(
            train_patches, train_labels, args.baseline_epochs, args.seed, batch_size=args.batch_size
        )
        baseline_oa = float((baseline_predict(model, patches[test_rows]) == labels[split.test]).mean())
        report.update(baseline_epochs=args.baseline_epochs, baseline_train_s=seconds, baseline_test_oa=baseline_oa)

        trainer, cfg = tool_trainer(args.trainer)
        reached = {}

        def check(epoch, model):
            if reached:
                return
            pred = trainer.predict(model, sampler, split.test).argmax(1).numpy()
            oa = float((pred == labels[split.test]).mean())
            if oa >= baseline_oa:
                reached.update(epoch=epoch, seconds=trainer.history[-1]["step_seconds"], test_oa=oa)

        torch.manual_seed(args.seed)
        model = trainer.fit(
            HybridSN(COMPONENTS, WINDOW, 16), sampler, labels, split, seed=args.seed, epoch_callback=check
        )
        final_oa = float((trainer.predict(model, sampler, split.test).argmax(1).numpy() == labels[split.test]).mean())
        report.update(
            tool_epochs=len(trainer.history),
            tool_train_s=trainer.history[-1]["step_seconds"],
            tool_final_test_oa=final_oa,
            tool_reached_baseline_oa=reached or None,
        )
        if reached:
            report["time_to_baseline_oa_fraction"] = reached["seconds"] / seconds
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
