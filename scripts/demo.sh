#!/usr/bin/env bash
# The main job on the bundled synthetic data (data/, made by aam_nb.data.simulate_dataset):
# stage 1 pre-training, stage 2 with a frozen and a fine-tuned encoder, predictions from the
# checkpoint alone, and the random-forest baseline on the same split. Never overwrites a run:
# if the run folder exists, a numbered one next to it is used.
set -euo pipefail
run=${1:-runs/demo}
base=$run; i=2
while [ -e "$run" ]; do run="$base-$i"; i=$((i+1)); done
data=data
model=(--max_bp 100 --embedding_dim 64 --heads 4 --asv_layers 1 --sample_layers 2 --batch_size 16)
train=(--lr 1e-3 --warmup_steps 50 --patience 10)

echo "== stage 1: pre-training the encoder (UniFrac + masked nucleotides) -> $run/pretrain"
aam_nb_pretrain --table $data/table.biom --tree $data/tree.nwk --out $run/pretrain "${model[@]}" "${train[@]}" --epochs 12

echo "== stage 2: age, frozen encoder -> $run/frozen"
aam_nb_train --table $data/table.biom --metadata $data/metadata.tsv --column age --out $run/frozen \
  --encoder $run/pretrain --freeze_base --split $run/pretrain/split.json --batch_size 16 "${train[@]}" --epochs 60

echo "== stage 2: age, fine-tuned encoder -> $run/finetune"
aam_nb_train --table $data/table.biom --metadata $data/metadata.tsv --column age --out $run/finetune \
  --encoder $run/pretrain --split $run/pretrain/split.json --batch_size 16 "${train[@]}" --epochs 8

echo "== predictions for every sample from the fine-tuned checkpoint -> $run/predictions.tsv"
aam_nb_predict --checkpoint $run/finetune/best.pt --table $data/table.biom --out $run/predictions.tsv \
  --metadata $data/metadata.tsv

echo "== random-forest baseline on the same split -> $run/finetune/rf_metrics.json"
aam_nb_baseline --table $data/table.biom --metadata $data/metadata.tsv --column age --out $run/finetune

echo
echo "Results are in $run:"
echo "  pretrain/  frozen/  finetune/   best.pt, history.csv, loss_curve.png (+ val_predictions.tsv in stage 2)"
echo "  predictions.tsv                 predictions for every sample"
echo "  finetune/rf_metrics.json        the random forest on the same validation samples"
