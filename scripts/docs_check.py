"""Build the docs pages without Quarto and check them in headless Chromium (`make docs-check`).

Quarto cannot be installed here, so `nbdev_docs` (the real docs build, wherever Quarto exists) cannot
run. This does the same nbdev part of that build -- `proc_nbs`: frontmatter, `show_doc` cells added
and executed for every exported name -- then renders each processed notebook to standalone HTML with
nbconvert (stored outputs, nothing executed) into .docs_check/, with a sidebar in the order of
nbs/sidebar.yml, and checks each page as a browser sees it: it loads, it has the notebook's title,
the library pages show their API docs, and the pages that show results (the tutorial, the README's demo picture, the
loss curve of the training loop, the ROC / PR curves of the evaluation, the importance plot) show their pictures. Exits 1
on any failure.
"""
import os, re, shutil, subprocess, sys, tempfile
from html import escape
from pathlib import Path

import nbformat, yaml
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
NBS, PROC, OUT = ROOT/'nbs', ROOT/'_proc', ROOT/'.docs_check'
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
# names whose show_doc entry (heading + signature) each library page must show
API = {'00_synthetic': ['simulate_dataset'],
       '00a_data': ['load_table', 'load_tree', 'load_metadata', 'rarefy'],
       '00b_dataset': ['tokenize', 'MicrobiomeDataset'],
       '00c_folds': ['split_samples', 'cv_folds', 'fold_split'],
       '00d_region': ['extract_region', 'read_closed_reference', 'write_region'],
       '01_unifrac': ['unifrac_matrix', 'faith_pd', 'BatchUniFrac'],
       '01a_losses': ['unifrac_loss', 'nucleotide_loss', 'target_loss', 'compute_losses'],
       '01b_metrics': ['regression_metrics', 'classification_metrics', 'PretrainMetrics'],
       '02_models': ['SequenceEncoder', 'SequencePredictor'],
       '02a_runtime': ['default_device', 'autocast', 'seeded', 'init_distributed', 'ShardedSampler'],
       '02b_checkpoint': ['save_checkpoint', 'load_checkpoint', 'model_from_checkpoint'],
       '02c_logs': ['plot_history', 'EpochEnd', 'TensorBoardLogger'],
       '02d_options': ['FitOptions', 'PretrainOptions', 'PredictorOptions'],
       '03_training': ['train_epoch', 'validate_epoch', 'fit', 'lr_at', 'EarlyStopping'],
       '04_runs': ['setup_run'],
       '04b_predict': ['predict', 'mean_predictions'],
       '04c_stage1': ['pretrain'],
       '04d_stage2': ['train_predictor'],
       '04f_bag': ['bag_splits', 'train_bag', 'predict_bag'],
       '05_baselines': ['random_forest_baseline', 'boosted_trees_baseline', 'linear_baseline', 'mean_baseline'],
       '05a_stack': ['train_stack', 'predict_stack'],
       '05e_embedding': ['knn_predict', 'probe_predict', 'embedding_report'],
       '05f_cv_report': ['summarize', 'error_report', 'stage1_gain'],
       '05d_tabular': ['train_tabular', 'predict_tabular'],
       '05b_evaluate': ['evaluate'],
       '05g_attribution': ['Explainer', 'asv_importance', 'faithfulness'],
       '05h_forest_importance': ['forest_importance', 'agreement'],
       '05i_taxa': ['load_taxonomy', 'clade_importance', 'tree_clade_importance'],
       '05j_importance_plots': ['plot_top', 'plot_sample'],
       '05c_explain': ['explain'],
       '06_cli': ['aam_nb_pretrain', 'aam_nb_train', 'aam_nb_evaluate', 'aam_nb_predict', 'aam_nb_baseline', 'aam_nb_unifrac', 'aam_nb_region']}
TUTORIAL = 'tutorials/oral_age.ipynb'
# pages that show results, and the pictures (embedded PNGs: plots kept as notebook outputs, or linked images) each must show
RESULT_IMAGES = {TUTORIAL: 1, 'tutorials/pretraining.ipynb': 1, 'index.ipynb': 1, '03_training.ipynb': 1, '05b_evaluate.ipynb': 1, '05c_explain.ipynb': 1}
failures = []

def fail(page, msg): failures.append(f'FAIL {page}: {msg}')

# ---- 1. nbdev's docs processing: nbs/ -> _proc/ ----------------------------------------------------
# What a proc_nbs worker does for one notebook; run in a fresh interpreter so that a failure names its notebook.
CHILD = '''
import sys; from pathlib import Path
from nbdev.serve_drv import main; from nbdev.processors import FilterDefaults
src, dst = map(Path, sys.argv[1:]); dst.parent.mkdir(parents=True, exist_ok=True)
try: main((src, dst, FilterDefaults))
except Exception as e:
    c = e.__cause__; lines = str(e).splitlines()
    print(f"{type(c).__name__ if c else type(e).__name__}: {c or lines[0]}")
    print('    while nbdev executed the cell:', *lines[1:4], '...' if len(lines) > 4 else '', sep='\\n      ')
    sys.exit(1)
'''

def process():
    "Run `proc_nbs`; if it fails (it stops at the first bad notebook), redo each notebook alone to name every failure."
    from nbdev.serve import proc_nbs
    os.environ['PYTHONWARNINGS'] = 'ignore:Found cells containing imports'  # nbdev prints each such cell in full
    try: return proc_nbs(str(NBS), force=True)
    except Exception as e: print(f'proc_nbs failed ({type(e).__name__}); processing the notebooks one at a time to find every failure')
    for src in sorted(NBS.rglob('*.ipynb')):
        if any(p.startswith(('.', '_')) for p in src.relative_to(NBS).parts): continue
        r = subprocess.run([sys.executable, '-c', CHILD, str(src), str(PROC/src.relative_to(NBS))],
                           cwd=ROOT, capture_output=True, text=True)
        if r.returncode: fail(src.relative_to(NBS), "nbdev's docs processing failed (nbdev_docs would fail too): "
                              + (r.stdout.strip() or r.stderr.strip()[-1500:]))
    if failures: failures.append('     hint: nbdev runs every cell that contains an import when it builds the docs, so a cell that mixes '
                    'imports with code that needs earlier cells fails there; move such imports to their own cell '
                    '(nbdev FAQ: "Found cells containing imports and other code")')

# ---- 2. processed notebook -> standalone HTML ------------------------------------------------------
DIRECTIVE = re.compile(r'^#\|\s*([\w-]+):?\s*(.*?)\s*$')
QUARTO_ATTRS = re.compile(r'(\[[^\]]*\]\([^)]*\))\{[^}]*\}')   # [source](url){target="_blank" ...}: Quarto-only syntax

def prepare(nb, head='# {title}\n\n{description}'):
    "Do the few things Quarto would: frontmatter -> `head` cell, honour echo/output/include directives. Returns (nb, title, output file)."
    fm, cells = {}, []
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.lstrip().startswith('---'):
            fm.update(yaml.safe_load(c.source.strip().strip('-')) or {}); continue
        if c.cell_type == 'code':
            lines = c.source.splitlines()
            dirs = {m[1]: m[2].lower() for m in map(DIRECTIVE.match, lines) if m}
            c.source = '\n'.join(l for l in lines if not DIRECTIVE.match(l)).strip()
            if dirs.get('include') == 'false': continue
            if dirs.get('echo') == 'false' or not c.source: c.metadata.setdefault('transient', {})['remove_source'] = True
            if dirs.get('output') == 'false': c.outputs = []
            if not c.source and not c.outputs: continue
            for o in c.outputs:
                if 'text/markdown' in o.get('data', {}): o.data['text/markdown'] = QUARTO_ATTRS.sub(r'\1', o.data['text/markdown'])
        cells.append(c)
    title = fm.get('title')
    if title:
        desc = fm.get('description')
        cells.insert(0, nbformat.v4.new_markdown_cell(head.format(title=title, description=desc) if desc else f'# {title}'))
        nb.metadata['title'] = title
    nb.cells = cells
    nb.metadata.pop('widgets', None)   # widget state from show_doc's kernel; it would pull widget JS from a CDN
    return nb, title, fm.get('output-file')

def sidebar():
    "(section, notebook path) in sidebar.yml order."
    def walk(items, section=None):
        for o in items:
            if isinstance(o, str): yield section, o
            elif 'contents' in o: yield from walk(o['contents'], o.get('section', section))
            elif 'href' in o: yield section, o['href']
    return list(walk(yaml.safe_load((NBS/'sidebar.yml').read_text())['website']['sidebar']['contents']))

NAV_CSS = ('<style>nav.dc{position:fixed;top:0;left:0;width:210px;height:100%;overflow:auto;padding:1em;'
           'background:#f7f7f7;border-right:1px solid #ddd;font:14px sans-serif} nav.dc h4{margin:1em 0 .3em}'
           ' nav.dc a{display:block;padding:.15em 0} nav.dc a.here{font-weight:bold} main,body>.dc-index{margin-left:240px}'
           ' h1+p{font-size:1.15em;color:#555}</style>')

def nav(pages, here):
    "The sidebar, as links relative to the page `here`."
    out, section = ["<nav class=\"dc\">"], ""
    for p in pages:
        if p['section'] != section:
            section = p['section']
            if section: out.append(f'<h4>{escape(section)}</h4>')
        href = os.path.relpath(p['html'], here.parent) if here else p['html']
        out.append(f'<a href="{href}"{" class=here" if p["html"] == here else ""}>{escape(p["title"])}</a>')
    return '\n'.join(out + ['</nav>'])

def render():
    "Render every processed notebook into OUT; returns the pages in sidebar order (others after)."
    order = [nb for _, nb in sidebar()]
    sections = dict((nb, s) for s, nb in sidebar())
    for nb in order:
        if not (NBS/nb).exists(): print(f'note: sidebar.yml lists {nb}, which does not exist (yet)')
    found = sorted((p.relative_to(PROC).as_posix() for p in PROC.rglob('*.ipynb')), key=lambda n: (n not in order, order.index(n) if n in order else 0, n))
    exporter = HTMLExporter(template_name='lab', embed_images=True, exclude_input_prompt=True, exclude_output_prompt=True)
    pages = []
    for name in found:
        if not (NBS/name).exists(): continue   # left in _proc/ from an earlier run
        src = PROC/name
        nb, title, outfile = prepare(nbformat.read(src, as_version=4))
        html = Path(name).with_name(outfile) if outfile else Path(name).with_suffix('.html')
        body, _ = exporter.from_notebook_node(nb, resources={'metadata': {'name': src.stem, 'path': str(src.parent)}})
        if name not in order: print(f'note: {name} is not in sidebar.yml')
        pages.append(dict(nb=name, title=title or src.stem, has_title=bool(title), html=html, body=body,
                          section=sections.get(name) or '', errors=sum(o.output_type == 'error' for c in nb.cells for o in c.get('outputs', []))))
    for p in pages:
        (OUT/p['html']).parent.mkdir(parents=True, exist_ok=True)
        (OUT/p['html']).write_text(p.pop('body').replace('<main>', NAV_CSS + nav(pages, p['html']) + '\n<main>', 1))
    if not any(p['html'] == Path('index.html') for p in pages):   # no index notebook: a page with the sidebar only
        (OUT/'index.html').write_text(f'<!DOCTYPE html><html><head><title>docs check</title>{NAV_CSS}</head><body>{nav(pages, None)}'
                                      '<div class="dc-index"><h1>docs check</h1><p>Pages rendered without Quarto.</p></div></body></html>')
    return pages

# ---- 3. check the pages in headless Chromium ---------------------------------------------------
def chromium(*args, url):
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', f'--user-data-dir={profile}', *args, url],
                              capture_output=True, text=True, timeout=120)

def api_entry(soup, name):
    "Is `name` documented by show_doc: a heading in an output (not in a code cell) with its signature after it?"
    for h in soup.select('.jp-OutputArea-output h2, .jp-OutputArea-output h3, .jp-OutputArea-output h4'):
        if h.get_text().replace('¶', '').strip() in (name, f'{name}()'):
            out = h.find_parent(class_='jp-OutputArea-output')
            return 'ok' if re.search(rf'\b{re.escape(name)}\s*\(', ' '.join(pre.get_text() for pre in out.find_all('pre'))) else 'no signature'
    return 'missing'

def check(p):
    "Check one page; returns (API entries on the page, data:image/png images)."
    url, page = (OUT/p['html']).as_uri(), p['html'].as_posix()
    r = chromium('--dump-dom', url=url)
    soup = BeautifulSoup(r.stdout, 'html.parser')
    if r.returncode or not soup.find('main'): fail(page, f'Chromium could not load it (rc={r.returncode}): {r.stderr.strip()[-300:]}'); return 0, 0
    if not p['has_title']: fail(page, f"{p['nb']} has no title: nbdev takes it from a first markdown cell '# Title' (or frontmatter)")
    elif (soup.title.get_text() if soup.title else '') != p['title'] or p['title'] not in [h.get_text().replace('¶', '').strip() for h in soup.find_all('h1')]:
        fail(page, f"title {p['title']!r} is not the page's <title> and <h1>")
    if p['errors']: fail(page, f"{p['errors']} stored error output(s) (tracebacks) would show in the docs")
    n_api = len(soup.select('.jp-RenderedMarkdown.jp-OutputArea-output h3, .jp-RenderedMarkdown.jp-OutputArea-output h4'))
    for name in API.get(Path(p['nb']).stem, []):
        if (res := api_entry(soup, name)) != 'ok':
            fail(page, f'API docs for {name}: ' + ('heading found, but no signature shown after it' if res == 'no signature'
                       else 'no show_doc heading (is it exported, and did show_doc run?)'))
    imgs = soup.select('img[src^="data:image/png"]')
    if len(imgs) < RESULT_IMAGES.get(p['nb'], 0):
        fail(page, f"{len(imgs)} embedded PNG picture(s); expected at least {RESULT_IMAGES[p['nb']]} (were its outputs cleared? run scripts/run_nb.py on it)")
    return n_api, len(imgs)

def main():
    os.chdir(ROOT)   # nbdev finds settings.ini from the working directory
    process()
    shutil.rmtree(OUT, ignore_errors=True); OUT.mkdir()   # no stale pages from an earlier run
    pages = render()
    for nb in API:
        if not any(Path(p['nb']).stem == nb for p in pages) and not any(f'{nb}.ipynb' in f for f in failures):
            fail(f'{nb}.ipynb', 'no page rendered')
    n_api = n_img = 0
    for p in pages:
        a, i = check(p)
        n_api += a
        if p['nb'] in RESULT_IMAGES: n_img += i
    # screenshot: the tutorial, else the training page, else whatever rendered first
    shot = next((p for nb in (TUTORIAL, '03_training.ipynb') for p in pages if p['nb'] == nb), pages[0] if pages else None)
    if shot:
        r = chromium('--screenshot=' + str(OUT/'tutorial.png'), '--window-size=1280,2000', '--hide-scrollbars', url=(OUT/shot['html']).as_uri())
        if not (OUT/'tutorial.png').exists(): fail(shot['html'], f'screenshot failed: {r.stderr.strip()[-300:]}')
        else: print(f"screenshot of {shot['html']}: {OUT/'tutorial.png'}")
    if failures: print(*failures, sep='\n')
    print(f"docs check: {len(pages)} pages, {n_api} API entries, {n_img} pictures on the result pages: "
          + (f'{len([f for f in failures if f.startswith("FAIL")])} FAILED' if failures else 'OK') + f'  (open {OUT/"index.html"})')
    return 1 if failures else 0

if __name__ == '__main__': sys.exit(main())
