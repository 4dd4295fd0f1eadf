"""Cross-validation of the oral-age data: the yardstick for new people (not a test; about an hour on 2 cores).

What it runs
------------
`aam_nb.evaluate.evaluate` on the real oral data (../shared/data/oral_age, or $AAM_NB_DATA/oral_age) with aam_nb's default
recipe (no recipe option is passed: what a user gets is what is measured): K folds grouped by `subject_strict` (the
default: no person on two sides; the time-series studies 550 and 11052 are one group each), or by `subject_proxy`
(`--grouping proxy`: study + age, which splits those time series and leaks), random (`--grouping random`), or
leave-one-study-out (`--grouping study`: `qiita_study_id`, 9 folds). Per fold: stage 1 on the training folds only,
stage 2 frozen and fine-tuned, their ensemble, the random forest (500 trees, max_features 0.3, raw counts), the
training mean and median, all on the same folds; early stopping on held-out groups inside the training folds. An
interrupted run continues where it stopped (same --out). `--seed` draws another fold assignment (seed 0 is the one
the recipe was screened on; seed 1 confirms it).

    python bench/cv_oral.py                              # strict groups, 5 folds, seed 0 -> runs/cv_oral_strict
    python bench/cv_oral.py --seed 1                     # the confirmation folds -> runs/cv_oral_strict_s1
    python bench/cv_oral.py --grouping random --models frozen,forest,mean
    python bench/cv_oral.py --fold 2                     # one fold (an array job); a later call without --fold gathers

Extra `--name value` pairs are passed to `evaluate` (a lever screen: `--wide_buckets 0`). Prints one JSON line: per
model the MAE mean and sd over folds, per fold, and pooled over samples; minutes in all and per fold.
"""
import argparse, json, os, time, warnings
from pathlib import Path
from extra_options import extra_options  # bench/extra_options.py

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--grouping', choices=['strict', 'proxy', 'random', 'study'], default='strict')
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default=None)
    ap.add_argument('--models', default=None, help='default: the evaluation\'s own list')
    ap.add_argument('--fold', type=int, default=None, help='one fold only (array job)')
    a, extra = ap.parse_known_args()
    import torch
    from aam_nb.data import find_real_data
    from aam_nb.evaluate import evaluate
    from aam_nb.cv_report import summarize, stage1_gain
    real = find_real_data('oral_age')  # ../shared/data/oral_age, or $AAM_NB_DATA/oral_age
    col = {'proxy': 'subject_proxy', 'random': None, 'study': 'qiita_study_id', 'strict': 'subject_strict'}[a.grouping]
    folds = 9 if a.grouping == 'study' else a.folds
    out = Path(a.out or f'runs/cv_oral_{a.grouping}' + (f'_s{a.seed}' if a.seed else ''))
    opts = extra_options(extra)  # e.g. --wide_buckets 0
    if a.models: opts['models'] = a.models
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        res = evaluate(real['table'], real['tree'], real['metadata'], 'age', out, folds=folds, seed=a.seed, group_column=col,
                       fold=a.fold, **opts)
    minutes = (time.perf_counter() - t0) / 60
    from aam_nb.predict import read_predictions
    s = summarize(res, oof=read_predictions(out/'oof_predictions.tsv')) if a.fold is None else summarize(res)  # with the pooled MAE
    import pandas as pd
    by = opts.get('report_by'); macro = {}
    if by and a.fold is None and (out/f'cv_by_{by}.tsv').exists():  # each study counts once
        r_ = pd.read_csv(out/f'cv_by_{by}.tsv', sep='\t'); macro = r_[r_['group'] == 'macro'].set_index('model')['mae'].round(3).to_dict()
    print(json.dumps({'bench': 'cv_oral', 'grouping': a.grouping, 'group_column': col, 'folds': folds, 'seed': a.seed,
                      'fold': a.fold, 'options': opts, 'torch_threads': torch.get_num_threads(), 'loadavg_1m': os.getloadavg()[0],
                      'minutes': round(minutes, 1), 'minutes_per_fold': round(minutes / (1 if a.fold is not None else folds), 1),
                      'mae': {m: {'mean': round(r['mae_mean'], 3), 'sd': None if r['mae_sd'] != r['mae_sd'] else round(r['mae_sd'], 3),
                                  'pooled': round(float(r['mae_pooled']), 3) if 'mae_pooled' in r else None,
                                  'macro': macro.get(m), 'minutes_per_fold': round(float(r['seconds_per_fold']) / 60, 2),
                                  'folds': res.loc[res['model'] == m].sort_values('fold')['mae'].round(3).tolist()}
                              for m, r in s.iterrows()},
                      'stage1_gain': {g.row: {'vs': g.control, 'mean': round(g.gain_mean, 3), 'sd': None if g.gain_sd != g.gain_sd else round(g.gain_sd, 3),
                                              'helped': g.helped} for g in stage1_gain(res).itertuples()}}))

if __name__ == '__main__': main()
