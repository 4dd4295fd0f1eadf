"""Write README.md from nbs/index.ipynb without Quarto: `python scripts/render_readme.py`.

Quarto cannot be installed here, so `nbdev_readme` (which renders the README through Quarto; use it
wherever Quarto exists) cannot run. This processes index.ipynb with nbdev's own docs processors (hidden
cells dropped, `# title` / `> description` taken as frontmatter, show_doc run), converts it to GitHub
markdown with nbconvert, and rewrites links relative to nbs/ (images/x.png -> nbs/images/x.png) so they
work from the repo root. Output images, if any, go to README_files/.
"""
import os, re, sys

import nbformat
from execnb.nbio import read_nb, nb2str
from nbconvert import MarkdownExporter
from nbdev.processors import FilterDefaults
from docs_check import ROOT, NBS, prepare   # same directive handling as the docs check

LINK = re.compile(r'(!?\[[^\]]*\]\(|\b(?:src|href)=["\'])([^)"\'\s]+)')

def from_root(m):
    "A link relative to nbs/, made relative to the repo root (URLs, anchors and absolute paths stay)."
    url = m[2]
    if re.match(r'^([a-z][\w+.-]*:|#|/)', url, re.I): return m[0]
    return m[1] + os.path.relpath(NBS/url, ROOT).replace(os.sep, '/')

def main():
    os.chdir(ROOT); os.environ['IN_TEST'] = '1'   # as nbdev's own docs build does
    if not (NBS/'index.ipynb').exists(): sys.exit('render_readme: nbs/index.ipynb does not exist')
    nb = read_nb(NBS/'index.ipynb')
    FilterDefaults()(nb)   # nbdev's docs processors: frontmatter, hide, show_doc, ...
    nb, title, _ = prepare(nbformat.reads(nb2str(nb), as_version=4), head='# {title}\n\n> {description}')
    for c in nb.cells:
        if c.cell_type == 'markdown': c.source = LINK.sub(from_root, c.source)
        for o in c.get('outputs', []):
            for k in ('text/markdown', 'text/html'):
                if k in o.get('data', {}): o.data[k] = LINK.sub(from_root, o.data[k])
    nb.metadata.setdefault('language_info', {'name': 'python'})   # fences code as ``` python
    md, res = MarkdownExporter().from_notebook_node(nb, resources={'output_files_dir': 'README_files'})
    for name, data in res.get('outputs', {}).items():   # plots and other output images
        (ROOT/name).parent.mkdir(exist_ok=True); (ROOT/name).write_bytes(data)
    (ROOT/'README.md').write_text(re.sub(r'\n{3,}', '\n\n', md).strip() + '\n')
    print(f"README.md written from nbs/index.ipynb ({title or 'no title!'}; {len(res.get('outputs', {}))} output images)")

if __name__ == '__main__': sys.exit(main())
