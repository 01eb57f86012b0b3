"""Measurements of the tool's speed and memory, each a module run from the repository root:

    python -m benchmarks.benchmark          # training throughput and memory against the common HybridSN loop
    python -m benchmarks.compute_bound      # the per-window arithmetic ceiling of this CPU
    python -m benchmarks.shared_flops       # operations per epoch, window by window and through tiles
    python -m benchmarks.benchmark_predict --run RUN   # hsi-predict on a large synthetic GeoTIFF

The others (layouts, map passes, maps, variant maps, malloc settings, memory phases and trace,
part costs, the training profile) are described in their own docstrings and in studies/history/speed.md.
Each prints what it measured; docs/ records the figures with the command and the machine.
"""
