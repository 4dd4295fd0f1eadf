"""What pre-training on a corpus costs as it grows: 2.5k, 10k and 30k samples over 20k, 50k and 100k ASVs (not a test).

    python bench/scale.py --quick          # 2.5k and 10k samples (about 3 minutes on 2 cores)
    python bench/scale.py                  # 2.5k, 10k and 30k samples (about 6 minutes)

For each size, in a fresh process (so its peak memory is its own), on a synthetic corpus of two tables over one tree
(`aam_nb.synthetic.simulate_corpus`, written once under --data and reused):

- `load_merge_s`: reading the tables and merging them by sequence (`merge_tables`, as `pretrain` does with --table twice);
- `tree_s`, `tree_mb`: reading the reference tree and building its matrices for the merged table (`table_on_tree`),
  and the bytes of the tips x branches matrix;
- `unifrac_ms_b16`, `unifrac_ms_b64`: one batch's UniFrac targets (`BatchUniFrac`, unweighted), batches of 16 and 64;
- `samples_per_s`, `ms_per_sample`: the stage-1 training step (`train_epoch`: collate with UniFrac targets, masks,
  forward, losses, backward, AdamW) over a fixed number of steps (--steps, batch 16, the evaluation's encoder D64 1+2);
- `tokens_mb`: the table's tokens (1 byte per nucleotide); `frozen_cache_mb`: what a frozen encoder's cache would hold,
  4 x D x (ASV slots summed over the samples) bytes (the formula `encode_base` fills), checked against a cache encoded
  for 64 samples;
- `peak_rss_mb`: the process's peak resident memory.

Prints one JSON line per size, then a summary line with the ratio of the per-sample stage-1 cost at the largest size to
the smallest and the goals (ratio <= 1.3; at 30k: peak RSS <= 8 GB, load + tree <= 60 s), and writes a log-log plot
of cost against samples (--out, default runs/scale/scale.png).
"""
from __future__ import annotations
import argparse, json, os, resource, subprocess, sys, time, warnings
from pathlib import Path

SIZES = [(2500, 20_000), (10_000, 50_000), (30_000, 100_000)]
ENCODER = dict(embedding_dim=64, heads=4, asv_layers=1, sample_layers=2)


def one(n: int, a: int, data: Path, steps: int) -> dict:
    "Measure one size in this process."
    import numpy as np, torch
    from aam_nb.synthetic import simulate_corpus
    from aam_nb.data import load_table, merge_tables
    from aam_nb.unifrac import table_on_tree, BatchUniFrac
    from aam_nb.dataset import MicrobiomeDataset
    from aam_nb.models import EncoderConfig, SequenceEncoder
    from aam_nb.loop import FitOptions, Objective, make_optimizer, train_epoch
    from aam_nb.runtime import make_loader
    from aam_nb.runtime import seeded
    from aam_nb.cache import encode_base
    folder = data/f'corpus_{n}_{a}'
    if not (folder/'tree.nwk').exists(): simulate_corpus(folder, n, a, n_tables=2, seed=0, overwrite=True)
    paths = sorted(folder.glob('table*.biom'))
    t0 = time.perf_counter(); table = merge_tables([load_table(p) for p in paths]); load_s = time.perf_counter() - t0
    t0 = time.perf_counter(); table, tm = table_on_tree(table, folder/'tree.nwk'); tree_s = time.perf_counter() - t0
    tree_mb = (tm.A.data.nbytes + tm.A.indices.nbytes + tm.A.indptr.nbytes + tm.lengths.nbytes) / 2**20
    fn = BatchUniFrac(tm); rng = np.random.default_rng(0); ds = MicrobiomeDataset(table, 150, unifrac=fn)
    ms = {}
    for bs in (16, 64):
        times = []
        for _ in range(10):
            items = [ds[int(i)] for i in rng.choice(len(ds), bs, replace=False)]
            feats = np.unique(np.concatenate([it['features'] for it in items]))
            dense = np.zeros((bs, len(feats)))
            for b, it in enumerate(items): dense[b, np.searchsorted(feats, it['features'])] = it['counts']
            t0 = time.perf_counter(); fn(None, dense, feats); times.append(time.perf_counter() - t0)
        ms[f'unifrac_ms_b{bs}'] = round(1000 * float(np.median(times)), 2)
    with seeded(0): model = SequenceEncoder(EncoderConfig(**ENCODER))
    o = FitOptions(device='cpu', progress=False, seed=0)
    sub = torch.utils.data.Subset(ds, [int(i) for i in np.random.default_rng(1).choice(len(ds), 16 * (steps + 3), replace=False)])
    sub.collate = ds.collate
    opt = make_optimizer(model, o); obj = Objective({'unifrac': 1.0, 'nucleotide': 1.0}, mask_train=True)
    train_epoch(model, make_loader(_first(sub, 48), 16, True), opt, obj, o)  # warm-up
    timed = _first(sub, 16 * steps, offset=48)
    t0 = time.perf_counter(); train_epoch(model, make_loader(timed, 16, True), opt, obj, o); secs = time.perf_counter() - t0
    slots = np.minimum(np.diff(table.counts.indptr), 1024).sum()
    cache = encode_base(model, _first(ds, 64), 32)
    per_slot = sum(e.numel() * e.element_size() for e in cache) / np.minimum(np.diff(table.counts.indptr)[:64], 1024).sum()
    return {'samples': int(table.shape[0]), 'asvs': int(table.shape[1]), 'tree_tips': int(a), 'load_merge_s': round(load_s, 2),
            'tree_s': round(tree_s, 2), 'tree_mb': round(tree_mb, 1), **ms, 'samples_per_s': round(16 * steps / secs, 2),
            'ms_per_sample': round(1000 * secs / (16 * steps), 2), 'tokens_mb': round(ds.tokens.numel() * ds.tokens.element_size() / 2**20, 1),
            'frozen_cache_mb': round(4 * ENCODER['embedding_dim'] * slots / 2**20, 1), 'cache_bytes_per_slot': round(float(per_slot), 1),
            'peak_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), 'threads': torch.get_num_threads()}


def _first(ds, n: int, offset: int = 0):
    import torch
    sub = torch.utils.data.Subset(ds, list(range(offset, min(len(ds), offset + n)))); sub.collate = ds.collate
    return sub


def plot(rows: list, path: Path):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    n = [r['samples'] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    for k, label in (('ms_per_sample', 'stage-1 step, ms per sample'), ('unifrac_ms_b16', 'UniFrac targets, ms per batch of 16'),
                     ('load_merge_s', 'load + merge, s'), ('tree_s', 'tree matrices, s'), ('peak_rss_mb', 'peak RSS, MB / 100')):
        ax.plot(n, [r[k] / (100 if k == 'peak_rss_mb' else 1) for r in rows], 'o-', label=label)
    ax.plot(n, [rows[0]['ms_per_sample'] * x / n[0] for x in n], 'k:', lw=1, label='grows as the samples')
    ax.set_xscale('log'); ax.set_yscale('log'); ax.set_xlabel('samples in the corpus'); ax.legend(fontsize=7); ax.set_title('cost as the corpus grows')
    fig.tight_layout(); path.parent.mkdir(parents=True, exist_ok=True); fig.savefig(path, dpi=100); plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='2.5k and 10k samples only')
    ap.add_argument('--steps', type=int, default=40, help='timed stage-1 steps of batch 16 per size')
    ap.add_argument('--data', default='runs/scale/data', help='where the synthetic corpora are written (and reused)')
    ap.add_argument('--out', default='runs/scale/scale.png', help='the log-log plot')
    ap.add_argument('--one', nargs=2, type=int, help=argparse.SUPPRESS)  # internal: measure one size in this process
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    if a.one: print(json.dumps(one(*a.one, Path(a.data), a.steps))); return
    rows = []
    for n, asvs in SIZES[:2] if a.quick else SIZES:
        r = subprocess.run([sys.executable, __file__, '--one', str(n), str(asvs), '--data', a.data, '--steps', str(a.steps)],
                           capture_output=True, text=True)
        if r.returncode: sys.exit(f'size {n}: failed\n{r.stderr[-3000:]}')
        rows.append(json.loads(r.stdout.strip().splitlines()[-1])); print(json.dumps(rows[-1]), flush=True)
    plot(rows, Path(a.out))
    big, small = rows[-1], rows[0]
    ratio = big['ms_per_sample'] / small['ms_per_sample']
    goals = {'per_sample_cost_ratio_le_1.3': ratio <= 1.3}
    if big['samples'] >= 30_000: goals |= {'peak_rss_le_8gb': big['peak_rss_mb'] <= 8192, 'load_tree_le_60s': big['load_merge_s'] + big['tree_s'] <= 60}
    print(json.dumps({'bench': 'scale', 'sizes': [r['samples'] for r in rows], 'per_sample_cost_ratio': round(ratio, 3),
                      'peak_rss_mb': [r['peak_rss_mb'] for r in rows], 'goals_met': goals, 'all_goals_met': all(goals.values()),
                      'plot': a.out, 'loadavg_1m': os.getloadavg()[0]}))


if __name__ == '__main__': main()
