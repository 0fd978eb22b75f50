"""MNIST loading (train.data): IDX raw and gzipped, mnist.npz, and every broken-file case."""

from __future__ import annotations

import gzip
import hashlib
import io

import numpy as np
import pytest
from fixtures_train import real_mnist_dir, tiny_mnist, write_idx, write_tiny_mnist_dir

import train.data as data_module
from train.data import ENV_VAR, DatasetError, load_mnist


@pytest.mark.parametrize("gz", [True, False], ids=["gzipped", "raw"])
def test_reads_idx_files(tmp_path, gz):
    directory = write_tiny_mnist_dir(tmp_path / "mnist dir", gz=gz)
    images, labels = load_mnist("train", directory)
    expected_images, expected_labels = tiny_mnist(6, seed=len("train"))
    assert images.dtype == np.uint8 and labels.dtype == np.uint8
    np.testing.assert_array_equal(images, expected_images)
    np.testing.assert_array_equal(labels, expected_labels)
    test_images, _ = load_mnist("test", directory)
    np.testing.assert_array_equal(test_images, tiny_mnist(6, seed=len("t10k"))[0])


def test_reads_keras_npz(tmp_path):
    train_images, train_labels = tiny_mnist(8, seed=1)
    test_images, test_labels = tiny_mnist(3, seed=2)
    np.savez(
        tmp_path / "mnist.npz",
        x_train=train_images,
        y_train=train_labels,
        x_test=test_images,
        y_test=test_labels,
    )
    images, labels = load_mnist("test", tmp_path)
    np.testing.assert_array_equal(images, test_images)
    np.testing.assert_array_equal(labels, test_labels)
    assert load_mnist("train", tmp_path)[0].shape == (8, 28, 28)


def test_environment_variable_names_the_directory(tmp_path, monkeypatch):
    directory = write_tiny_mnist_dir(tmp_path / "from env")
    monkeypatch.setenv(ENV_VAR, str(directory))
    images, _ = load_mnist("train")
    assert len(images) == 6


def _assert_one_line_naming(error: pytest.ExceptionInfo, name: str) -> None:
    message = str(error.value)
    assert name in message, message
    assert "\n" not in message


def test_bad_magic_names_the_file(tmp_path):
    directory = write_tiny_mnist_dir(tmp_path)
    write_idx(directory / "train-images-idx3-ubyte.gz", tiny_mnist()[0], magic=2049)
    with pytest.raises(DatasetError, match="bad magic") as error:
        load_mnist("train", directory)
    _assert_one_line_naming(error, "train-images-idx3-ubyte.gz")


@pytest.mark.parametrize("gz", [True, False], ids=["gzipped", "raw"])
def test_truncated_file_names_the_file(tmp_path, gz):
    directory = write_tiny_mnist_dir(tmp_path, gz=gz)
    path = directory / ("train-images-idx3-ubyte" + (".gz" if gz else ""))
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(DatasetError) as error:
        load_mnist("train", directory)
    _assert_one_line_naming(error, path.name)


def test_header_count_larger_than_data_is_truncation(tmp_path):
    directory = write_tiny_mnist_dir(tmp_path)
    write_idx(directory / "train-labels-idx1-ubyte.gz", tiny_mnist()[1], count=60000)
    with pytest.raises(DatasetError, match="truncated") as error:
        load_mnist("train", directory)
    _assert_one_line_naming(error, "train-labels-idx1-ubyte.gz")


def test_image_and_label_counts_must_match(tmp_path):
    directory = write_tiny_mnist_dir(tmp_path)
    write_idx(directory / "t10k-labels-idx1-ubyte.gz", tiny_mnist(5)[1])
    with pytest.raises(DatasetError, match="5 labels but 6 images") as error:
        load_mnist("test", directory)
    _assert_one_line_naming(error, "t10k-labels-idx1-ubyte.gz")


def test_label_out_of_range_is_rejected(tmp_path):
    directory = write_tiny_mnist_dir(tmp_path)
    write_idx(directory / "train-labels-idx1-ubyte.gz", np.array([0, 1, 2, 3, 4, 12]))
    with pytest.raises(DatasetError, match="labels outside") as error:
        load_mnist("train", directory)
    _assert_one_line_naming(error, "train-labels-idx1-ubyte.gz")


def test_missing_file_names_the_file(tmp_path):
    directory = write_tiny_mnist_dir(tmp_path)
    (directory / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="not found") as error:
        load_mnist("test", directory)
    _assert_one_line_naming(error, "t10k-images-idx3-ubyte")


def test_corrupt_gzip_names_the_file(tmp_path):
    directory = write_tiny_mnist_dir(tmp_path)
    (directory / "train-images-idx3-ubyte.gz").write_bytes(b"not a gzip stream at all")
    with pytest.raises(DatasetError) as error:
        load_mnist("train", directory)
    _assert_one_line_naming(error, "train-images-idx3-ubyte.gz")


def test_npz_without_the_split_names_the_file(tmp_path):
    images, labels = tiny_mnist()
    np.savez(tmp_path / "mnist.npz", x_train=images, y_train=labels)
    with pytest.raises(DatasetError, match="x_test") as error:
        load_mnist("test", tmp_path)
    _assert_one_line_naming(error, "mnist.npz")


def test_npz_label_count_mismatch(tmp_path):
    images, labels = tiny_mnist()
    np.savez(tmp_path / "mnist.npz", x_train=images, y_train=labels[:4], x_test=images, y_test=labels)
    with pytest.raises(DatasetError, match="y_train") as error:
        load_mnist("train", tmp_path)
    _assert_one_line_naming(error, "mnist.npz")


def test_missing_directory_is_reported(tmp_path):
    with pytest.raises(DatasetError, match="not found") as error:
        load_mnist("train", tmp_path / "no such dir")
    _assert_one_line_naming(error, "no such dir")


def test_unknown_split_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="validation"):
        load_mnist("validation", write_tiny_mnist_dir(tmp_path))


def test_real_mnist_has_the_published_sizes():
    directory = real_mnist_dir()
    if directory is None:
        pytest.skip("MNIST not available (set EDGEDIGITS_MNIST_DIR)")
    images, labels = load_mnist("test", directory)
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    # The published test set has 980 zeros and 1135 ones.
    assert np.bincount(labels)[:2].tolist() == [980, 1135]
    with gzip.open(directory / "t10k-labels-idx1-ubyte.gz") as stream:
        assert stream.read(4) == (2049).to_bytes(4, "big")


class _FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _serve_directory(monkeypatch, directory):
    """Make train.data's urlopen answer from local files instead of the network."""

    def fake_urlopen(url, timeout=None):
        return _FakeResponse((directory / url.rsplit("/", 1)[-1]).read_bytes())

    monkeypatch.setattr(data_module.urllib.request, "urlopen", fake_urlopen)


def test_download_is_verified_by_checksum(tmp_path, monkeypatch):
    source = write_tiny_mnist_dir(tmp_path / "server")
    checksums = {
        path.name[: -len(".gz")]: hashlib.md5(gzip.decompress(path.read_bytes())).hexdigest()
        for path in source.glob("*.gz")
    }
    monkeypatch.setattr(data_module, "MD5_OF_UNCOMPRESSED", checksums)
    _serve_directory(monkeypatch, source)
    cache = data_module.download_mnist(tmp_path / "cache")
    images, labels = load_mnist("train", cache)
    np.testing.assert_array_equal(images, tiny_mnist(6, seed=len("train"))[0])


def test_download_with_wrong_checksum_names_the_file(tmp_path, monkeypatch):
    source = write_tiny_mnist_dir(tmp_path / "server")
    _serve_directory(monkeypatch, source)  # real MNIST checksums: the tiny files cannot match
    with pytest.raises(DatasetError, match="MD5") as error:
        data_module.download_mnist(tmp_path / "cache")
    _assert_one_line_naming(error, "-ubyte.gz")
    assert not list((tmp_path / "cache").glob("*.gz"))  # nothing unverified is kept
