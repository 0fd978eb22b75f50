"""`python -m train` command line: fast --help without TensorFlow, one-line usage errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fixtures_train import run_cli, write_tiny_mnist_dir

from runtime.paths import REPO_ROOT


def test_help_explains_the_options_and_exits_zero():
    result = run_cli("--help", timeout=30)
    assert result.returncode == 0
    for option in (
        "--arch",
        "--epochs",
        "--batch-size",
        "--seed",
        "--data",
        "--out",
        "--limit",
        "--no-augment",
        "--no-usps",
        "--style-fraction",
        "--not-digit-weight",
        "--quiet",
    ):
        assert option in result.stdout


def test_parsing_does_not_import_tensorflow():
    code = (
        "import sys\n"
        "from train.cli import parse_config\n"
        "config, _ = parse_config(['--arch', 'seed', '--epochs', '3', '--no-augment'])\n"
        "assert config.arch == 'seed' and config.epochs == 3 and config.augment is False\n"
        "heavy = [name for name in ('tensorflow', 'keras', 'jax') if name in sys.modules]\n"
        "print('heavy:', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={"PYTHONPATH": str(REPO_ROOT)},
    )
    assert result.returncode == 0, result.stderr
    assert "heavy: []" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--arch", "edg"], "did you mean 'edge'"),
        (["--epochs", "0"], "--epochs"),
        (["--batch-size", "many"], "--batch-size"),
        (["--limit", "-5"], "--limit"),
        (["--data", "/no/such/mnist"], "/no/such/mnist"),
        (["--bogus"], "--bogus"),
        (["--style-fraction", "2"], "--style-fraction"),
        (["--not-digit-weight", "0"], "--not-digit-weight"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(arguments, expected):
    result = run_cli(*arguments, timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and expected in lines[0]
    assert "Traceback" not in result.stderr


def test_broken_dataset_fails_with_one_line_naming_the_file(tmp_path):
    directory = write_tiny_mnist_dir(tmp_path / "mnist")
    (directory / "train-labels-idx1-ubyte.gz").unlink()
    result = run_cli("--data", str(directory), "--out", str(tmp_path / "out"), timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "train-labels-idx1-ubyte" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_usps_and_styles_are_off_by_default_and_flags_turn_them_on():
    from train.cli import parse_config

    default, _ = parse_config([])
    assert default.resolved().usps is False and default.resolved().style_fraction == 0
    mixed, _ = parse_config(["--usps", "--style-fraction", "0.1"])
    assert mixed.resolved().usps is True and mixed.resolved().style_fraction == 0.1


def test_motion_blur_is_off_by_default_and_the_flag_reaches_the_config():
    from train.cli import parse_config

    default, _ = parse_config([])
    assert default.resolved().motion_blur_probability == 0
    smeared, _ = parse_config(["--motion-blur-probability", "0.3"])
    assert smeared.resolved().motion_blur_probability == 0.3
    with pytest.raises(SystemExit):
        parse_config(["--motion-blur-probability", "1.5"])
