# The README's two commands are `make demo` and `make test`; each installs what it needs first.
PY ?= python3
RUN ?= runs/demo

.PHONY: install demo test gpu-check check-sync readme bench docs-check data

# torch goes first, from the CPU build, where none is installed: a bare `torch` requirement would
# otherwise pull a multi-GB CUDA build. A GPU user keeps the torch they already have.
install:
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"

# Both training stages, predictions and the baselines on the bundled real oral-age data (3.9 minutes measured on 2 cores).
demo: install
	bash scripts/demo.sh $(RUN)

# nbdev_test over every notebook, the real-data `slow` cells included. One torch thread per notebook worker
# (nbdev runs one worker per core): more threads than cores make OpenMP spin and small models crawl.
# The tests run on the CPU on purpose (GPUs hidden): bitwise resume and bf16 tolerances are CPU rules; a GPU is
# checked by `make gpu-check` (bench/gpu_check.py).
test: install
	CUDA_VISIBLE_DEVICES= OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} nbdev_test --flags slow --timing --do_print

# Both stages, both precisions, exact resume, classification, throughput and host syncs on the GPU (about 5 minutes).
gpu-check: install
	$(PY) bench/gpu_check.py

# CI also fails when the package is out of step with the notebooks, or notebooks are not clean.
check-sync: install
	nbdev_export && nbdev_clean && $(PY) scripts/render_readme.py
	git status --porcelain -- aam_nb nbs README.md
	@test -z "$$(git status --porcelain -- aam_nb nbs README.md)" || (echo "nbdev_export / nbdev_clean / render_readme changed files: run them and commit"; git diff --stat; exit 1)

# README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines lack).
readme: install
	$(PY) scripts/render_readme.py

bench: install
	$(PY) bench/unifrac.py
	$(PY) bench/throughput.py
	$(PY) bench/scaling.py
	$(PY) bench/frozen.py

# Renders the docs without Quarto (nbconvert) and checks the pages in headless Chromium.
docs-check: install
	bash scripts/docs_check.sh

# Regenerate the bundled demo data (it is committed; this shows how it was made).
data: install
	$(PY) -c "from aam_nb.synthetic import simulate_dataset; simulate_dataset('data', seed=0, overwrite=True)"
