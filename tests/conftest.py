"""Every test runs with its own, empty proof cache: verdicts are computed, never reused from
another test or from the user's cache directory."""

import pytest


@pytest.fixture(autouse=True)
def _private_proof_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("NNSPEC_CACHE_DIR", str(tmp_path_factory.mktemp("nnspec-cache")))
