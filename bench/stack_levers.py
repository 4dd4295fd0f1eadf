"""Levers of the stacked predictor screened on a finished evaluation, at no training cost (prints one JSON line).

Every evaluation fold with a `stack` row keeps the stack's inner out-of-fold predictions of its training part
(`fold{k}/stack-*/inner_oof.tsv`) and the members' test predictions (`test_predictions.tsv`). Each variant below is a
different set of members weighed on those same inner predictions (never on the test fold), then applied to the test fold:

    calibrated  the frozen AAM alone, with its intercept and scale fit on the inner predictions (calibration, no trees)
    *_convex    weights summing to 1, no intercept: a blend without the calibration
    *_persons   each person (the evaluation's group column) counts once in the weights' MAE, not each sample
    aam+forest  the AAM and the forest
    stack       the AAM, forest and boosted trees (the evaluation's stack row)
    tabular     forest and boosted trees (the evaluation's stack_tabular row)
    fixed_mean  the AAM and the forest 50/50, nothing fit (the fixed blend the issue measured)

    python bench/stack_levers.py runs/cv_oral_strict [runs/cv_oral_strict_s1 ...] [--by qiita_study_id]

Per evaluation: MAE per fold, mean +- sd over folds, pooled over samples, and macro over the values of --by.
"""
import argparse, json, sys
from pathlib import Path
import numpy as np, pandas as pd

VARIANTS = {'calibrated': (['aam'], {}), 'aam+forest': (['aam', 'forest'], {}), 'stack': (['aam', 'forest', 'boosted'], {}),
            'tabular': (['forest', 'boosted'], {}),  # the evaluation's stack and stack_tabular rows
            'stack_convex': (['aam', 'forest', 'boosted'], {'convex': True}), 'tabular_convex': (['forest', 'boosted'], {'convex': True}),
            'stack_persons': (['aam', 'forest', 'boosted'], {'persons': True}), 'stack_convex_persons': (['aam', 'forest', 'boosted'], {'convex': True, 'persons': True})}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('evaluations', nargs='+'); ap.add_argument('--by', default='qiita_study_id')
    a = ap.parse_args()
    from aam_nb.data import find_real_data, load_metadata
    from aam_nb.stack import fit_stack_weights, combine
    from aam_nb.predict import read_predictions
    real = find_real_data(Path(__file__).resolve().parent)
    by = load_metadata(real['metadata'], a.by, classification=True, max_classes=None)
    out = {'bench': 'stack_levers', 'by': a.by, 'evaluations': {}}
    for ev in map(Path, a.evaluations):
        rows, gc = [], json.loads((ev/'evaluate.json').read_text())['options']['group_column']
        groups = load_metadata(real['metadata'], gc, classification=True, max_classes=None) if gc else pd.Series(dtype=str)
        for fd in sorted(ev.glob('fold[0-9]*')):
            sd = next(fd.glob('stack-*'), None)
            if sd is None or not (sd/'test_predictions.tsv').exists(): continue
            inner, test = read_predictions(sd/'inner_oof.tsv'), read_predictions(sd/'test_predictions.tsv')
            for name, (members, kw) in VARIANTS.items():
                sw = None
                if kw.get('persons'): g = groups.reindex(inner['sample_id']).to_numpy(); sw = 1.0 / pd.Series(g).map(pd.Series(g).value_counts()).to_numpy()
                w, b = fit_stack_weights(inner[members], inner['truth'], sample_weight=sw, convex=kw.get('convex', False))
                rows.append(test[['sample_id', 'truth']].assign(fold=int(fd.name[4:]), variant=name, prediction=combine(test, dict(zip(members, w)), b),
                                                              weights=json.dumps(dict(zip(members, np.round(w, 3).tolist())) | {'intercept': round(b, 2)})))
            rows.append(test[['sample_id', 'truth']].assign(fold=int(fd.name[4:]), variant='fixed_mean', prediction=(test['aam'] + test['forest']) / 2, weights=''))
        if not rows: sys.exit(f"{ev}: no fold with a stack row (run the evaluation with models including stack)")
        d = pd.concat(rows, ignore_index=True); d['err'] = (d['prediction'] - d['truth']).abs(); d['group'] = by.reindex(d['sample_id']).astype(str).to_numpy()
        per_fold = d.groupby(['variant', 'fold'])['err'].mean().unstack()
        res = {}
        for v in per_fold.index:
            dv = d[d['variant'] == v]
            res[v] = {'mean': round(per_fold.loc[v].mean(), 3), 'sd': round(per_fold.loc[v].std(ddof=1), 3), 'pooled': round(dv['err'].mean(), 3),
                      'macro': round(dv.groupby('group')['err'].mean().mean(), 3), 'folds': per_fold.loc[v].round(3).tolist(),
                      'weights': dv.groupby('fold')['weights'].first().tolist()}
        out['evaluations'][str(ev)] = res
    print(json.dumps(out))

if __name__ == '__main__': main()
