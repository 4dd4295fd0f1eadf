"""Time `aam_nb.explain` on the real oral data (2537 samples, 5574 ASVs): the AAM's per-ASV attributions of every
sample, and the random forest's permutation importance on the held-out samples.

What it measures
----------------
Unless `--checkpoint` names a stage-2 run, a small model is trained first (not timed as explanation): stage 1 with
`EncoderConfig(max_bp=100, embedding_dim=32, heads=2, asv_layers=1, sample_layers=1)` for `--pretrain-epochs` on a
split grouped by `subject_strict` (10% validation, 20% test), then a frozen predictor of 'age' with the recipe's
wide path for `--epochs`. Then, timed:

* aam:    `Explainer(...).attribute(method)` over all samples of the table (every sample's per-ASV attributions),
          ASV embeddings included (`aam_seconds`);
* forest: `explain(...)` with the forest on the run's test samples: forest fit on the training samples plus
          permutation importance on the held-out ones (`forest_seconds`), and the whole `explain` call
          (`explain_seconds`: AAM on the held-out samples, faithfulness check, forest, tables, pictures).

Run from the repository root (2 CPU cores: a few minutes, most of it training the small model):

    OMP_NUM_THREADS=2 python bench/explain.py
    python bench/explain.py --checkpoint RUN/best.pt --method ig

Prints exactly one JSON line on stdout; progress and warnings go to stderr.
"""
from __future__ import annotations
import argparse, json, sys, tempfile, time, warnings
from pathlib import Path
import torch

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--checkpoint', help='a stage-2 run on the oral data (default: train a small one)')
    p.add_argument('--method', default='ablation', choices=('ablation', 'ig'))
    p.add_argument('--pretrain-epochs', type=int, default=1)
    p.add_argument('--epochs', type=int, default=5)
    p.add_argument('--n-estimators', type=int, default=100)
    p.add_argument('--n-repeats', type=int, default=2)
    a = p.parse_args()
    warnings.simplefilter('ignore')
    from aam_nb.data import find_real_data, load_table
    from aam_nb.train import pretrain, train_predictor
    from aam_nb.attribution import Explainer
    from aam_nb.explain import explain
    d = find_real_data('oral_age')
    tmp = Path(tempfile.mkdtemp()); train_s = 0.0
    ckpt = a.checkpoint
    if ckpt is None:
        t0 = time.perf_counter(); q = dict(progress=False, plot=False, device='cpu', seed=0)
        pretrain(d['table'], d['tree'], tmp/'enc', config=dict(max_bp=100, embedding_dim=32, heads=2, asv_layers=1, sample_layers=1),
                 metadata=d['metadata'], group_column=d['group_column'], val_frac=0.1, test_frac=0.2, epochs=a.pretrain_epochs, **q)
        train_predictor(d['table'], d['metadata'], 'age', tmp/'frozen', encoder=tmp/'enc', split=tmp/'enc'/'split.json',
                        freeze_base=True, epochs=a.epochs, **q)
        ckpt, train_s = tmp/'frozen', time.perf_counter() - t0
        print(f'trained in {train_s:.0f} s', file=sys.stderr)
    tbl = load_table(d['table'])
    t0 = time.perf_counter(); ex = Explainer(ckpt, tbl); A = ex.attribute(a.method); aam_s = time.perf_counter() - t0
    r = explain(ckpt, tbl, tmp/'explain', d['metadata'], 'age', method=a.method, n_estimators=a.n_estimators, n_repeats=a.n_repeats)
    print(json.dumps({'bench': 'explain', 'method': a.method, 'samples': int(A.values.shape[0]), 'asvs': int(tbl.shape[1]),
                      'aam_seconds': round(aam_s, 1), 'forest_seconds': round(r['forest']['seconds'], 1),
                      'total_seconds': round(aam_s + r['forest']['seconds'], 1), 'explain_seconds': round(r['seconds'], 1),
                      'heldout_samples': r['samples'], 'forest_shuffled_asvs': r['forest']['shuffled_asvs'],
                      'n_estimators': a.n_estimators, 'n_repeats': a.n_repeats, 'agreement': r['agreement'],
                      'faithfulness': r['faithfulness'], 'threads': torch.get_num_threads(), 'train_seconds': round(train_s, 1)}))

if __name__ == '__main__': main()
