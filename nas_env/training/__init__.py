"""Child training: in-memory datasets and a deterministic, low-overhead trainer.

The torch-based names (datasets, trainer) are imported on first access, so a module that only reads dataset files
(``nas_env.training.dataset_files``) imports no torch.
"""

from nas_env.lazy_exports import lazy_exports
from nas_env.training.dataset_files import DatasetError, read_idx

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

__getattr__, __dir__ = lazy_exports(__name__, {
    "DATASETS": "nas_env.training.datasets", "Dataset": "nas_env.training.datasets",
    "load_dataset": "nas_env.training.datasets", "TrainResult": "nas_env.training.trainer",
    "accuracy": "nas_env.training.trainer", "resolve_device": "nas_env.training.trainer",
    "train_model": "nas_env.training.trainer",
})
