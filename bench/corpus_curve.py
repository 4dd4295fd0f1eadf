"""What stage 1 learns as the corpus grows: held-out UniFrac fit and nucleotide accuracy after pre-training on 2.5k, 5k and all samples (not a test).

    python bench/corpus_curve.py --run runs/corpus4_pretrain            # 2500 and 5000 samples, then the run itself as "all"
    python bench/corpus_curve.py --run runs/corpus4_pretrain --sizes 1000,2500

`--run` is a finished corpus pre-training (`aam_nb_pretrain` on the corpus tables, see the README's corpus commands). Each
smaller point pre-trains again with that run's tables, tree, options, model and epochs, on a random subset of its
training samples (seeded by the run's seed), and is scored on the same held-out samples as the run itself (its split's
val part), so the points differ only in how many samples stage 1 saw. The biggest point is the run, read back from its
history. Each point's score is its best epoch's (the one the checkpoint `best.pt` keeps):
held-out weighted UniFrac r and MAE (predicted vs true distances of held-out pairs) and masked-nucleotide accuracy.

Writes <run>_curve/n<size>/ (run folders; a finished one is reused) and prints one JSON line: per size the training
samples, epochs, minutes, training samples/s and the three scores.
"""
from __future__ import annotations
import argparse, json, time
from pathlib import Path
import numpy as np, pandas as pd


def best_row(run: Path) -> dict:
    "The scores of a stage-1 run's best epoch (the one `best.pt` keeps, as early stopping chose it), its minutes and training samples/s."
    from aam_nb.checkpoint import load_checkpoint
    h = pd.read_csv(run/'history.csv'); b = h.loc[h['epoch'] == load_checkpoint(run/'best.pt')['best_epoch']].iloc[0]
    n = len(json.loads((run/'split.json').read_text())['train'])
    return {'n_train': n, 'epochs': len(h), 'best_epoch': int(b['epoch']), 'minutes': round(float(h['epoch_seconds'].sum()) / 60, 1),
            'samples_per_s': round(float(n * len(h) / h['train_seconds'].sum()), 1),
            **{k: round(float(b[k]), 4) for k in ('unifrac_r', 'unifrac_mae', 'nuc_accuracy') if k in b}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--run', required=True, help='a finished corpus pre-training run (its tables, tree, options and held-out samples)')
    ap.add_argument('--sizes', default='2500,5000', help='comma-separated training-sample counts below the run\'s own')
    a = ap.parse_args()
    from aam_nb.stage1 import pretrain
    from aam_nb.runs import finish_stage
    run = Path(a.run); cfg = json.loads((run/'config.json').read_text()); split = json.loads((run/'split.json').read_text())
    inp, fit = cfg['inputs'], cfg['fit_options']
    sizes = sorted(int(s) for s in a.sizes.split(','))
    if sizes and sizes[-1] >= len(split['train']):
        raise SystemExit(f"--sizes: {sizes[-1]} is not below {run}'s {len(split['train'])} training samples (that point is the run itself)")
    rng = np.random.default_rng(fit['seed']); order = list(rng.permutation(split['train']))  # nested subsets: 2.5k inside 5k
    opts = cfg['options'] | {k: fit[k] for k in ('lr', 'weight_decay', 'warmup_steps', 'min_lr_ratio', 'patience', 'clip_grad', 'seed')}
    points = {}
    for n in sizes:
        rd = Path(f'{run}_curve')/f'n{n}'; t0 = time.perf_counter()
        finish_stage(pretrain, rd, fit['epochs'], table=inp['table'], tree=inp['tree'], sequences=inp.get('sequences'),
                     split={'train': sorted(order[:n]), 'val': split['val']}, config=cfg['model_config'], progress=False, **opts)
        points[n] = best_row(rd); print(f'{n} samples: {points[n]} ({(time.perf_counter() - t0) / 60:.1f} min)', flush=True)
    points['all'] = best_row(run)
    print(json.dumps({'run': str(run), 'held_out': len(split['val']), 'points': points}))


if __name__ == '__main__':
    main()
