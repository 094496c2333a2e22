"""Where each image dataset's raw arrays come from: scikit-learn's digits, Fashion-MNIST's IDX files and
CIFAR-10's python-pickle batches, and the table of datasets (:data:`DATASETS`, :data:`TEST_SIZES`; torch-free, so
a report that names a dataset imports no torch).

Each loader returns the raw training and test arrays (:data:`RawData`, images ``(N, C, H, W)``);
:func:`nas_env.training.datasets.load_dataset` splits and normalises them. A file that is missing,
truncated or of another format raises :class:`DatasetError` naming the path and what was expected.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import pickle
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import numpy as np

__all__ = ["DATASETS", "DatasetError", "FASHION_MNIST_FIX", "RawData", "TEST_SIZES", "check_dataset_name",
           "find_fashion_mnist", "read_cifar10", "read_digits", "read_fashion_mnist", "read_fashion_mnist_14",
           "read_idx"]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"
#: how a user gets Fashion-MNIST (said by every "not found" error)
FASHION_MNIST_FIX = (f"install it with `sudo apt install dataset-fashion-mnist` (files in {FASHION_MNIST_SYSTEM_DIR}), "
                     "or download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz "
                     "and t10k-labels-idx1-ubyte.gz from https://github.com/zalandoresearch/fashion-mnist "
                     "(data/fashion) into a directory DIR and pass data_root=DIR")
DIGITS_TEST_FRACTION = 0.2
_DIGITS_TEST_SEED = 12345  # fixed: the digits test split never depends on the user's seed


class DatasetError(ValueError):
    """A dataset that cannot be found or read: names the path and what was expected."""


# A raw loader returns (train_x uint8/float (N,C,H,W), train_y, test_x, test_y, num_classes).
RawData = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]


# ------------------------------------------------------------------------------------------ digits
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits as ``(images (1797, 8, 8) float64 0..16, labels)``.

    Read straight from the CSV file scikit-learn ships (``sklearn/datasets/data/digits.csv.gz``, located
    without importing scikit-learn, whose import takes about 2 s); ``load_digits()`` only where that
    file is not found. Both give the same arrays (tested).
    """
    spec = importlib.util.find_spec("sklearn")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            table = np.loadtxt(path, delimiter=",")
            return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:  # pragma: no cover - depends on the installation
        raise DatasetError("the 'digits' dataset needs scikit-learn: pip install scikit-learn") from e
    bunch = load_digits()
    return bunch.images, bunch.target


def read_digits(root: str | None, download: bool) -> RawData:
    images, target = _digits_arrays()
    x = images.astype(np.float32)[:, None, :, :]  # (1797, 1, 8, 8), values 0..16
    y = target.astype(np.int64)
    perm = np.random.default_rng(_DIGITS_TEST_SEED).permutation(len(y))
    n_test = int(round(DIGITS_TEST_FRACTION * len(y)))
    test, train = perm[:n_test], perm[n_test:]
    return x[train], y[train], x[test], y[test], 10


# ----------------------------------------------------------------------------------- fashion-mnist
_FASHION_FILES = {
    "train_x": "train-images-idx3-ubyte",
    "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte",
    "test_y": "t10k-labels-idx1-ubyte",
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzip-compressed or raw.

    Raises:
        DatasetError: the file is truncated or not IDX; the message names the file.
    """
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError) as e:
        raise DatasetError(f"cannot read IDX file {path}: {e}") from e
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise DatasetError(f"corrupt IDX file {path}: bad magic number {data[:4].hex() or '(empty file)'}")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DatasetError(f"corrupt IDX file {path}: truncated header")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(data) - header != expected:
        raise DatasetError(
            f"corrupt IDX file {path}: header says shape {dims} ({expected} bytes of data), "
            f"found {len(data) - header} bytes"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)


def find_fashion_mnist(root: str | os.PathLike | None = None) -> Path:
    """The directory holding Fashion-MNIST's four IDX files (``root``, or the Debian package's folder).

    Raises:
        DatasetError: not found; one line naming where it looked and how to get the files.
    """
    return _find_fashion_dir(None if root is None else os.fspath(root))[0]


def _find_fashion_dir(root: str | None) -> tuple[Path, dict[str, Path]]:
    candidates = []
    if root is not None:
        base = Path(root).expanduser()
        candidates += [base, base / "fashion-mnist", base / "FashionMNIST" / "raw", base / "fashion_mnist"]
    else:
        candidates.append(Path(FASHION_MNIST_SYSTEM_DIR))
    for d in candidates:
        found = {}
        for key, stem in _FASHION_FILES.items():
            for name in (stem + ".gz", stem):
                if (d / name).is_file():
                    found[key] = d / name
                    break
        if len(found) == len(_FASHION_FILES):
            return d, found
    expected = ", ".join(f"{s}[.gz]" for s in _FASHION_FILES.values())
    where = ", ".join(str(c) for c in candidates)
    raise DatasetError(f"Fashion-MNIST not found in {where} (expected {expected}): {FASHION_MNIST_FIX}")


def read_fashion_mnist(root: str | None, download: bool) -> RawData:
    if download:
        raise DatasetError(f"download=True is not supported for fashion_mnist: {FASHION_MNIST_FIX}")
    _, files = _find_fashion_dir(root)
    arrays = {key: read_idx(path) for key, path in files.items()}
    for split in ("train", "test"):
        x, y = arrays[f"{split}_x"], arrays[f"{split}_y"]
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise DatasetError(
                f"corrupt Fashion-MNIST {split} files {files[f'{split}_x']}, {files[f'{split}_y']}: "
                f"images {x.shape} and labels {y.shape} do not match"
            )
    return (
        arrays["train_x"][:, None].astype(np.float32), arrays["train_y"].astype(np.int64),
        arrays["test_x"][:, None].astype(np.float32), arrays["test_y"].astype(np.int64), 10,
    )


def read_fashion_mnist_14(root: str | None, download: bool) -> RawData:
    """Fashion-MNIST at 14 x 14: each image the mean of its 2 x 2 blocks (4x less compute per image than 28 x 28;
    the CPU protocol ``cnn-fashion-mnist`` uses it). Same files, splits and labels as :func:`read_fashion_mnist`."""
    train_x, train_y, test_x, test_y, classes = read_fashion_mnist(root, download)

    def pool(x: np.ndarray) -> np.ndarray:
        n, c, h, w = x.shape
        return x.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5), dtype=np.float32)

    return pool(train_x), train_y, pool(test_x), test_y, classes


# ----------------------------------------------------------------------------------------- cifar10
_CIFAR_DIR = "cifar-10-batches-py"
_CIFAR_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


def _cifar_dir(root: str | None) -> Path:
    if root is None:
        root = os.path.join("~", ".cache", "nas_env")
    base = Path(root).expanduser()
    return base if base.name == _CIFAR_DIR else base / _CIFAR_DIR


def _download_cifar10(directory: Path) -> None:
    directory.parent.mkdir(parents=True, exist_ok=True)
    archive = directory.parent / "cifar-10-python.tar.gz"
    try:
        urllib.request.urlretrieve(CIFAR10_URL, archive)  # noqa: S310 - fixed https URL
    except (urllib.error.URLError, OSError) as e:
        raise DatasetError(
            f"could not download CIFAR-10 from {CIFAR10_URL} ({e}); the network may be unavailable. "
            f"Download it by hand and extract it so that {directory} holds {', '.join(_CIFAR_FILES)}"
        ) from e
    try:
        with tarfile.open(archive, "r:gz") as tar:
            if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4: refuse unsafe members
                tar.extractall(directory.parent, filter="data")
            else:  # pragma: no cover - old interpreters
                tar.extractall(directory.parent)  # noqa: S202
    except (tarfile.TarError, OSError) as e:
        raise DatasetError(f"corrupt CIFAR-10 archive {archive}: {e}") from e


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except Exception as e:  # pickle raises many types on corrupt input
        raise DatasetError(f"corrupt CIFAR-10 batch file {path}: {type(e).__name__}: {e}") from e
    if len(data) != len(labels):
        raise DatasetError(f"corrupt CIFAR-10 batch file {path}: {len(data)} images but {len(labels)} labels")
    return data, labels


def read_cifar10(root: str | None, download: bool) -> RawData:
    directory = _cifar_dir(root)
    missing = [name for name in _CIFAR_FILES if not (directory / name).is_file()]
    if missing and download:
        _download_cifar10(directory)
        missing = [name for name in _CIFAR_FILES if not (directory / name).is_file()]
    if missing:
        raise DatasetError(
            f"CIFAR-10 not found in {directory}: missing {', '.join(missing)}; expected torchvision's "
            f"python format ({', '.join(_CIFAR_FILES)}). Pass data_root=DIR containing {_CIFAR_DIR}/, "
            "or download=True"
        )
    train = [_read_cifar_batch(directory / name) for name in _CIFAR_FILES[:5]]
    test_x, test_y = _read_cifar_batch(directory / "test_batch")
    train_x = np.concatenate([b[0] for b in train]).astype(np.float32)
    train_y = np.concatenate([b[1] for b in train])
    return train_x, train_y, test_x.astype(np.float32), test_y, 10


# ---------------------------------------------------------------------------------------- registry
#: name -> (raw loader, default validation fraction)
DATASETS: dict[str, tuple[Callable[[str | None, bool], RawData], float]] = {
    "digits": (read_digits, 0.2),
    "fashion_mnist": (read_fashion_mnist, 0.1),
    "fashion_mnist_14": (read_fashion_mnist_14, 0.1),
    "cifar10": (read_cifar10, 0.1),
}


#: images in each dataset's test split (what one test accuracy is measured on; tested against the loaded data)
TEST_SIZES: dict[str, int] = {"digits": 359, "fashion_mnist": 10_000, "fashion_mnist_14": 10_000, "cifar10": 10_000}


def check_dataset_name(name: str) -> str:
    """Return the canonical name (``fashion-mnist`` -> ``fashion_mnist``) or raise naming the valid ones."""
    key = str(name).lower().replace("-", "_")
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid: {sorted(DATASETS)}")
    return key
