"""Execute a notebook as `nbdev_test` does (the same skipped cells) and keep its outputs in the notebook file, so the docs
show results (loss curves, ROC curves, tables): `python scripts/run_nb.py nbs/03_training.ipynb [--flags tutorial]`.

Cells flagged `slow` (or `tutorial`) are skipped unless named in --flags, as nbdev_test skips them. The outputs are
written back into the notebook by cell id; `nbdev_clean` (which keeps outputs here: settings.ini clean_outputs=False)
then strips execution counts and metadata.
"""
import argparse, os
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbdev.process import NBProcessor
from nbdev.frontmatter import FrontmatterProc

SKIP = {'slow', 'tutorial', 'notest'}

def run(fn: Path, flags: set):
    os.environ['IN_TEST'] = '1'
    nb = NBProcessor(fn, procs=FrontmatterProc, process=True).nb
    skip = SKIP - flags
    def no_eval(cell):
        if cell.cell_type != 'code' or 'nbdev_export' + '(' in cell.source: return True
        return bool(skip & (getattr(cell, 'directives_', {}) or {}).keys())
    k = CaptureShell(fn)
    with working_directory(fn.parent): k.run_all(nb, exc_stop=True, preproc=no_eval)
    # what the docs show: results, not progress bars or warnings (stderr)
    outs = {c.get('id'): [o for o in c.get('outputs', []) if not (o.get('output_type') == 'stream' and o.get('name') == 'stderr')]
            for c in nb.cells if c.cell_type == 'code'}
    raw = read_nb(fn)
    for c in raw.cells:
        if c.cell_type == 'code' and c.get('id') in outs: c['outputs'] = outs[c['id']]
    write_nb(raw, fn)
    print(f"{fn}: {sum(bool(o) for o in outs.values())} cells with outputs")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='+', type=Path)
    ap.add_argument('--flags', nargs='*', default=[], help='flags of cells to run as well (slow, tutorial)')
    a = ap.parse_args()
    for fn in a.notebooks: run(fn.resolve(), set(a.flags))
