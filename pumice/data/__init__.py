"""Datasets as numpy arrays: loaders, deterministic splits and spike encoders (no torch)."""

from pumice.data.dataset import Dataset
from pumice.data.digits import load_digits
from pumice.data.encode import ENCODINGS, as_spikes, check_spike_data, encode
from pumice.data.gas_sensor import load_gas_sensor
from pumice.data.idx import read_idx
from pumice.data.intensity import intensity_encode
from pumice.data.latency import latency_encode
from pumice.data.level_crossing import level_crossing_encode
from pumice.data.load import DATASET_NAMES, LEVEL_DELTA, load_splits
from pumice.data.mitbih import load_mitbih
from pumice.data.mnist import load_fashion_mnist, load_idx_dir, load_mnist
from pumice.data.mnist5k import load_mnist5k
from pumice.data.nmnist import load_nmnist
from pumice.data.npz import load_npz
from pumice.data.rank_order import rank_order_encode
from pumice.data.rate import rate_encode
from pumice.data.splits import Splits, split_three_way, split_with_test
from pumice.data.synthetic_ecg import load_synthetic_ecg

__all__ = [
    "DATASET_NAMES",
    "ENCODINGS",
    "LEVEL_DELTA",
    "Dataset",
    "Splits",
    "as_spikes",
    "check_spike_data",
    "encode",
    "intensity_encode",
    "latency_encode",
    "level_crossing_encode",
    "load_digits",
    "load_fashion_mnist",
    "load_gas_sensor",
    "load_idx_dir",
    "load_mitbih",
    "load_mnist",
    "load_mnist5k",
    "load_nmnist",
    "load_npz",
    "load_splits",
    "load_synthetic_ecg",
    "rank_order_encode",
    "rate_encode",
    "read_idx",
    "split_three_way",
    "split_with_test",
]
