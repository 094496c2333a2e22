"""Image-classification datasets as in-memory tensors, behind one small interface.

=================  ==========  =======  ========================================================
name               shape       classes  source
=================  ==========  =======  ========================================================
``digits``         1 x 8 x 8   10       scikit-learn's bundled digits (1,797 images; default)
``fashion_mnist``  1 x 28 x 28 10       IDX files (``.gz`` or raw): ``root``, or the Debian
                                        package ``dataset-fashion-mnist``
                                        (``/usr/share/datasets/fashion-mnist``)
``cifar10``        3 x 32 x 32 10       torchvision's python-pickle batches
                                        (``root/cifar-10-batches-py``); ``download=True``
                                        fetches them
=================  ==========  =======  ========================================================

Splits: the validation split is carved from the training data with ``seed`` (the
search signal); the test split is the dataset's official one (digits, which has
none, holds out a fixed 20 % chosen independently of ``seed``) and is only ever
reported. Images are normalised per channel with the mean and standard deviation
of the training split. Labels are ``int64``.
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
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

__all__ = ["DATASETS", "Dataset", "DatasetError", "load_dataset", "read_idx"]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"
DIGITS_TEST_FRACTION = 0.2
_DIGITS_TEST_SEED = 12345  # fixed: the digits test split never depends on the user's seed


class DatasetError(ValueError):
    """A dataset that cannot be found or read: names the path and what was expected."""


@dataclass(frozen=True)
class Dataset:
    """A classification dataset as tensors ``x: (N, C, H, W) float32``, ``y: (N,) int64``."""

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    num_classes: int

    def channels_last(self) -> Dataset:
        """The same data with the images in the channels-last memory format (labels shared)."""
        def f(x: torch.Tensor) -> torch.Tensor:
            return x.contiguous(memory_format=torch.channels_last)

        return replace(self, train_x=f(self.train_x), val_x=f(self.val_x), test_x=f(self.test_x))

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(channels, height, width)`` of one image."""
        return tuple(self.train_x.shape[1:])  # type: ignore[return-value]

    @property
    def in_channels(self) -> int:
        return int(self.train_x.shape[1])

    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.train_x.shape[2]), int(self.train_x.shape[3])

    def subset(self, train: int | None = None, val: int | None = None, test: int | None = None) -> Dataset:
        """The first ``train`` / ``val`` / ``test`` samples of each split (``None`` keeps a split whole)."""
        return replace(
            self,
            train_x=self.train_x[:train], train_y=self.train_y[:train],
            val_x=self.val_x[:val], val_y=self.val_y[:val],
            test_x=self.test_x[:test], test_y=self.test_y[:test],
        )

    def to(self, device: torch.device | str) -> Dataset:
        """A copy with every tensor on ``device``."""
        return replace(
            self,
            train_x=self.train_x.to(device), train_y=self.train_y.to(device),
            val_x=self.val_x.to(device), val_y=self.val_y.to(device),
            test_x=self.test_x.to(device), test_y=self.test_y.to(device),
        )

    def __repr__(self) -> str:
        c, h, w = self.input_shape
        return (
            f"Dataset({self.name!r}, {c}x{h}x{w}, classes={self.num_classes}, train={len(self.train_y)}, "
            f"val={len(self.val_y)}, test={len(self.test_y)})"
        )


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


def _load_digits(root: str | None, download: bool) -> RawData:
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
    hint = (
        "install the Debian package dataset-fashion-mnist or pass data_root=DIR holding the files"
        if root is None
        else "point data_root at the directory holding the IDX files"
    )
    raise DatasetError(f"Fashion-MNIST not found in {where}; expected files: {expected} ({hint})")


def _load_fashion_mnist(root: str | None, download: bool) -> RawData:
    if download:
        raise DatasetError("download=True is not supported for fashion_mnist; install dataset-fashion-mnist")
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


def _load_cifar10(root: str | None, download: bool) -> RawData:
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
    "digits": (_load_digits, 0.2),
    "fashion_mnist": (_load_fashion_mnist, 0.1),
    "cifar10": (_load_cifar10, 0.1),
}


def check_dataset_name(name: str) -> str:
    """Return the canonical name (``fashion-mnist`` -> ``fashion_mnist``) or raise naming the valid ones."""
    key = str(name).lower().replace("-", "_")
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid: {sorted(DATASETS)}")
    return key


def load_dataset(
    name: str = "digits",
    root: str | os.PathLike | None = None,
    *,
    val_fraction: float | None = None,
    seed: int = 0,
    download: bool = False,
) -> Dataset:
    """Load a dataset into memory with a validation split carved from the training data.

    Args:
        name: one of :data:`DATASETS` (``"digits"``, ``"fashion_mnist"``, ``"cifar10"``).
        root: directory holding the files (ignored by ``digits``).
        val_fraction: fraction of the training data held out for validation, in (0, 1);
            ``None`` uses the dataset's default (digits 0.2, others 0.1).
        seed: seed of the train/validation split.
        download: allow downloading (CIFAR-10 only).

    Raises:
        ValueError: unknown name or bad ``val_fraction``.
        DatasetError: missing or corrupt files (names the path and the expected files).
    """
    key = check_dataset_name(name)
    loader, default_val = DATASETS[key]
    frac = default_val if val_fraction is None else float(val_fraction)
    if not 0.0 < frac < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction!r}")
    root_str = None if root is None else os.fspath(root)
    train_x, train_y, test_x, test_y, num_classes = loader(root_str, download)
    perm = np.random.default_rng(seed).permutation(len(train_y))
    n_val = max(1, int(round(frac * len(train_y))))
    val_idx, tr_idx = perm[:n_val], perm[n_val:]
    tr_x = train_x[tr_idx]
    mean = tr_x.mean(axis=(0, 2, 3), keepdims=True, dtype=np.float64).astype(np.float32)
    std = tr_x.std(axis=(0, 2, 3), keepdims=True, dtype=np.float64).astype(np.float32) + np.float32(1e-8)

    def norm(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(((x - mean) / std).astype(np.float32))

    return Dataset(
        name=key,
        train_x=norm(tr_x), train_y=torch.from_numpy(train_y[tr_idx].astype(np.int64)),
        val_x=norm(train_x[val_idx]), val_y=torch.from_numpy(train_y[val_idx].astype(np.int64)),
        test_x=norm(test_x), test_y=torch.from_numpy(test_y.astype(np.int64)),
        num_classes=num_classes,
    )
