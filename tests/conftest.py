"""Every test runs with its own, empty proof cache: verdicts are computed, never reused from
another test or from the user's cache directory."""

import os
from pathlib import Path

import pytest

# Hypothesis keeps its examples in `.hypothesis/` of the working directory: the suite run from
# another folder left one there. It is the repository's own (ignored by git) wherever pytest runs.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                      str(Path(__file__).resolve().parent.parent / ".hypothesis"))


@pytest.fixture(autouse=True)
def _private_proof_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("NNSPEC_CACHE_DIR", str(tmp_path_factory.mktemp("nnspec-cache")))
