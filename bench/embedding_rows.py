"""The rows that read an encoder's sample embedding, on the folds of a finished cross-validation (not a test; 2-5 minutes a fold on 1 core).

`aam_nb_evaluate` runs these rows itself (`--models tabular_aam,untrained_tabular_aam,probe,untrained_probe,...`); this
script adds them to an evaluation that ran without them, each fold reading that evaluation's own stage-1 encoder
(trained on the fold's training part only, or the one encoder it was given with --encoder) and its split, so nothing
is pre-trained again. Per fold, on the same table, target and split as the evaluation:

- `tabular_aam`: the tabular model with the encoder's embedding (`aam_nb.tabular.tabular_split_predictions`: forest,
  boosted trees and ridge on the counts and the standardized embedding, their mean), fitted on the fold's train + val;
- `untrained_tabular_aam`: the same on an encoder of the same size that never trained (`untrained_encoder`, the
  evaluation's seed): the control that says what stage 1 adds;
- `tabular_mean`: the tabular model without the embedding (forest and boosted trees on the counts: `aam_nb_train --tabular`,
  the evaluation's `tabular_mean` row), on the same fold in the same run;
- `probe`, `untrained_probe`: the linear probe of either embedding (as the evaluation's rows).

    python bench/embedding_rows.py --cv runs/cv_oral_uni100
    python bench/embedding_rows.py --cv runs/cv_gut --models tabular_aam,untrained_tabular_aam

Writes <cv>/embedding_rows.tsv (fold x row MAE) and prints one JSON line: per row the MAE mean and sd over folds and
per fold, and the gain of each pre-trained row over its control (paired by fold: control minus row, positive = stage 1
helped), minutes.
"""
import argparse, json, time, warnings
from pathlib import Path
import numpy as np, pandas as pd

ROWS = ('tabular_aam', 'untrained_tabular_aam', 'tabular_mean', 'probe', 'untrained_probe')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--cv', required=True, help='a finished aam_nb_evaluate folder (stage 1 per fold, or --encoder)')
    ap.add_argument('--models', default=','.join(ROWS), help=f'comma-separated, from {", ".join(ROWS)}')
    a = ap.parse_args()
    rows = [m.strip() for m in a.models.split(',') if m.strip()]
    if set(rows) - set(ROWS): raise SystemExit(f"--models: unknown {sorted(set(rows) - set(ROWS))}; choose from {', '.join(ROWS)}")
    from aam_nb.data import as_feature_table, drop_shallow, load_metadata, align_samples
    from aam_nb.folds import load_split
    from aam_nb.cache import sample_embeddings
    from aam_nb.stage1 import load_encoder
    from aam_nb.embedding import untrained_encoder, probe_predict
    from aam_nb.tabular import tabular_split_predictions
    cv = Path(a.cv); ev = json.loads((cv/'evaluate.json').read_text()); spec, o = ev['folds_spec'], ev['options']
    tbl, y = align_samples(drop_shallow(as_feature_table(spec['table']), None), load_metadata(spec['metadata'], spec['column']))
    trees = dict(n_estimators=o['n_estimators'], max_features=o['max_features'], min_prevalence=o['min_prevalence'])
    res, t0 = [], time.perf_counter()
    for k in range(spec['folds']):
        split = load_split(cv/f'fold{k}/split.json'); test = split['test']
        enc = load_encoder(ev['encoder'] or next((cv/'stage1').glob(f'fold{k}-*')))
        embs = {}
        if {'tabular_aam', 'probe'} & set(rows): embs[''] = sample_embeddings(enc, tbl)
        if {'untrained_tabular_aam', 'untrained_probe'} & set(rows): embs['untrained_'] = sample_embeddings(untrained_encoder(enc.config, spec['seed']), tbl)
        r = {'fold': k}
        for m in rows:
            prefix, base = ('untrained_', m[len('untrained_'):]) if m.startswith('untrained_') else ('', m)
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                if base == 'probe': p = probe_predict(embs[prefix], y, split, seed=spec['seed'])
                else: p = tabular_split_predictions(tbl, y, split, None if base == 'tabular_mean' else embs[prefix], seed=spec['seed'], **trees)
            r[m] = float(np.abs(p.set_index('sample_id').loc[test, 'prediction'] - y.loc[test]).mean())
        res.append(r); print(json.dumps({'fold': k, **{m: round(r[m], 3) for m in rows}, 'minutes': round((time.perf_counter() - t0) / 60, 1)}), flush=True)
    df = pd.DataFrame(res).set_index('fold'); df.to_csv(cv/'embedding_rows.tsv', sep='\t')
    gains = {m: (df['untrained_' + m] - df[m]) for m in ('tabular_aam', 'probe') if m in df and 'untrained_' + m in df}
    print(json.dumps({'cv': str(cv), 'mae': {m: {'mean': round(df[m].mean(), 3), 'sd': round(df[m].std(), 3), 'folds': df[m].round(2).tolist()} for m in rows},
                      'gain': {m: {'mean': round(g.mean(), 3), 'sd': round(g.std(), 3), 'helped': f'{int((g > 0).sum())} of {len(g)}'} for m, g in gains.items()},
                      'minutes': round((time.perf_counter() - t0) / 60, 1)}))


if __name__ == '__main__':
    main()
