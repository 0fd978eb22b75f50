"""The Python API as a user calls it: `runtime.read(source)`, its errors, and the README example."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import runtime
from runtime.paths import REPO_ROOT

SAMPLE = REPO_ROOT / "samples" / "worksheet.png"


@pytest.fixture(scope="module")
def sample_text() -> str:
    """What the reader makes of the bundled sample page, read through the classes directly."""
    reader = runtime.PageReader(runtime.Classifier.load())
    return reader.read(cv2.imread(str(SAMPLE))).text


def truth_digits() -> str:
    truth = json.loads(SAMPLE.with_suffix(".json").read_text(encoding="utf-8"))
    return "".join(line["text"] for line in truth["files"][0]["lines"]).replace(" ", "")


def test_read_takes_a_path_bytes_and_arrays_alike(sample_text: str, tmp_path: Path) -> None:
    spaced = tmp_path / "a page with spaces.png"
    spaced.write_bytes(SAMPLE.read_bytes())
    image = cv2.imread(str(SAMPLE))
    assert runtime.read(spaced).text == sample_text
    assert runtime.read(str(spaced)).text == sample_text
    assert runtime.read(SAMPLE.read_bytes()).text == sample_text
    assert runtime.read(image).text == sample_text
    assert runtime.read(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)).text.replace(" ", "")[:20] \
        == sample_text.replace(" ", "")[:20]
    # the digits are the page's: the reader gets nearly all of them right
    read = re.sub(r"\D", "", sample_text)
    assert len(read) >= 0.95 * len(truth_digits())


def test_read_passes_reader_options(tmp_path: Path) -> None:
    result = runtime.read(SAMPLE, min_confidence=1.0)  # only a saturated reading keeps its digit
    assert result.digits and "?" in {digit.digit for digit in result.digits}
    assert all(digit.confidence >= 1.0 for digit in result.digits if digit.digit != "?")
    with pytest.raises(TypeError, match="did you mean 'min_confidence'"):
        runtime.read(SAMPLE, min_confidance=0.5)


@pytest.mark.parametrize("percent", [50, -0.1, 1.01])
def test_read_refuses_a_confidence_outside_zero_to_one(percent: float) -> None:
    """50 meant as 50% would write every digit '?' without a word."""
    with pytest.raises(ValueError, match="from 0 to 1.*0.5"):
        runtime.read(SAMPLE, min_confidence=percent)


@pytest.mark.parametrize(("source", "error", "words"), [
    (None, TypeError, "cv2.imread returns None"),
    ("no such page.png", FileNotFoundError, "no such file: no such page.png"),
    (b"", ValueError, "empty bytes"),
    (b"not an image at all", ValueError, "the bytes given: not a PNG"),
    (np.zeros((10, 10, 7), np.uint8), ValueError, "shape \\(10, 10, 7\\)"),
    (np.zeros((0, 5), np.uint8), ValueError, "empty"),
    (12, TypeError, "not int"),
])
def test_bad_sources_are_one_line_errors(source, error, words, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=words) as raised:
        runtime.read(source)
    assert "\n" not in str(raised.value)


def test_page_reader_names_the_mistake_for_none_and_paths() -> None:
    reader = runtime.PageReader(runtime.Classifier.load())
    with pytest.raises(TypeError, match="cv2.imread returns None"):
        reader.read(None)
    with pytest.raises(TypeError, match="use runtime.read"):
        reader.read(str(SAMPLE))


def test_public_names_are_all_importable() -> None:
    for name in runtime.__all__:
        assert getattr(runtime, name) is not None, name
    assert {"read", "PageReader", "ReaderOptions", "Classifier", "PageResult"} <= set(runtime.__all__)


def test_read_stays_callable_whatever_was_imported_first() -> None:
    """`runtime.read` is the API function even after the reading room's modules are imported."""
    script = ("import runtime.reading.reader, runtime.reading.segment\n"
              "from runtime import PageReader\n"
              "import runtime\n"
              f"print(runtime.read({str(SAMPLE)!r}).text.count('\\n') + 1)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 3


def test_importing_runtime_is_cheap() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, runtime; print('cv2' in sys.modules)"],
                          capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert done.stdout.strip() == "False", done.stderr


def readme_example() -> str:
    section = (REPO_ROOT / "README.md").read_text(encoding="utf-8").split("## Use it from Python")[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_python_example_prints_the_digits(sample_text: str, tmp_path: Path) -> None:
    """The README's three lines, run as written from a folder outside the checkout."""
    code = readme_example()
    assert len(code.strip().splitlines()) == 3
    page = cv2.imread(str(SAMPLE))
    cv2.imwrite(str(tmp_path / "page.jpg"), page, [cv2.IMWRITE_JPEG_QUALITY, 95])
    (tmp_path / "example.py").write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, "example.py"], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed = re.sub(r"\D", "", done.stdout)
    assert len(printed) >= 0.95 * len(truth_digits())
    assert done.stdout.strip() == runtime.read(tmp_path / "page.jpg").text


def test_classifier_refuses_dark_ink_on_white_unless_told(sample_text: str) -> None:
    """A crop as it looks on paper was silently misread; now it is refused or inverted."""
    classifier = runtime.Classifier.load()
    digits = runtime.normalize_batch([np.pad(np.full((20, 4), 255, np.uint8), 4)])  # a "1"
    on_paper = 255 - digits
    with pytest.raises(ValueError, match="polarity='dark-on-light'"):
        classifier.predict(on_paper)
    expected = classifier.predict(digits).labels
    assert (classifier.predict(on_paper, polarity="dark-on-light").labels == expected).all()
    assert expected[0] == 1
    with pytest.raises(ValueError, match="polarity must be one of"):
        classifier.predict(digits, polarity="inverted")


def test_loading_a_page_through_the_api_leaves_the_processs_stderr_alone(tmp_path: Path,
                                                                         monkeypatch) -> None:
    """The commands mute file descriptor 2 while a page decodes (libpng prints its own lines);
    a library call must not: another thread's output in that window would be lost."""
    import contextlib

    import runtime.cli
    from runtime.api import load_image
    from runtime.scan.pages import open_pages

    muted: list[bool] = []

    @contextlib.contextmanager
    def recording_mute():
        muted.append(True)
        yield

    monkeypatch.setattr(runtime.cli, "native_stderr_silenced", recording_mute)
    path = tmp_path / "page.png"
    cv2.imwrite(str(path), np.full((40, 60), 255, np.uint8))
    assert load_image(path).shape == (40, 60, 3) and muted == []
    with open_pages(path, mute_codec_messages=True) as pages:  # as the scan command loads
        pages.load(0)
    assert muted == [True]
