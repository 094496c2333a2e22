"""Child training: in-memory datasets and a deterministic, low-overhead trainer."""

from nas_env.training.dataset_files import DatasetError, read_idx
from nas_env.training.datasets import DATASETS, Dataset, load_dataset
from nas_env.training.trainer import TrainResult, accuracy, resolve_device, train_model

__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetError",
    "TrainResult",
    "accuracy",
    "load_dataset",
    "read_idx",
    "resolve_device",
    "train_model",
]
