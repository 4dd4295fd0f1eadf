"""Stage-1 training throughput on the real oral data: today's eager float32 step vs the fastest path aam_nb offers.

What it measures
----------------
Training samples per second of the stage-1 step loop as `train_epoch` runs it (collate incl. per-batch UniFrac
targets, per-batch seeded nucleotide masks, forward, `compute_losses` with unifrac + nucleotide weights 1,
backward, gradient clipping at 1.0, AdamW step) for `SequenceEncoder(EncoderConfig(max_bp=100, token_limit=256,
embedding_dim=128, heads=4, asv_layers=2, sample_layers=2))` at batch 8 on CPU, for two paths:

* eager: the step as it was before issue 11: PyTorch's `nn.TransformerEncoderLayer` (`use_torch_layers`), float32,
         no compilation, glibc's default allocator settings;
* fast:  the model's own `EncoderLayer` (same weights, same function, fewer copies), bf16 autocast
         (`FitOptions(bf16=True)`: projections and feed-forward on AMX, attention and losses in float32), optionally
         `torch.compile` of the transformer stacks (`--fast-compile`, `FitOptions(compile=True)`); with bf16 on CPU,
         oneDNN's primitive cache bounded as `fit` bounds it (`aam_nb.runtime.bound_onednn_cache`), which keeps
         the peak memory of a run from growing with every new batch shape.

Both paths start from the same weights (same seed; a checksum is compared), see the same batches and the same
masks (per-batch seeds). Each does `--warmup` untimed steps (compilation happens there and is timed separately),
then `--steps` timed steps; wall and process CPU time are taken per step. Each path runs in its own subprocess
(its own peak RSS, its own allocator setting); the parent drives both step by step and interleaves their timed
steps (one at a time, never concurrently), so that load from other jobs falls on both alike.

Equivalence: each path's losses at every step (same batch, same masks; the weights drift apart only by the
rounding of bf16), and an eval-mode forward without masking on the first batch at the initial weights; the JSON
reports the largest relative difference of the fast path's losses from eager's.

Run from the repository root (about 3 minutes with the defaults on a loaded 2-core CPU):

    python bench/throughput.py --threads 1
    python bench/throughput.py --threads 1 --fast-compile        # also torch.compile (adds ~1 min of compilation)

On a machine shared with other jobs, torch's default thread count can oversubscribe the cores; `--threads 1`
avoids that. Check `loadavg_*` in the output.

Prints exactly one JSON line on stdout (eager_samples_per_s, fast_samples_per_s, fast_over_eager, peak RSS of
both, fast_options, ...); progress goes to stderr.
"""
from __future__ import annotations
import argparse, json, os, resource, subprocess, sys, time
from pathlib import Path


def real_data_paths() -> dict:
    from aam_nb.data import find_real_data
    p = find_real_data('oral_age')
    return p


def rss_now_mb() -> float:
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmRSS:'): return int(line.split()[1]) / 1024
    return float('nan')


def log(*a): print(*a, file=sys.stderr, flush=True)


def reply(obj): print(json.dumps(obj), flush=True)


def path_options(args, name) -> dict:
    if name == 'eager': return {'layers': 'torch', 'bf16': False, 'compile': False, 'onednn_cache_capacity': os.environ.get('ONEDNN_PRIMITIVE_CACHE_CAPACITY', 'default')}
    bf16 = not args.fast_fp32
    cap = os.environ.get('ONEDNN_PRIMITIVE_CACHE_CAPACITY', '0' if bf16 else 'default')
    return {'layers': 'aam_nb', 'bf16': bf16, 'compile': args.fast_compile, 'onednn_cache_capacity': cap}


def serve_path(args):
    "Child mode: set up one path, then run one training step per 'step' line on stdin; 'done' reports and exits."
    import numpy as np, torch
    import aam_nb
    from aam_nb.data import load_table, load_tree
    from aam_nb.dataset import MicrobiomeDataset
    from aam_nb.unifrac import TreeMatrices, BatchUniFrac
    from aam_nb.models import EncoderConfig, SequenceEncoder, use_torch_layers, compile_stacks
    from aam_nb.losses import compute_losses
    from aam_nb.runtime import autocast, batch_seed, bound_onednn_cache
    if args.threads: torch.set_num_threads(args.threads)
    name = args.path; o = path_options(args, name)
    if o['bf16']: bound_onednn_cache()  # as fit does for bf16 on CPU (before oneDNN's first use)
    t0 = time.perf_counter()
    p = real_data_paths()
    oral = load_table(p['table'])
    tm = TreeMatrices(load_tree(p['tree'], oral.feature_ids), oral.feature_ids)
    ds = MicrobiomeDataset(oral, max_bp=args.max_bp, token_limit=args.token_limit, unifrac=BatchUniFrac(tm))
    B = args.batch_size
    order = np.random.default_rng(args.seed).permutation(len(ds))
    n_batches = args.warmup + args.steps
    if n_batches * B > len(ds): sys.exit(f"{n_batches} batches of {B} need more than the {len(ds)} samples")
    batches = [order[k * B:(k + 1) * B] for k in range(n_batches)]
    cfg = EncoderConfig(max_bp=args.max_bp, token_limit=args.token_limit, embedding_dim=args.embedding_dim,
                        heads=args.heads, asv_layers=args.layers, sample_layers=args.layers)
    torch.manual_seed(args.seed)
    model = SequenceEncoder(cfg)
    if o['layers'] == 'torch': use_torch_layers(model)
    checksum = float(sum(float(v.double().sum()) for v in model.state_dict().values()))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    weights = {'unifrac': 1.0, 'nucleotide': 1.0}

    # equivalence check: eval mode, no masking, first batch, initial weights
    first = ds.collate([ds[i] for i in batches[0]])
    model.eval()
    with torch.no_grad(), autocast('cpu', o['bf16']): out = model(first, mask_nucleotides=False)
    eval_loss = float(compute_losses(out, first, {'unifrac': 1.0})['unifrac'])
    del out, first
    t_c = time.perf_counter()
    if o['compile']: compile_stacks(model)
    setup_s = time.perf_counter() - t0
    log(f"[{name}] ready in {setup_s:.1f}s, options {o}, torch threads {torch.get_num_threads()}, rss {rss_now_mb():.0f} MB, aam_nb from {aam_nb.__file__}")

    model.train()
    params = [q for q in model.parameters() if q.requires_grad]
    opt.zero_grad(set_to_none=True)
    state = {'k': 0, 'losses': [], 'rss_before': rss_now_mb(), 'warmup_s': 0.0}

    def step():
        k = state['k']; idx = batches[k]
        t, c = time.perf_counter(), time.process_time()
        batch = ds.collate([ds[i] for i in idx])
        gen = torch.Generator().manual_seed(batch_seed(args.seed, 0, k))
        torch.manual_seed(batch_seed(args.seed, 0, k, stream=1))
        with autocast('cpu', o['bf16']):
            out = model(batch, generator=gen, mask_nucleotides=True)
            losses = compute_losses(out, batch, weights)
        losses['total'].backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step(); opt.zero_grad(set_to_none=True)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        vals = {n: float(v.detach()) for n, v in losses.items()}
        state['losses'].append(vals)
        if k < args.warmup: state['warmup_s'] += dt
        state['k'] += 1
        log(f"[{name}] step {k}: {dt:.3f}s wall, {dc:.3f}s cpu, {int(batch['tokens'].shape[0])} ASV rows, loss {vals['total']:.4f}")
        return {'k': k, 'wall_s': dt, 'cpu_s': dc}

    reply({'ready': True, 'setup_s': setup_s})
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == 'step': reply(step())
        elif cmd == 'done':
            reply({'path': name, 'options': o, 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   'rss_before_loop_mb': state['rss_before'], 'setup_s': setup_s, 'warmup_s': state['warmup_s'],
                   'torch_threads': torch.get_num_threads(), 'weights_checksum': checksum, 'losses': state['losses'],
                   'eval_unifrac_loss_first_batch': eval_loss, 'aam_nb': aam_nb.__file__})
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
    ap.add_argument('--steps', type=int, default=20, help='timed steps per path')
    ap.add_argument('--warmup', type=int, default=3, help='untimed steps before timing, per path (compilation happens here)')
    ap.add_argument('--batch-size', type=int, default=8)
    ap.add_argument('--embedding-dim', type=int, default=128)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--layers', type=int, default=2, help='transformer layers per level (ASV and sample)')
    ap.add_argument('--max-bp', type=int, default=100)
    ap.add_argument('--token-limit', type=int, default=256, help='most ASVs per sample')
    ap.add_argument('--seed', type=int, default=0, help='seed of the weights, the batch order and the masks')
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    ap.add_argument('--fast-compile', action='store_true', help='fast path: also torch.compile the transformer stacks')
    ap.add_argument('--fast-fp32', action='store_true', help='fast path: float32 instead of bf16 autocast')
    ap.add_argument('--sequential', action='store_true', help='time all eager steps, then all fast steps (no interleaving)')
    ap.add_argument('--path', choices=['eager', 'fast'], help=argparse.SUPPRESS)  # internal child mode
    args = ap.parse_args()
    if args.steps < 1: ap.error('--steps must be at least 1')
    if args.path: return serve_path(args)

    t0 = time.perf_counter(); load0 = os.getloadavg()
    argv = [a for a in sys.argv[1:] if a != '--sequential']
    kids = {p: Child(p, argv) for p in ('eager', 'fast')}
    for c in kids.values(): c.read()  # both set up (concurrently, untimed)
    for _ in range(args.warmup):
        for c in kids.values(): c.ask('step')
    order = [p for _ in range(args.steps) for p in kids] if not args.sequential else [p for p in kids for _ in range(args.steps)]
    steps = {'eager': [], 'fast': []}
    for p in order: steps[p].append(kids[p].ask('step'))
    res = {p: c.ask('done') for p, c in kids.items()}
    for c in kids.values(): c.proc.wait()

    def rate(st, key='wall_s'): return args.batch_size * len(st) / sum(s[key] for s in st)
    def median(xs): xs = sorted(xs); return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
    e, f = res['eager'], res['fast']
    rel = [abs(lf[k] - le[k]) / max(abs(le[k]), 1e-12) for le, lf in zip(e['losses'], f['losses']) for k in le]
    out = {
        'eager_samples_per_s': round(rate(steps['eager']), 3), 'fast_samples_per_s': round(rate(steps['fast']), 3),
        'fast_over_eager': round(rate(steps['fast']) / rate(steps['eager']), 3),
        'fast_over_eager_cpu_time': round(rate(steps['fast'], 'cpu_s') / rate(steps['eager'], 'cpu_s'), 3),
        'eager_peak_rss_mb': round(e['peak_rss_mb'], 1), 'fast_peak_rss_mb': round(f['peak_rss_mb'], 1),
        'fast_options': f['options'], 'eager_options': e['options'],
        'fast_warmup_s': round(f['warmup_s'], 1), 'eager_warmup_s': round(e['warmup_s'], 1),
        'step_s_median': {'eager': round(median([s['wall_s'] for s in steps['eager']]), 4),
                          'fast': round(median([s['wall_s'] for s in steps['fast']]), 4)},
        'loss_max_rel_diff': round(max(rel), 5), 'loss_mean_rel_diff': round(sum(rel) / len(rel), 5),
        'eval_unifrac_loss_first_batch': {'eager': e['eval_unifrac_loss_first_batch'], 'fast': f['eval_unifrac_loss_first_batch']},
        'same_weights': e['weights_checksum'] == f['weights_checksum'],
        'steps': args.steps, 'warmup_steps': args.warmup, 'interleaved': not args.sequential,
        'torch_threads': f['torch_threads'], 'cpu_count': os.cpu_count(),
        'loadavg_start': [round(x, 2) for x in load0], 'loadavg_end': [round(x, 2) for x in os.getloadavg()],
        'config': {'batch_size': args.batch_size, 'embedding_dim': args.embedding_dim, 'heads': args.heads,
                   'asv_layers': args.layers, 'sample_layers': args.layers, 'max_bp': args.max_bp,
                   'token_limit': args.token_limit, 'seed': args.seed, 'device': 'cpu', 'optimizer': 'AdamW',
                   'loss_weights': {'unifrac': 1.0, 'nucleotide': 1.0}},
        'aam_nb': f['aam_nb'], 'wall_s': round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
