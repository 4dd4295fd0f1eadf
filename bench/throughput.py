"""Stage-1 training throughput on the real oral data: batch dedup + pad-to-batch-max vs the naive layout.

What it measures
----------------
Training samples per second of the stage-1 step loop (collate incl. per-batch UniFrac targets, forward with
nucleotide masking, `compute_losses` with unifrac + nucleotide weights 1, backward, gradient clipping at 1.0
as in `train_epoch`, AdamW step) for `SequenceEncoder(EncoderConfig(max_bp=100, token_limit=256,
embedding_dim=128, heads=4, asv_layers=2, sample_layers=2))` at batch 8 on CPU, for two paths:

* fast:  `MicrobiomeDataset(oral, max_bp=100, token_limit=256, unifrac=BatchUniFrac(...))` (defaults: each unique
         ASV of a batch encoded once, batch padded to its largest sample);
* naive: the same dataset with `dedup=False, pad_to=256` (every one of the 8 x 256 ASV slots encoded, padding included).

Both paths start from the same weights (same seed; a checksum is compared) and see the same batches (same sample
indices, drawn with --seed; the naive path's batches are the first of the fast path's). Each path does `--warmup`
untimed steps, then `--steps` (fast) / `--naive-steps` (naive) timed steps; wall time and process CPU time are
taken per step.

Each path runs in its own subprocess, which reads its own peak RSS (`resource.getrusage(RUSAGE_SELF).ru_maxrss`),
so the two peaks are separate. The parent drives both children step by step and interleaves their timed steps
evenly (one at a time, never concurrently), so that load from other jobs on a shared machine falls on both paths
alike; `--sequential` runs the fast path to the end first instead.

As an equivalence check, before training each child runs one eval-mode forward without masking on the first batch
and reports the UniFrac loss (it should agree between the paths up to float rounding), plus the first training
step's losses (these differ a little: masks and dropout draws depend on the token layout).

Run from the repository root (about 3 minutes with the defaults on 2 CPU cores):

    python bench/throughput.py                   # fast 20 steps, naive 3 steps, 2 warmup steps each
    python bench/throughput.py --steps 40 --naive-steps 5 --threads 2

On a machine shared with other jobs, torch's default thread count can oversubscribe the cores (OpenMP threads
spin while waiting for a descheduled sibling), which slows the small kernels of the fast path far more than the
naive path's large ones and understates the speedup; `--threads 1` avoids that. Check `loadavg_*` in the output.

Prints exactly one JSON line on stdout (samples_per_s, naive_samples_per_s, speedup, peak_rss_mb,
naive_peak_rss_mb, ...); progress goes to stderr.
"""
from __future__ import annotations
import argparse, json, os, resource, subprocess, sys, time
from pathlib import Path


def real_data_paths() -> dict:
    from aam_nb.data import find_real_data
    p = find_real_data()
    if p is None or 'oral' not in str(p['table']):
        d = Path(__file__).resolve().parents[2]/'shared/data/oral_age'
        p = dict(table=d/'oral_2550.biom', tree=d/'oral_tree.nwk', metadata=d/'oral_2550_map.txt', column='age')
    if not Path(p['table']).exists(): sys.exit(f"oral data not found (looked for {p['table']})")
    return p


def rss_now_mb() -> float:
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmRSS:'): return int(line.split()[1]) / 1024
    return float('nan')


def log(*a): print(*a, file=sys.stderr, flush=True)


def reply(obj): print(json.dumps(obj), flush=True)


def serve_path(args):
    "Child mode: set up one path, then run one training step per 'step' line on stdin; 'done' reports and exits."
    import numpy as np, torch
    from aam_nb.data import load_table, load_tree
    from aam_nb.dataset import MicrobiomeDataset
    from aam_nb.unifrac import TreeMatrices, BatchUniFrac
    from aam_nb.models import EncoderConfig, SequenceEncoder, compute_losses
    if args.threads: torch.set_num_threads(args.threads)
    name = args.path; naive = name == 'naive'
    t0 = time.perf_counter()
    p = real_data_paths()
    oral = load_table(p['table'])
    tm = TreeMatrices(load_tree(p['tree'], oral.feature_ids), oral.feature_ids)
    ds = MicrobiomeDataset(oral, max_bp=args.max_bp, token_limit=args.token_limit, unifrac=BatchUniFrac(tm),
                           **(dict(dedup=False, pad_to=args.token_limit) if naive else {}))
    B = args.batch_size
    order = np.random.default_rng(args.seed).permutation(len(ds))
    n_batches = args.warmup + max(args.steps, args.naive_steps)
    if n_batches * B > len(ds): sys.exit(f"{n_batches} batches of {B} need more than the {len(ds)} samples")
    batches = [order[k * B:(k + 1) * B] for k in range(n_batches)]
    cfg = EncoderConfig(max_bp=args.max_bp, token_limit=args.token_limit, embedding_dim=args.embedding_dim,
                        heads=args.heads, asv_layers=args.layers, sample_layers=args.layers)
    torch.manual_seed(args.seed)
    model = SequenceEncoder(cfg)
    checksum = float(sum(float(v.double().sum()) for v in model.state_dict().values()))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    weights = {'unifrac': 1.0, 'nucleotide': 1.0}

    # equivalence check: eval mode, no masking, first batch, initial weights
    first = ds.collate([ds[i] for i in batches[0]])
    model.eval()
    with torch.no_grad(): out = model(first, mask_nucleotides=False)
    eval_info = {'eval_unifrac_loss_first_batch': float(compute_losses(out, first, {'unifrac': 1.0})['unifrac']),
                 'unifrac_target_sum_first_batch': float(first['unifrac'].double().sum())}
    del out, first
    setup_s = time.perf_counter() - t0
    log(f"[{name}] ready in {setup_s:.1f}s, torch threads {torch.get_num_threads()}, rss {rss_now_mb():.0f} MB")

    model.train()
    gen = torch.Generator().manual_seed(args.seed)
    params = [q for q in model.parameters() if q.requires_grad]
    opt.zero_grad(set_to_none=True)
    state = {'k': 0, 'first_losses': None, 'rss_before': rss_now_mb()}

    def step():
        k = state['k']; idx = batches[k]
        t, c = time.perf_counter(), time.process_time()
        batch = ds.collate([ds[i] for i in idx])
        out = model(batch, generator=gen, mask_nucleotides=True)
        losses = compute_losses(out, batch, weights)
        losses['total'].backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step(); opt.zero_grad(set_to_none=True)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        vals = {n: float(v.detach()) for n, v in losses.items()}
        if state['first_losses'] is None: state['first_losses'] = vals
        state['k'] += 1
        rows, slots = int(batch['tokens'].shape[0]), int(batch['mask'].shape[1])
        log(f"[{name}] step {k}: {dt:.3f}s wall, {dc:.3f}s cpu, {rows} ASV rows x {slots} slots, loss {vals['total']:.4f}")
        return {'k': k, 'wall_s': dt, 'cpu_s': dc, 'rows': rows, 'slots': slots}

    reply({'ready': True, 'setup_s': setup_s})
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == 'step': reply(step())
        elif cmd == 'done':
            reply({'path': name, 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   'rss_before_loop_mb': state['rss_before'], 'setup_s': setup_s, 'torch_threads': torch.get_num_threads(),
                   'weights_checksum': checksum, 'first_step_losses': state['first_losses'], **eval_info})
            return
        else: sys.exit(f"[{name}] unknown command {cmd!r}")


class Child:
    "A `--path` child process driven over pipes."
    def __init__(self, path, argv):
        cmd = [sys.executable, str(Path(__file__).resolve()), '--path', path] + argv
        log(f"starting {path} path: {' '.join(cmd)}")
        self.path = path
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # stderr passes through
    def read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line: sys.exit(f"{self.path} path died (exit code {self.proc.wait()})")
        return json.loads(line)
    def ask(self, cmd) -> dict:
        self.proc.stdin.write(cmd + '\n'); self.proc.stdin.flush(); return self.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--steps', type=int, default=20, help='timed steps of the fast path')
    ap.add_argument('--naive-steps', type=int, default=3, help='timed steps of the naive path (it is far slower)')
    ap.add_argument('--warmup', type=int, default=2, help='untimed steps before timing, per path')
    ap.add_argument('--batch-size', type=int, default=8)
    ap.add_argument('--embedding-dim', type=int, default=128)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--layers', type=int, default=2, help='transformer layers per level (ASV and sample)')
    ap.add_argument('--max-bp', type=int, default=100)
    ap.add_argument('--token-limit', type=int, default=256, help='most ASVs per sample; the naive path pads to it')
    ap.add_argument('--seed', type=int, default=0, help='seed of the weights, the batch order and the masks')
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    ap.add_argument('--sequential', action='store_true', help='time all fast steps, then all naive steps (no interleaving)')
    ap.add_argument('--path', choices=['fast', 'naive'], help=argparse.SUPPRESS)  # internal child mode
    args = ap.parse_args()
    if args.steps < 1 or args.naive_steps < 1: ap.error('--steps and --naive-steps must be at least 1')
    if args.path: return serve_path(args)

    t0 = time.perf_counter(); load0 = os.getloadavg()
    argv = [a for a in sys.argv[1:] if a != '--sequential']
    kids = {p: Child(p, argv) for p in ('fast', 'naive')}
    for c in kids.values(): c.read()  # both set up (concurrently, untimed)
    for _ in range(args.warmup):
        for c in kids.values(): c.ask('step')
    # timed steps, one at a time; interleaved evenly by position unless --sequential
    n = {'fast': args.steps, 'naive': args.naive_steps}
    events = [(i / n[p] if not args.sequential else (p == 'naive') + i / n[p], p) for p in n for i in range(n[p])]
    steps = {'fast': [], 'naive': []}
    for _, p in sorted(events): steps[p].append(kids[p].ask('step'))
    res = {p: c.ask('done') for p, c in kids.items()}
    for c in kids.values(): c.proc.wait()

    def rate(st, key='wall_s'): return args.batch_size * len(st) / sum(s[key] for s in st)
    def median(xs): xs = sorted(xs); return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
    f, nv = res['fast'], res['naive']
    sf, sn = steps['fast'], steps['naive']
    naive_ks = {s['k'] for s in sn}
    same = [s for s in sf if s['k'] in naive_ks]  # the fast path on the very batches the naive path timed
    out = {
        'samples_per_s': round(rate(sf), 3), 'naive_samples_per_s': round(rate(sn), 3),
        'speedup': round(rate(sf) / rate(sn), 2),
        'speedup_same_batches': round(rate(same) / rate(sn), 2) if len(same) == len(sn) else None,
        'speedup_cpu_time': round(rate(sf, 'cpu_s') / rate(sn, 'cpu_s'), 2),
        'peak_rss_mb': round(f['peak_rss_mb'], 1), 'naive_peak_rss_mb': round(nv['peak_rss_mb'], 1),
        'rss_before_loop_mb': round(f['rss_before_loop_mb'], 1), 'naive_rss_before_loop_mb': round(nv['rss_before_loop_mb'], 1),
        'steps': len(sf), 'naive_steps': len(sn), 'warmup_steps': args.warmup,
        'interleaved': not args.sequential,
        'step_s_median': round(median([s['wall_s'] for s in sf]), 4), 'naive_step_s_median': round(median([s['wall_s'] for s in sn]), 4),
        'mean_encoded_asv_rows': round(sum(s['rows'] for s in sf) / len(sf), 1),
        'naive_mean_encoded_asv_rows': round(sum(s['rows'] for s in sn) / len(sn), 1),
        'mean_slots': round(sum(s['slots'] for s in sf) / len(sf), 1),
        'torch_threads': f['torch_threads'], 'cpu_count': os.cpu_count(),
        'loadavg_start': [round(x, 2) for x in load0], 'loadavg_end': [round(x, 2) for x in os.getloadavg()],
        'same_weights': f['weights_checksum'] == nv['weights_checksum'],
        'same_unifrac_targets': abs(f['unifrac_target_sum_first_batch'] - nv['unifrac_target_sum_first_batch']) < 1e-4,
        'eval_unifrac_loss_first_batch': f['eval_unifrac_loss_first_batch'],
        'naive_eval_unifrac_loss_first_batch': nv['eval_unifrac_loss_first_batch'],
        'first_step_losses': f['first_step_losses'], 'naive_first_step_losses': nv['first_step_losses'],
        'config': {'batch_size': args.batch_size, 'embedding_dim': args.embedding_dim, 'heads': args.heads,
                   'asv_layers': args.layers, 'sample_layers': args.layers, 'max_bp': args.max_bp,
                   'token_limit': args.token_limit, 'seed': args.seed, 'device': 'cpu', 'optimizer': 'AdamW',
                   'loss_weights': {'unifrac': 1.0, 'nucleotide': 1.0}},
        'wall_s': round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
