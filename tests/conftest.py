from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from models.settings import Settings
from tests.servers import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
SMALL_LLM = "qwen2.5-coder-0.5b-instruct"
_SHARED = ("models", "fixtures")  # the shared caches tests read: provisioned models, built test media


def pytest_configure(config) -> None:
    """Every test (and every process a test starts) runs with a temporary REELWRIGHT_HOME: no
    test writes the user's catalog, vector indexes or outputs. Only the shared caches (the
    models `make` provisioned, the test media built from installed packages) are the user's."""
    user_home = Settings().home
    home = Path(tempfile.mkdtemp(prefix="reelwright-test-home-"))
    for name in _SHARED:
        (user_home / name).mkdir(parents=True, exist_ok=True)
        (home / name).symlink_to(user_home / name)
    config._reelwright_home = (os.environ.get("REELWRIGHT_HOME"), home)
    os.environ["REELWRIGHT_HOME"] = str(home)


def pytest_unconfigure(config) -> None:
    before, home = getattr(config, "_reelwright_home", (None, None))
    if home is None:
        return
    if before is None:
        os.environ.pop("REELWRIGHT_HOME", None)
    else:
        os.environ["REELWRIGHT_HOME"] = before
    shutil.rmtree(home, ignore_errors=True)  # the links only, never what they point to


@pytest.fixture
def tmp_settings(tmp_path) -> Settings:
    """Settings whose home (models cache, stamps) is a fresh temporary folder."""
    return Settings(home=tmp_path / "home")


@pytest.fixture(scope="session")
def real_settings() -> Settings:
    """The session's settings: its temporary home, with the real models of the shared cache."""
    return Settings(llm_base_url=None)


@pytest.fixture(scope="session")
def llm_server(real_settings):
    """`reelwright llm serve` with the 0.5B model on a free loopback port; yields the /v1 base URL."""
    port = free_port()
    env = {**os.environ, "REELWRIGHT_HOME": str(real_settings.home)}
    env.pop("REELWRIGHT_LLM_BASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "cli", "llm", "serve", "--model", SMALL_LLM, "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llm serve exited early: {proc.stdout.read()}")
        try:
            urllib.request.urlopen(url + "/v1/models", timeout=2).read()
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("llm serve did not come up in 120 s")
    yield url + "/v1"
    stop(proc)


@pytest.fixture(params=["embedded", "remote"])
def small_llm(request, real_settings):
    """The real 0.5B model, once in-process and once behind the OpenAI-compatible HTTP API."""
    from models.llm import get_chat_model

    if request.param == "embedded":
        settings = real_settings
    else:
        settings = Settings(llm_base_url=request.getfixturevalue("llm_server"), home=real_settings.home)
    return get_chat_model(settings, model=SMALL_LLM, temperature=0.0, max_tokens=128)


@pytest.fixture(scope="session")
def fixture_root(real_settings) -> Path:
    from evals.fixtures import fixtures_dir

    return fixtures_dir(real_settings)


@pytest.fixture(scope="session")
def synthetic(fixture_root):
    from evals.fixtures import synthetic_media

    return synthetic_media(fixture_root)


@pytest.fixture(scope="session")
def bad_corpus(fixture_root):
    from evals.fixtures import bad_inputs

    return bad_inputs(fixture_root)


@pytest.fixture(scope="session")
def shot_set(fixture_root):
    from evals.fixtures import shot_boundary_set

    return shot_boundary_set(fixture_root)


@pytest.fixture(scope="session")
def demo(fixture_root):
    """The demo live stream (built once, about a minute, then cached)."""
    from evals.demo_stream import build_demo_stream

    return build_demo_stream(fixture_root)
