"""Datasets as numpy arrays: loaders, deterministic splits and rate encoding (no torch)."""

from pumice.data.dataset import Dataset
from pumice.data.digits import load_digits
from pumice.data.idx import read_idx
from pumice.data.load import DATASET_NAMES, load_splits
from pumice.data.mnist import load_fashion_mnist, load_idx_dir, load_mnist
from pumice.data.mnist5k import load_mnist5k
from pumice.data.npz import load_npz
from pumice.data.rate import as_spikes, rate_encode
from pumice.data.splits import Splits, split_three_way, split_with_test

__all__ = [
    "DATASET_NAMES",
    "Dataset",
    "Splits",
    "as_spikes",
    "load_digits",
    "load_fashion_mnist",
    "load_idx_dir",
    "load_mnist",
    "load_mnist5k",
    "load_npz",
    "load_splits",
    "rate_encode",
    "read_idx",
    "split_three_way",
    "split_with_test",
]
