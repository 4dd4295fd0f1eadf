#!/usr/bin/env bash
# The main job, as a user runs it: stage 1 pre-training, stage 2 (the frozen encoder with the wide path: the default mode),
# the same predictor on an untrained encoder (what pre-training adds), predictions from the checkpoint alone, and the
# best tabular model (forest + boosted trees) on the same split. On the real oral-age data where it is found
# (../shared/data/oral_age, or $AAM_NB_DATA/oral_age), else on the synthetic study in data/. The split is grouped by
# subject on the real data, so the test people are new to every model. Epochs are shortened so that the whole job
# takes under 5 minutes on 2 cores; everything else is aam_nb's default recipe. Ends with one table and one picture.
# Never overwrites a run: if the run folder exists, a numbered one next to it is used.
set -euo pipefail
run=${1:-runs/demo}
base=$run; i=2
while [ -e "$run" ]; do run="$base-$i"; i=$((i+1)); done
start=$(date +%s)

real=$(python3 -c "from aam_nb.data import find_real_data as f; d = f('oral_age', missing_ok=True); print(d and f\"{d['table']} {d['tree']} {d['metadata']}\" or '')")
if [ -n "$real" ]; then
  read -r table tree meta <<< "$real"
  group=(--group_column subject_strict); pre_epochs=4
  echo "data: the real oral-age data ($(dirname "$table"): 2537 saliva samples, 5574 ASVs), split grouped by subject_strict"
else
  table=data/table.biom; tree=data/tree.nwk; meta=data/metadata.tsv
  group=(); pre_epochs=10
  echo "data: the synthetic study in data/ (300 samples; the real oral data was not found in \$AAM_NB_DATA/oral_age or ../shared/data/oral_age)"
fi
q=(--no_progress --no_plot)

echo "== stage 1: pre-train the encoder (UniFrac + masked nucleotides) -> $run/pretrain"
echo "   70% train, 10% validation, 20% test (never seen by either stage)"
aam_nb_pretrain --table "$table" --tree "$tree" --metadata "$meta" "${group[@]}" --val_frac 0.1 --test_frac 0.2 \
  --out "$run/pretrain" --epochs $pre_epochs --no_progress

echo "== stage 2: age, on the pre-trained encoder (frozen, with the wide path: aam_nb_train's default) -> $run/frozen"
aam_nb_train --table "$table" --metadata "$meta" --column age "${group[@]}" --split "$run/pretrain/split.json" \
  --encoder "$run/pretrain" --out "$run/frozen" --epochs 40 --patience 8 --no_progress

echo "== the same predictor on an untrained encoder (no --encoder): what pre-training adds -> $run/untrained"
aam_nb_train --table "$table" --metadata "$meta" --column age "${group[@]}" --split "$run/pretrain/split.json" \
  --out "$run/untrained" --epochs 40 --patience 8 "${q[@]}"

echo "== predictions for every sample from the checkpoint alone -> $run/predictions.tsv"
aam_nb_predict --checkpoint "$run/frozen/best.pt" --table "$table" --out "$run/predictions.tsv" --metadata "$meta"

echo "== the best tabular model (mean of a random forest and boosted trees), fit on the same train + validation people -> $run/tabular"
aam_nb_train --tabular --table "$table" --metadata "$meta" --column age "${group[@]}" --split "$run/pretrain/split.json" --out "$run/tabular"

echo
python3 scripts/demo_summary.py "$run" "$meta" $(( $(date +%s) - start ))
