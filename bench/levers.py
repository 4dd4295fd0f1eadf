"""Screen a stage-2 lever on the folds of a finished cross-validation (not a test; ~3-8 minutes a fold on 1 core).

A lever is a change of stage-2 options (e.g. `--asv_buckets 65536`, `--lr 5e-4`, `--weight_decay_on matrices`). Each fold
reuses that evaluation's own stage-1 encoder (trained on the fold's training part only, or the one encoder it was given
with --encoder) and its split (inner validation = held-out groups of the training folds), so the only difference from
the evaluation's `frozen` / `finetune` rows is the lever. The test fold is only scored; early stopping and the best epoch use the inner validation.

    python bench/cv_oral.py                                               # first: the strict CV (runs/cv_oral_strict)
    python bench/levers.py --name gwsqrt --group_weights sqrt --group_column subject_strict   # frozen, all folds
    python bench/levers.py --name tb05 --target_balance 0.5
    python bench/levers.py --name ids64k_ft --mode finetune --asv_buckets 65536
    python bench/levers.py --cv runs/cv_oral_corpus --name wd_matrices --weight_decay_on matrices   # on a corpus encoder's folds
    python bench/levers.py --name bag5 --bag 5          # 5 cross-fit heads: each stops on another group fold of train + val
    python bench/levers.py --name seeds5 --seeds 5      # 5 heads on the evaluation's split, initial weights and shuffling from 5 seeds

`--bag K`: instead of one model stopping on the split's val part, the product's bag (`aam_nb.bag.bag_splits`, as
`evaluate(bag=K)` runs it): a model per grouped fold of the split's train + val, trained on the other folds and
early-stopped on its own (fold seed = the evaluation's seed; a group larger than val_group_cap of a fold's share trains
every model and validates none); the test prediction is their mean.
`--seeds K`: K models on the evaluation's own split, seeds seed .. seed+K-1 (weights, shuffling); the mean of their predictions.

Writes <cv>/levers/<name>/fold<k>/ (run folders; an interrupted screen continues) and prints one JSON line: per fold
the lever's test MAE beside the evaluation's row of the same mode, mean +- sd over folds, minutes.
"""
import argparse, json, os, shutil, time, warnings
from pathlib import Path
from extra_options import extra_options  # bench/extra_options.py
import pandas as pd

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cv', default='runs/cv_oral_strict', help='a finished aam_nb_evaluate folder (stage 1 per fold)')
    ap.add_argument('--name', required=True, help='name of this lever (a folder under <cv>/levers)')
    ap.add_argument('--mode', choices=['frozen', 'finetune'], default='frozen')
    ap.add_argument('--folds', default=None, help='comma-separated folds (default: all)')
    ap.add_argument('--by', default='qiita_study_id', help='metadata column to report MAE per value of (and its macro)')
    ap.add_argument('--bag', type=int, default=1, help='cross-fit heads per fold (1: the evaluation\'s single split)')
    ap.add_argument('--seeds', type=int, default=1, help='heads per fold on the same split, one per seed (their mean)')
    a, extra = ap.parse_known_args()
    from aam_nb.evaluate import EvalOptions, stage2_options
    from aam_nb.cv_report import target_bands
    from aam_nb.runs import finish_stage
    from aam_nb.data import load_metadata
    from aam_nb.stage2 import train_predictor
    from aam_nb.folds import load_split
    from aam_nb.bag import bag_splits
    from aam_nb.predict import read_predictions
    cv = Path(a.cv); ev = json.loads((cv/'evaluate.json').read_text())
    o = EvalOptions(**{k: v for k, v in ev['options'].items() if k in EvalOptions.__dataclass_fields__})
    spec = ev['folds_spec']
    lever = extra_options(extra)
    s2, epochs = stage2_options(o, a.mode)  # the evaluation's own stage-2 recipe, then the lever on top
    s2 |= dict(progress=False, plot=False) | lever
    epochs = int(s2.pop('epochs', epochs))
    folds = range(o.folds) if a.folds is None else [int(f) for f in a.folds.split(',')]
    rows, preds, t0 = [], [], time.perf_counter()
    for k in folds:
        enc = ev['encoder'] if ev.get('encoder') else next((cv/'stage1').glob(f'fold{k}-*'))  # an evaluation given --encoder: that one
        rd = cv/'levers'/a.name/f'fold{k}'
        t1 = time.perf_counter()
        split = load_split(cv/f'fold{k}/split.json')
        if a.bag > 1:  # the product's bag (`aam_nb.bag.bag_splits`): a model per grouped fold of train + val, stopping on it
            g = None if not o.group_column else load_metadata(spec['metadata'], o.group_column, classification=True, max_classes=None)
            rest = split['train'] + split['val']
            splits = {f'{rd}/bag{j}': s for j, s in bag_splits(split, a.bag, o.seed, None if g is None else g.reindex(rest), o.val_group_cap).items()}
            for d_, s in splits.items():  # a model trained on another split (an earlier screen's) is trained again
                old = Path(d_)/'split.json'
                if old.exists() and {k: set(v) for k, v in json.loads(old.read_text()).items() if k in ('train', 'val')} != {k: set(s[k]) for k in ('train', 'val')}:
                    shutil.rmtree(d_)
        elif a.seeds > 1: splits = {f'{rd}/seed{j}': split for j in range(a.seeds)}
        else: splits = {str(rd): split}
        ps, epochs_run = [], []
        for j, (d_, sp) in enumerate(splits.items()):
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                finish_stage(train_predictor, Path(d_), epochs, table=spec['table'], metadata=spec['metadata'], column=spec['column'],
                             encoder=enc, split=sp, **(s2 | ({'seed': s2['seed'] + j} if a.seeds > 1 else {})))
            ps.append(read_predictions(Path(d_)/'test_predictions.tsv').set_index('sample_id'))
            epochs_run.append(json.loads((Path(d_)/'done.json').read_text())['epochs'])
        p = ps[0].assign(prediction=sum(q['prediction'] for q in ps) / len(ps)).reset_index()
        if len(ps) > 1: p.to_csv(rd/'test_predictions.tsv', sep='\t', index=False)
        preds.append(p); base = pd.read_csv(cv/f'fold{k}/results.tsv', sep='\t').set_index('model')
        rows.append({'fold': k, 'mae': float((p['prediction'] - p['truth']).abs().mean()),
                     'baseline_mae': float(base.loc[a.mode, 'mae']) if a.mode in base.index else None,
                     'forest_mae': float(base.loc['forest', 'mae']) if 'forest' in base.index else None,
                     'epochs': epochs_run if len(ps) > 1 else epochs_run[0], 'minutes': round((time.perf_counter() - t1) / 60, 1)})
        print(json.dumps(rows[-1]), flush=True)
    r, d = pd.DataFrame(rows), pd.concat(preds, ignore_index=True)
    d['err'] = d['prediction'] - d['truth']
    study = load_metadata(spec['metadata'], a.by, classification=True, max_classes=None).reindex(d['sample_id']).astype(str).to_numpy()
    per_study = d.groupby(study)['err'].agg(lambda e: e.abs().mean())
    band = target_bands(d.set_index('sample_id')['truth'], '30,45,55').reindex(d['sample_id']).to_numpy()
    by_band = d.groupby(band).agg(mae=('err', lambda e: e.abs().mean()), bias=('err', 'mean')).round(2)
    sd = lambda c: round(float(r[c].std(ddof=1)), 3) if len(r) > 1 else None
    print(json.dumps({'bench': 'levers', 'cv': str(cv), 'name': a.name, 'mode': a.mode, 'lever': lever, 'bag': a.bag, 'seeds': a.seeds, 'folds': list(folds),
                      'mae_mean': round(float(r['mae'].mean()), 3), 'mae_sd': sd('mae'), 'mae': r['mae'].round(3).tolist(),
                      'mae_pooled': round(float(d['err'].abs().mean()), 3), f'mae_macro_{a.by}': round(float(per_study.mean()), 3),
                      f'mae_by_{a.by}': per_study.round(2).to_dict(), 'by_band': by_band.to_dict('index'),
                      'baseline_mae_mean': None if r['baseline_mae'].isna().any() else round(float(r['baseline_mae'].mean()), 3),
                      'forest_mae_mean': None if r['forest_mae'].isna().any() else round(float(r['forest_mae'].mean()), 3),
                      'minutes': round((time.perf_counter() - t0) / 60, 1), 'loadavg_1m': os.getloadavg()[0]}))

if __name__ == '__main__': main()
