#!/usr/bin/env bash
# Every Indian Pines study in docs/, in the order they were run (about 2 hours on 2 CPU cores).
#   HSI_DATA_DIR=/path/to/data bash scripts/studies.sh
# Each sweep writes its summary (summary.md, summary.png, report.html) into its folder; the
# combined tables are made by `hsi-sweep-report` over folders that gather the runs (see the end).
set -euo pipefail
out=${1:-outputs/study}

# Five repeats of the default protocol (docs/speed.md, README "Results").
hsi-train -m seed=0,1,2,3,4 hydra.sweep.dir=$out/seeds
# The variance study: which pixels train (split_seed) against weights and batch order (init_seed).
hsi-train -m split_seed=0,1,2 init_seed=0,1,2 hydra.sweep.dir=$out/grid
# The honest protocol against the usual one, for HybridSN and the SVM baseline.
hsi-train -m experiment=honest seed=0,1,2 hydra.sweep.dir=$out/honest/hybridsn
hsi-train -m experiment=honest model=svm seed=0,1,2 hydra.sweep.dir=$out/honest/svm
hsi-train -m model=svm seed=0,1,2 hydra.sweep.dir=$out/random_svm
# The backbone family, same protocol and seeds (hybridsn itself comes from the seeds sweep).
hsi-train -m model=hybridsn_se,hybridsn_cbam,hybridsn_gconv,hybridsn_dw,hybridsn_lite seed=0,1,2 \
    hydra.sweep.dir=$out/models

# Combined folders (copies of run folders) and their summaries.
mkdir -p $out/comparison $out/honest_vs_random
for s in 0 1 2; do cp -r $out/seeds/$s $out/comparison/hybridsn_$s; cp -r $out/seeds/$s $out/honest_vs_random/random_$s; done
cp -r $out/models/. $out/comparison/models
cp -r $out/random_svm $out/comparison/svm
cp -r $out/honest $out/honest_vs_random/honest
cp -r $out/random_svm $out/honest_vs_random/random_svm
hsi-sweep-report $out/comparison
hsi-sweep-report $out/honest_vs_random
