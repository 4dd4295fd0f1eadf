"""What a corpus encoder's embedding knows about body site: nearest neighbours and a linear probe, against an untrained encoder and UniFrac.

What it runs
------------
The four corpus tables (../shared/data/corpus, read as V4 by `aam_nb_region` into --region) are read as stage 1 read them
(OTUs off the tree dropped, samples below the run's depth left out, rarefied to it). The samples stage 1 never trained on
(its validation part) are the queries: half choose k and the probe's penalty, half are the test; the pool is a
sample of stage 1's training part. Each sample's body site is asked two ways: `site` (the maps' UBERON term, one
spelling across studies; about 30 sites, many of them neighbouring oral sites) and `area` (oral, gut, skin, nose,
vagina). Three readers on the same split: the pre-trained encoder's embedding and an untrained encoder's
(`aam_nb.embedding.embedding_report`: knn and probe accuracy), and the UniFrac distances themselves (knn on the stage's
own UniFrac flavour: what stage 1 was asked to learn). The HMP sampled most people at several sites and some twice, so
a query's person can be in the pool; that helps every reader alike.

    python bench/corpus_embedding.py --encoder runs/corpus_pretrain --out runs/corpus_embedding

Prints one JSON line: per reader and question, the test accuracy; the stage-1 epoch read; minutes.
"""
import argparse, json, re, time, warnings
from pathlib import Path

AREAS = (('gut', ('feces', 'stool')), ('vagina', ('vagin', 'fornix', 'introitus')), ('nose', ('nares', 'nose', 'nasal')),
         ('skin', ('skin', 'auricular', 'elbow', 'fossa', 'hand', 'palm', 'forehead', 'axilla', 'retroauricular')),
         ('oral', ('ging', 'tooth', 'tongue', 'buccal', 'palat', 'throat', 'tonsil', 'saliva', 'mouth', 'plaque', 'oral')))

def site_name(v: str) -> str:
    "One spelling of a UBERON body site across studies ('UBERON:skin of elbow', 'UBERON_skin_of_elbow' -> 'skin of elbow'; stool -> feces)."
    s = re.sub(r'^uberon[:_]', '', str(v).strip().lower()).replace('_', ' ')
    return 'feces' if s == 'stool' else s

def area_name(site: str) -> str:
    return next((a for a, keys in AREAS if any(k in site for k in keys)), 'other')

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--encoder', default='runs/corpus_pretrain', help='the stage-1 run on the corpus (aam_nb_pretrain)')
    ap.add_argument('--region', default='runs/corpus_v4', help='the corpus tables read as V4 (aam_nb_region)')
    ap.add_argument('--out', default='runs/corpus_embedding')
    ap.add_argument('--pool', type=int, default=2000, help='training samples in the neighbour pool (UniFrac is a full matrix)')
    ap.add_argument('--queries', type=int, default=1000, help='held-out samples asked (half choose k and the penalty, half are the test)')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    import numpy as np, pandas as pd, torch
    from aam_nb.data import find_real_data, merge_tables, drop_shallow, rarefy
    from aam_nb.folds import load_split
    from aam_nb.unifrac import table_on_tree, unifrac_from_counts
    from aam_nb.embedding import embedding_report, knn_predict
    t0 = time.perf_counter(); enc, region, out = Path(a.encoder), Path(a.region), Path(a.out); out.mkdir(parents=True, exist_ok=True)
    cfg = json.loads((enc/'config.json').read_text()); o = cfg['options']; depth = o.get('rarefy_depth') or 1000  # the corpus tables hold >= 1000 reads a sample
    real = find_real_data('corpus')
    tables = [region/f'{Path(t).stem}.biom' for t in real['table']]
    meta = pd.concat([pd.read_csv(m, sep='\t', dtype=str).set_index('#SampleID')['body_site'] for m in real['metadata']])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        table, tree = table_on_tree(merge_tables([str(t) for t in tables], [None] * len(tables)), region/'tree.nwk', True)
        table = rarefy(drop_shallow(table, depth), depth, a.seed)
    split1 = load_split(enc/'split.json'); have = set(table.sample_ids) & set(meta.index)
    rng = np.random.default_rng(a.seed)
    pool = [i for i in split1['train'] if i in have]
    queries = [i for i in split1['val'] + split1.get('test', []) if i in have]
    seen_by_stage1 = bool(pool)
    if not seen_by_stage1:  # an encoder trained elsewhere (e.g. on one task's folds): none of the corpus is in its split
        ids = sorted(have); rng.shuffle(ids); queries, pool = ids[:a.queries], ids[a.queries:]
    pool = list(rng.choice(pool, min(a.pool, len(pool)), replace=False))
    queries = list(queries); rng.shuffle(queries); queries = queries[:a.queries]
    split = {'train': pool, 'val': queries[:len(queries) // 2], 'test': queries[len(queries) // 2:]}
    site = meta.map(site_name); area = site.map(area_name)
    targets = {'area': (area, True), 'site': (site, True)}  # the picture is coloured by the first
    rep = embedding_report(enc, table, targets, split, a.seed, picture=out/'corpus_embedding.png')
    ids = split['train'] + split['val'] + split['test']
    sub, tm = table_on_tree(table.subset(ids), region/'tree.nwk')  # the tree of the features these samples hold
    D = pd.DataFrame(np.asarray(unifrac_from_counts(sub.counts, tm, o['unifrac_metric'])), index=list(sub.sample_ids), columns=list(sub.sample_ids))
    for col, (y, _) in targets.items():
        labels = sorted(y.loc[ids].unique())
        p, k = knn_predict(D, y, split, labels=labels, distances=True)
        rep.loc[len(rep)] = {'encoder': f"UniFrac ({o['unifrac_metric']})", 'column': col, 'metric': 'accuracy', 'n_test': len(p),
                             'knn': float((p['prediction'] == p['truth']).mean()), 'probe': float('nan')}
    rep.to_csv(out/'corpus_embedding.tsv', sep='\t', index=False)
    hist = pd.read_csv(enc/'history.csv')  # a CLI run writes no done.json: the epochs trained against those asked say how far it got
    majority = {c: float(y.loc[split['test']].value_counts(normalize=True).iloc[0]) for c, (y, _) in targets.items()}
    print(json.dumps({'bench': 'corpus_embedding', 'encoder': str(enc), 'epochs_trained': int(hist['epoch'].max()) + 1, 'epochs_asked': cfg.get('fit_options', {}).get('epochs'), 'queries_unseen_by_stage1': seen_by_stage1, 'depth': depth,
                      'samples': {'pool': len(split['train']), 'val': len(split['val']), 'test': len(split['test'])},
                      'classes': {c: int(y.loc[ids].nunique()) for c, (y, _) in targets.items()}, 'majority_class': majority,
                      'accuracy': {f"{r.encoder} / {r.column}": {'knn': round(r.knn, 3), 'probe': None if r.probe != r.probe else round(r.probe, 3)}
                                   for r in rep.itertuples()},
                      'torch_threads': torch.get_num_threads(), 'minutes': round((time.perf_counter() - t0) / 60, 1)}))

if __name__ == '__main__': main()
