"""Cross-validation of gut age (American Gut faecal samples, closed-reference Greengenes OTUs read as V4): the second yardstick.

What it runs
------------
The gut table (../shared/data/gut_age, or $AAM_NB_DATA/gut_age) is first read as the region the model reads with the
Greengenes reference (`aam_nb.region.write_region`: each OTU cut to the 100 nt after the 515F primer, OTUs with the same
fragment merged, one tip per fragment in the tree; written once to runs/gut_v4), then `aam_nb.evaluate.evaluate` runs
aam_nb's default rows with the default recipe (no recipe option is passed): 5 folds grouped by `host_subject_id` (no
host on two sides), each fold's stage 1 on its training folds only, the tabular rows (forest, boosted trees, their
mean, the linear model) and the training mean and median on the same folds, the error by age band. An interrupted run
continues where it stopped (same --out). Needs `pip install "aam_nb[greengenes]"`.

    python bench/cv_gut.py                  # seed 0 -> runs/cv_gut
    python bench/cv_gut.py --seed 1         # the second fold assignment -> runs/cv_gut_s1
    python bench/cv_gut.py --models linear,forest,boosted,tabular_mean,mean,median   # the tabular rows alone (minutes)

Extra `--name value` pairs are passed to `evaluate`. Prints one JSON line: per model the MAE mean and sd over folds,
per fold, pooled over samples, and the minutes a fold.
"""
import argparse, json, os, time, warnings
from pathlib import Path
from extra_options import extra_options  # bench/extra_options.py

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=None)
    ap.add_argument('--region', default='runs/gut_v4', help='where the table read as V4 is written once (and read after)')
    ap.add_argument('--models', default=None, help="default: the evaluation's own list")
    ap.add_argument('--fold', type=int, default=None, help='one fold only (array job)')
    a, extra = ap.parse_known_args()
    import torch
    from aam_nb.data import find_real_data
    from aam_nb.region import write_region
    from aam_nb.evaluate import evaluate
    from aam_nb.cv_report import summarize, stage1_gain
    from aam_nb.predict import read_predictions
    real = find_real_data('gut_age')
    region = Path(a.region)
    if not (region/'region.json').exists(): write_region([real['table']], region, 'greengenes')
    table = region/f"{Path(real['table']).stem}.biom"
    out = Path(a.out or 'runs/cv_gut' + (f'_s{a.seed}' if a.seed else ''))
    opts = extra_options(extra)
    if a.models: opts['models'] = a.models
    opts.setdefault('bands', '18,30,45,60')
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        res = evaluate(table, region/'tree.nwk', real['metadata'], 'age', out, folds=a.folds, seed=a.seed, group_column='host_subject_id',
                       fold=a.fold, progress=False, **opts)
    minutes = (time.perf_counter() - t0) / 60
    s = summarize(res, oof=read_predictions(out/'oof_predictions.tsv')) if a.fold is None else summarize(res)
    print(json.dumps({'bench': 'cv_gut', 'group_column': 'host_subject_id', 'folds': a.folds, 'seed': a.seed, 'fold': a.fold,
                      'options': opts, 'region': json.loads((region/'region.json').read_text())['tables'],
                      'torch_threads': torch.get_num_threads(), 'loadavg_1m': os.getloadavg()[0], 'minutes': round(minutes, 1),
                      'mae': {m: {'mean': round(r['mae_mean'], 3), 'sd': None if r['mae_sd'] != r['mae_sd'] else round(r['mae_sd'], 3),
                                  'pooled': round(float(r['mae_pooled']), 3) if 'mae_pooled' in r else None,
                                  'minutes_per_fold': round(float(r['seconds_per_fold']) / 60, 2),
                                  'folds': res.loc[res['model'] == m].sort_values('fold')['mae'].round(3).tolist()}
                              for m, r in s.iterrows()},
                      'stage1_gain': {g.row: {'vs': g.control, 'mean': round(g.gain_mean, 3), 'sd': None if g.gain_sd != g.gain_sd else round(g.gain_sd, 3),
                                              'helped': g.helped} for g in stage1_gain(res).itertuples()}}))

if __name__ == '__main__': main()
