"""The warm-start cache: the same catalog back, never a stale or a corrupt one."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from catalog import InputError, load_catalog
from catalog.cache import cache_key, load_catalog_cached
from tests.conftest import FIXTURE_CATALOG


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "catalog"
    shutil.copytree(FIXTURE_CATALOG, copy)
    return copy


def cache_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("catalog-*.pickle"))


def test_a_warm_load_returns_the_same_catalog(folder: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = load_catalog_cached([folder], cache)
    assert len(cache_files(cache)) == 1
    warm = load_catalog_cached([folder], cache)
    assert warm is not cold
    assert warm == load_catalog([folder])
    assert warm.get("acme/acme-large-2") == cold.get("acme/acme-large-2")
    offering = warm.offerings[0]
    assert offering.model_fields_set == cold.offerings[0].model_fields_set
    assert offering.model_copy(update={"name": "x"}).name == "x"  # still a working model


def test_an_edited_file_is_loaded_again(folder: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_catalog_cached([folder], cache)
    path = folder / "acme.yaml"
    path.write_text(path.read_text().replace("name: Acme Large 2", "name: Acme Large Two"))
    offering = load_catalog_cached([folder], cache).get("acme/acme-large-2")
    assert offering is not None and offering.name == "Acme Large Two"
    assert len(cache_files(cache)) == 2


def test_the_key_covers_files_and_layer_order(folder: Path) -> None:
    acme, hostel = folder / "acme.yaml", folder / "hostel.yaml"
    assert cache_key([folder]) == cache_key([folder])
    assert cache_key([acme, hostel]) != cache_key([hostel, acme])
    assert cache_key([[acme, hostel]]) != cache_key([acme, hostel])  # one layer vs two


def test_a_corrupt_cache_is_a_miss(folder: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_catalog_cached([folder], cache)
    (entry,) = cache_files(cache)
    entry.write_bytes(b"not a pickle")
    assert load_catalog_cached([folder], cache) == load_catalog([folder])


def test_a_foreign_pickle_is_never_run(folder: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_catalog_cached([folder], cache)
    (entry,) = cache_files(cache)
    marker = tmp_path / "ran"
    # Unpickling this would create the marker file if the cache ran what it reads.
    entry.write_bytes(pickle.dumps(_Exploit(str(marker))))
    assert load_catalog_cached([folder], cache) == load_catalog([folder])
    assert not marker.exists()


class _Exploit:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.touch, (Path(self.path),))


def test_an_unwritable_cache_folder_still_loads(folder: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    assert load_catalog_cached([folder], blocker / "cache") == load_catalog([folder])


def test_errors_are_raised_and_never_cached(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("provider: nobody\n")
    cache = tmp_path / "cache"
    with pytest.raises(InputError):
        load_catalog_cached([bad], cache)
    assert cache_files(cache) == []


def test_without_a_cache_folder_it_is_a_plain_load(folder: Path) -> None:
    assert load_catalog_cached([folder], None) == load_catalog([folder])
