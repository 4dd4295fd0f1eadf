"""Classification on the oral data: older (age 45 and over) against younger, for people no model has seen (not a test).

`aam_nb.evaluate.evaluate` with `classification=True` on the real oral data (`find_real_data('oral_age')`): K folds grouped by `subject_strict` and
stratified by class (each fold keeps the classes' shares as far as the people allow), each fold's stage 1 on its training
folds only, every model on the same folds, probabilities out of fold. The column `older` is derived from `age` into
runs/oral_older_map.tsv. Extra `--name value` pairs go to `evaluate` (e.g. `--models frozen,knn,forest,mean`,
`--balance_classes 1`). Prints one JSON line: per model AUROC, average precision and balanced accuracy, mean and sd over
folds, per fold, and pooled over samples; minutes.

    python bench/cv_older.py                                   # -> runs/cv_oral_older
    python bench/cv_older.py --models frozen,knn,forest,mean   # without the fine-tuned rows (the slowest)
"""
import argparse, json, time, warnings
from pathlib import Path
from extra_options import extra_options  # bench/extra_options.py

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--folds', type=int, default=5)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', default='runs/cv_oral_older')
    a, extra = ap.parse_known_args()
    import numpy as np, pandas as pd, torch
    from aam_nb.data import find_real_data
    from aam_nb.evaluate import evaluate
    from aam_nb.cv_report import summarize
    from aam_nb.predict import read_predictions
    real = find_real_data('oral_age')  # ../shared/data/oral_age, or $AAM_NB_DATA/oral_age
    meta = Path('runs/oral_older_map.tsv'); meta.parent.mkdir(parents=True, exist_ok=True)
    m = pd.read_csv(real['metadata'], sep='\t', dtype={'#SampleID': str}); m['older'] = np.where(m['age'] >= 45, 'yes', 'no')  # 'yes' sorts second: the positive class of AP and the curves
    m.to_csv(meta, sep='\t', index=False)
    opts = extra_options(extra)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        res = evaluate(real['table'], real['tree'], meta, 'older', a.out, classification=True, folds=a.folds, seed=a.seed,
                       group_column='subject_strict', **opts)
    oof = read_predictions(Path(a.out)/'oof_predictions.tsv')
    s = summarize(res, 'auroc', oof, ['no', 'yes'])
    r3 = lambda v: None if v != v else round(float(v), 3)
    print(json.dumps({'bench': 'cv_older', 'folds': a.folds, 'seed': a.seed, 'group_column': 'subject_strict', 'options': opts,
                      'positives': int((m['older'] == 'yes').sum()), 'samples': len(m), 'torch_threads': torch.get_num_threads(),
                      'minutes': round((time.perf_counter() - t0) / 60, 1),
                      'models': {mod: {'auroc': [r3(r['auroc_mean']), r3(r['auroc_sd'])], 'auroc_pooled': r3(r['auroc_pooled']),
                                       'ap': [r3(r['average_precision_mean']), r3(r['average_precision_sd'])], 'ap_pooled': r3(r['average_precision_pooled']),
                                       'balanced_accuracy': [r3(r['balanced_accuracy_mean']), r3(r['balanced_accuracy_sd'])],
                                       'auroc_folds': res.loc[res['model'] == mod].sort_values('fold')['auroc'].round(3).tolist()}
                                 for mod, r in s.iterrows()}}))

if __name__ == '__main__': main()
