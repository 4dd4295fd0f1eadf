"""Cross-validation of the oral-age data: the yardstick for new people (not a test; minutes to an hour on 2 cores).

What it runs
------------
`aam_nb.evaluate.evaluate` on the bundled oral data (data/oral_age, or ../shared/data/oral_age): K folds, grouped by
`subject_proxy` (default: the number that says how well age is predicted for a new person), random (`--grouping
random`, reported beside it), leave-one-study-out (`--grouping study`: `qiita_study_id`, 9 folds), or `--grouping
strict`: `subject_proxy`, except that a study with fractional ages (a time series of a few people: 550, 11052) is one
group, so those people are not split across folds by their age on the day (written to runs/oral_strict_map.tsv). Per fold: stage 1
on the training folds only, stage 2 frozen and fine-tuned, the random forest (500 trees, max_features 0.3, raw counts)
and the training mean, all on the same folds; early stopping on held-out groups inside the training folds. The recipe is
aam_nb's default (`EvalOptions` + the small encoder below). An interrupted run continues where it stopped (same --out).

    python bench/cv_oral.py                          # grouped 5-fold, seed 0 -> runs/cv_oral_grouped
    python bench/cv_oral.py --grouping random --out runs/cv_oral_random
    python bench/cv_oral.py --grouping study --models forest,mean,frozen
    python bench/cv_oral.py --grouping strict --models frozen,forest,mean,median   # time-series people kept whole

Prints one JSON line: per model MAE mean and sd over folds, the folds' MAEs, minutes in all and per fold.
"""
import argparse, json, os, sys, time, warnings
from pathlib import Path

ENCODER = dict(max_bp=100, embedding_dim=64, heads=4, asv_layers=1, sample_layers=2)

def strict_metadata(src, dst: Path) -> Path:
    "The metadata plus `subject_strict`: subject_proxy, or the whole study where ages are fractional (one person over time)."
    import pandas as pd
    m = pd.read_csv(src, sep='\t', dtype=str, keep_default_na=False)
    series = m.groupby('qiita_study_id')['age'].transform(lambda a: (a.astype(float) % 1 != 0).any())
    m['subject_strict'] = m['subject_proxy'].where(~series, 'study_' + m['qiita_study_id'])
    dst.parent.mkdir(parents=True, exist_ok=True); m.to_csv(dst, sep='\t', index=False)
    return dst

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--grouping', choices=['grouped', 'random', 'study', 'strict'], default='grouped')
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=None)
    ap.add_argument('--models', default='frozen,finetune,ensemble,forest,mean,median')
    ap.add_argument('--fold', type=int, default=None, help='one fold only (array job)')
    a, extra = ap.parse_known_args()
    import torch
    from aam_nb.data import find_real_data
    from aam_nb.evaluate import evaluate, summarize
    real = find_real_data(Path(__file__).resolve().parent)
    if real is None or 'oral' not in str(real['table']): sys.exit('oral data not found (data/oral_age)')
    col = {'grouped': 'subject_proxy', 'random': None, 'study': 'qiita_study_id', 'strict': 'subject_strict'}[a.grouping]
    if a.grouping == 'strict': real['metadata'] = strict_metadata(real['metadata'], Path('runs/oral_strict_map.tsv'))
    folds = 9 if a.grouping == 'study' else a.folds
    out = Path(a.out or f'runs/cv_oral_{a.grouping}')
    opts = {k.lstrip('-'): float(v) if '.' in v or 'e' in v else int(v) for k, v in zip(extra[::2], extra[1::2])}  # e.g. --epochs 60
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        res = evaluate(real['table'], real['tree'], real['metadata'], 'age', out, config=ENCODER, folds=folds, seed=a.seed,
                       group_column=col, models=a.models, fold=a.fold, **opts)
    minutes = (time.perf_counter() - t0) / 60
    s = summarize(res)
    print(json.dumps({'bench': 'cv_oral', 'grouping': a.grouping, 'group_column': col, 'folds': folds, 'seed': a.seed,
                      'fold': a.fold, 'options': opts, 'torch_threads': torch.get_num_threads(), 'loadavg_1m': os.getloadavg()[0],
                      'minutes': round(minutes, 1), 'minutes_per_fold': round(minutes / (1 if a.fold is not None else folds), 1),
                      'mae': {m: {'mean': round(r['mae_mean'], 3), 'sd': None if r['mae_sd'] != r['mae_sd'] else round(r['mae_sd'], 3),
                                  'folds': res.loc[res['model'] == m].sort_values('fold')['mae'].round(3).tolist()}
                              for m, r in s.iterrows()}}))

if __name__ == '__main__': main()
