"""Stage-2 epoch time with a frozen, cached encoder (freeze_base=True) vs fine-tuning it, on real oral data.

What it measures
----------------
`train_predictor` (regression of 'age') on a random subset of the oral samples (`--samples`, drawn with `--seed`
among the samples that have an age), encoder from scratch (encoder=None, so it warns) with
`EncoderConfig(max_bp=100, embedding_dim=128, heads=4, asv_layers=2, sample_layers=2)`, batch 8, CPU, run twice
in the same process from the same initial weights:

* frozen:    freeze_base=True (cache_frozen=True, the default): the encoder's base embeddings of the train and
             validation samples are computed once, then every epoch trains only the predictor's own layers;
* fine-tune: freeze_base=False: every step runs the encoder forward and backward.

Reported per run: the median of `history['epoch_seconds']` (one training pass plus one validation pass, as `fit`
times them), the median training-only time (`train_seconds`), the run's total wall time, and the one-off cost of
caching: `cache_s` is the time spent in `aam_nb.cache.encode_base` (timed by wrapping it in this process; the
package is not modified), and `frozen_overhead_s` is the frozen run's wall time minus its epochs (caching plus
setup, checkpoints and the final validation predictions). `speedup` = finetune_epoch_s / frozen_epoch_s.

Run from the repository root (a few minutes on 2 CPU cores):

    python bench/frozen.py                      # 600 samples, 3 frozen epochs, 2 fine-tune epochs
    python bench/frozen.py --samples 300 --frozen-epochs 3 --finetune-epochs 1

Prints exactly one JSON line on stdout; progress and warnings go to stderr. Run directories go to a temporary
folder that is deleted at the end (`--keep` keeps it).
"""
from __future__ import annotations
import argparse, json, os, shutil, statistics, sys, tempfile, time, warnings
from pathlib import Path


def real_data_paths() -> dict:
    from aam_nb.data import find_real_data
    p = find_real_data('oral_age')
    return p


def log(*a): print(*a, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--samples', type=int, default=600, help='random oral samples to use (train + validation)')
    ap.add_argument('--frozen-epochs', type=int, default=3)
    ap.add_argument('--finetune-epochs', type=int, default=2)
    ap.add_argument('--batch-size', type=int, default=8)
    ap.add_argument('--warmup-steps', type=int, default=10)
    ap.add_argument('--val-frac', type=float, default=0.1)
    ap.add_argument('--seed', type=int, default=0, help='seed of the subset, the split and the initial weights')
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    ap.add_argument('--keep', action='store_true', help='keep the temporary run directories')
    args = ap.parse_args()

    import numpy as np, torch
    import aam_nb.stage2 as T  # train_predictor and the encode_base it calls
    from aam_nb.data import load_table, load_metadata
    from aam_nb.models import EncoderConfig
    if args.threads: torch.set_num_threads(args.threads)
    warnings.simplefilter('default')  # warnings (no pre-trained encoder, metadata alignment) go to stderr once each

    t0 = time.perf_counter(); load0 = os.getloadavg()
    p = real_data_paths()
    table = load_table(p['table'])
    ages = load_metadata(p['metadata'], 'age')
    have = [s for s in table.sample_ids if s in ages.index]
    if args.samples > len(have): sys.exit(f"--samples {args.samples}: only {len(have)} oral samples have an age")
    ids = list(np.random.default_rng(args.seed).choice(np.array(have, dtype=object), args.samples, replace=False))
    sub = table.subset(ids)
    log(f"{sub} ({len(have)} samples have an age)")
    cfg = EncoderConfig(max_bp=100, embedding_dim=128, heads=4, asv_layers=2, sample_layers=2)

    # time the one-off caching without touching the package: wrap the function train_predictor calls
    cache_calls = []
    orig_encode_base = T.encode_base
    def timed_encode_base(*a, **kw):
        t = time.perf_counter(); r = orig_encode_base(*a, **kw); cache_calls.append(time.perf_counter() - t); return r
    T.encode_base = timed_encode_base

    tmp = Path(tempfile.mkdtemp(prefix='aam_bench_frozen_'))
    runs = {}
    try:
        for name, freeze, epochs in (('frozen', True, args.frozen_epochs), ('finetune', False, args.finetune_epochs)):
            cache_calls.clear()
            torch.manual_seed(args.seed)  # the encoder is built inside train_predictor from the global RNG: same weights
            log(f"[{name}] train_predictor(freeze_base={freeze}, epochs={epochs}) ...")
            t = time.perf_counter()
            res = T.train_predictor(sub, p['metadata'], 'age', tmp/name, encoder=None, freeze_base=freeze, config=cfg,
                                    batch_size=args.batch_size, val_frac=args.val_frac, seed=args.seed, epochs=epochs,
                                    warmup_steps=args.warmup_steps, device='cpu', progress=False, plot=False)
            wall = time.perf_counter() - t
            h = res.history
            runs[name] = {'wall_s': wall, 'epoch_s': list(map(float, h['epoch_seconds'])),
                          'train_s': list(map(float, h['train_seconds'])), 'cache_s': sum(cache_calls),
                          'val_mae': float(h['mae'].iloc[-1]) if 'mae' in h else None}
            log(f"[{name}] wall {wall:.1f}s, epoch_seconds {[round(x, 2) for x in runs[name]['epoch_s']]}, "
                f"train_seconds {[round(x, 2) for x in runs[name]['train_s']]}, encode_base {sum(cache_calls):.1f}s")
    finally:
        T.encode_base = orig_encode_base
        if args.keep: log(f"run directories kept in {tmp}")
        else: shutil.rmtree(tmp, ignore_errors=True)

    fr, ft = runs['frozen'], runs['finetune']
    frozen_epoch, finetune_epoch = statistics.median(fr['epoch_s']), statistics.median(ft['epoch_s'])
    out = {
        'frozen_epoch_s': round(frozen_epoch, 3), 'finetune_epoch_s': round(finetune_epoch, 3),
        'speedup': round(finetune_epoch / frozen_epoch, 2),
        'cache_s': round(fr['cache_s'], 2),
        'frozen_overhead_s': round(fr['wall_s'] - sum(fr['epoch_s']), 2),
        'finetune_overhead_s': round(ft['wall_s'] - sum(ft['epoch_s']), 2),
        'frozen_train_s': round(statistics.median(fr['train_s']), 3), 'finetune_train_s': round(statistics.median(ft['train_s']), 3),
        'train_speedup': round(statistics.median(ft['train_s']) / statistics.median(fr['train_s']), 2),
        'frozen_epochs_s': [round(x, 3) for x in fr['epoch_s']], 'finetune_epochs_s': [round(x, 3) for x in ft['epoch_s']],
        'frozen_wall_s': round(fr['wall_s'], 1), 'finetune_wall_s': round(ft['wall_s'], 1),
        'n_samples': args.samples, 'n_asvs': int(sub.shape[1]), 'batch_size': args.batch_size,
        'frozen_epochs': args.frozen_epochs, 'finetune_epochs': args.finetune_epochs,
        'torch_threads': torch.get_num_threads(), 'cpu_count': os.cpu_count(),
        'loadavg_start': [round(x, 2) for x in load0], 'loadavg_end': [round(x, 2) for x in os.getloadavg()],
        'config': cfg.to_dict(), 'device': 'cpu', 'wall_s': round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
