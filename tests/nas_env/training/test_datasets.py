"""Dataset loading: digits, IDX (Fashion-MNIST) and CIFAR-10 pickles, and readable errors."""

from __future__ import annotations

import gzip
import pickle
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch

from nas_env.training import dataset_files as files
from nas_env.training.dataset_files import DatasetError, read_idx
from nas_env.training.datasets import load_dataset


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


def test_digits_shapes_and_normalisation(digits):
    assert digits.input_shape == (1, 8, 8) and digits.num_classes == 10
    n = len(digits.train_y) + len(digits.val_y) + len(digits.test_y)
    assert n == 1797
    assert len(digits.test_y) == 359 and len(digits.val_y) == round(0.2 * 1438)
    assert digits.train_x.dtype == torch.float32 and digits.train_y.dtype == torch.int64
    assert abs(float(digits.train_x.mean())) < 1e-4 and abs(float(digits.train_x.std()) - 1) < 1e-3
    assert set(digits.train_y.tolist()) == set(range(10))


def test_digits_read_without_importing_sklearn_are_load_digits():
    """The CSV scikit-learn ships, read directly (its import costs ~2 s per process), gives load_digits()'s
    arrays; a fresh interpreter does not import scikit-learn to load digits."""
    import subprocess
    import sys

    from sklearn.datasets import load_digits

    images, labels = files._digits_arrays()
    bunch = load_digits()
    assert images.dtype == bunch.images.dtype and np.array_equal(images, bunch.images)
    assert labels.dtype == np.int64 and np.array_equal(labels, bunch.target)
    code = ("import sys; from nas_env.training.datasets import load_dataset; d = load_dataset('digits'); "
            "print(len(d.train_y), 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1150", "False"]


def test_split_depends_on_seed_but_test_does_not(digits):
    other = load_dataset("digits", seed=1, val_fraction=0.1)
    assert len(other.val_y) == round(0.1 * 1438)
    assert not torch.equal(digits.val_y, other.val_y[: len(digits.val_y)])
    # the test split is fixed (normalisation stats differ, labels do not)
    assert torch.equal(digits.test_y, other.test_y)
    again = load_dataset("digits")
    assert torch.equal(digits.val_x, again.val_x) and torch.equal(digits.train_y, again.train_y)


def test_subset_and_repr(digits):
    small = digits.subset(train=100, val=50)
    assert len(small.train_y) == 100 and len(small.val_y) == 50 and len(small.test_y) == len(digits.test_y)
    assert "digits" in repr(small) and "train=100" in repr(small)


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match=r"unknown dataset 'mnist2'.*cifar10.*digits.*fashion_mnist"):
        load_dataset("mnist2")


def test_bad_val_fraction():
    with pytest.raises(ValueError, match="val_fraction must be a finite number > 0 and < 1 or None, got 1.5"):
        load_dataset("digits", val_fraction=1.5)


# ------------------------------------------------------------------------------------ IDX
def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def _write_fashion(directory: Path, gz: bool, n_train: int = 30, n_test: int = 10) -> None:
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test),
    }
    directory.mkdir(parents=True, exist_ok=True)
    for name, arr in arrays.items():
        data = _idx_bytes(arr)
        if gz:
            with gzip.open(directory / (name + ".gz"), "wb") as f:
                f.write(data)
        else:
            (directory / name).write_bytes(data)


@pytest.mark.parametrize("gz", [True, False])
def test_fashion_mnist_from_idx_files(tmp_path, gz):
    _write_fashion(tmp_path, gz)
    data = load_dataset("fashion-mnist", tmp_path, val_fraction=0.2)
    assert data.name == "fashion_mnist" and data.input_shape == (1, 28, 28)
    assert (len(data.train_y), len(data.val_y), len(data.test_y)) == (24, 6, 10)


def test_read_idx_roundtrip(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(_idx_bytes(arr))
    assert np.array_equal(read_idx(tmp_path / "a"), arr)


def test_corrupt_idx_names_the_file(tmp_path):
    _write_fashion(tmp_path, gz=False)
    bad = tmp_path / "train-images-idx3-ubyte"
    bad.write_bytes(bad.read_bytes()[:-7])
    with pytest.raises(DatasetError, match=r"corrupt IDX file .*train-images-idx3-ubyte.*bytes"):
        load_dataset("fashion_mnist", tmp_path)
    (tmp_path / "junk").write_bytes(b"hello world")
    with pytest.raises(DatasetError, match=r"junk: bad magic"):
        read_idx(tmp_path / "junk")


def test_missing_fashion_mnist_names_path_and_files(tmp_path):
    with pytest.raises(DatasetError, match=r"not found in .*" + tmp_path.name + r".*train-images-idx3-ubyte"):
        load_dataset("fashion_mnist", tmp_path / "nowhere")


# ---------------------------------------------------------------------------------- CIFAR
def _write_cifar(directory: Path, n: int = 4) -> None:
    directory.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in files._CIFAR_FILES:
        images = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        batch = {b"data": images, b"labels": list(rng.integers(0, 10, n))}
        with open(directory / name, "wb") as f:
            pickle.dump(batch, f)


def test_cifar10_from_pickles(tmp_path):
    _write_cifar(tmp_path / "cifar-10-batches-py")
    data = load_dataset("cifar10", tmp_path, val_fraction=0.25)
    assert data.input_shape == (3, 32, 32)
    assert (len(data.train_y), len(data.val_y), len(data.test_y)) == (15, 5, 4)
    # the directory itself is accepted too
    assert load_dataset("cifar10", tmp_path / "cifar-10-batches-py").input_shape == (3, 32, 32)


def test_cifar10_missing_names_path_and_files(tmp_path):
    pattern = r"cifar-10-batches-py: missing data_batch_1.*test_batch.*download=True"
    with pytest.raises(DatasetError, match=pattern):
        load_dataset("cifar10", tmp_path)


def test_cifar10_corrupt_names_the_file(tmp_path):
    _write_cifar(tmp_path / "cifar-10-batches-py")
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").write_bytes(b"not a pickle")
    with pytest.raises(DatasetError, match=r"corrupt CIFAR-10 batch file .*data_batch_3"):
        load_dataset("cifar10", tmp_path)


def test_cifar10_download_without_network_fails_clearly(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(files.urllib.request, "urlretrieve", offline)
    with pytest.raises(DatasetError, match=r"could not download CIFAR-10 .*network may be unavailable"):
        load_dataset("cifar10", tmp_path, download=True)
