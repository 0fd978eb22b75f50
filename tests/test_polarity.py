"""Light on dark: MNIST images as stored, chalk-like pages, a mixed page, the polarity choice.

The reader used to assume dark ink on light paper: an MNIST test image saved as it is stored
(white digit on black) read as "no digits" or as several, and a board read its texture as ink.
Paper must read exactly as before, so the paper checks here compare bit for bit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from synthetic_pages import add_shadow, ink_page

from runtime.paths import REPO_ROOT
from runtime.reading.ink import darkness_map, ink_map
from runtime.reading.polarity import (
    DARK_ON_LIGHT,
    LIGHT_ON_DARK,
    check_polarity,
    measure,
    page_polarity,
    reversed_patches,
)
from runtime.reading.reader import PageReader, ReaderOptions

MNIST_AS_STORED_COUNT = 300


@pytest.fixture(scope="module")
def reader(default_classifier):
    return PageReader(default_classifier)


@pytest.fixture(scope="module")
def paper_sheet(mnist_test_digits):
    images, labels = mnist_test_digits
    lines = [list(images[:4]) + [None] + list(images[4:7]), list(images[7:13])]
    text = ["".join(map(str, labels[:4])) + " " + "".join(map(str, labels[4:7])),
            "".join(map(str, labels[7:13]))]
    page, _ = ink_page(lines)
    return page, text


def test_mnist_test_images_as_stored_read_at_the_models_accuracy(reader, default_classifier,
                                                                 mnist_test_digits):
    images, labels = mnist_test_digits
    images, labels = images[:MNIST_AS_STORED_COUNT], labels[:MNIST_AS_STORED_COUNT]
    read = [reader.read(image).text for image in images]
    model = default_classifier.predict(images).labels
    # Exactly what the model says on the image itself: the reader hands it the image unchanged.
    assert read == [str(label) for label in model]
    assert np.mean([text == str(label) for text, label in zip(read, labels)]) >= 0.99


def test_the_scan_command_reads_saved_mnist_pngs(tmp_path, default_classifier, mnist_test_digits):
    images, labels = mnist_test_digits
    folder = tmp_path / "mnist pngs"
    folder.mkdir()
    for index in range(20):
        cv2.imwrite(str(folder / f"digit_{index:02d}.png"), images[index])
    completed = subprocess.run([sys.executable, "-m", "runtime.scan", str(folder), "--json", "out.json",
                                "--quiet"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                               env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert completed.returncode == 0, completed.stderr
    files = sorted(json.loads((tmp_path / "out.json").read_text())["files"], key=lambda f: f["path"])
    read = ["".join(line["text"] for line in entry["lines"]) for entry in files]
    assert read == [str(label) for label in default_classifier.predict(images[:20]).labels]
    assert sum(text == str(label) for text, label in zip(read, labels[:20])) >= 19


def test_polarity_is_judged_from_the_picture(paper_sheet, mnist_test_digits):
    page, _ = paper_sheet
    images, _ = mnist_test_digits
    assert page_polarity(page) == DARK_ON_LIGHT
    assert page_polarity(add_shadow(page, 0.5)) == DARK_ON_LIGHT
    assert page_polarity(255 - page) == LIGHT_ON_DARK
    assert page_polarity(images[0]) == LIGHT_ON_DARK  # small: judged by its frame
    assert page_polarity(255 - images[0]) == DARK_ON_LIGHT
    assert page_polarity(np.full((300, 400), 200, np.uint8)) == DARK_ON_LIGHT  # blank: as paper


def test_paper_is_read_exactly_as_before(paper_sheet):
    page, _ = paper_sheet
    sample = cv2.imread(str(REPO_ROOT / "samples" / "worksheet.png"), cv2.IMREAD_GRAYSCALE)
    for gray in (page, add_shadow(page, 0.5), sample):
        assert np.array_equal(ink_map(gray), darkness_map(gray))


def test_light_on_dark_pages_read_like_paper(reader, paper_sheet):
    page, text = paper_sheet
    board = (255 - page).astype(np.float32) * 0.8 + 20  # light strokes on a dark grey ground
    board = add_shadow(np.clip(board, 0, 255).astype(np.uint8), 0.4)
    assert [line.text for line in reader.read(board).lines] == text
    forced = PageReader(reader.classifier, ReaderOptions(polarity=LIGHT_ON_DARK))
    assert [line.text for line in forced.read(board).lines] == text


def test_an_unknown_polarity_is_refused_by_name(default_classifier):
    with pytest.raises(ValueError, match="sideways.*auto, dark-on-light, light-on-dark"):
        check_polarity("sideways")
    with pytest.raises(ValueError, match="sideways"):
        PageReader(default_classifier, ReaderOptions(polarity="sideways"))


def mixed_page(images: np.ndarray) -> np.ndarray:
    """Two lines in pen on white paper, and a dark sticker below with a third line in light ink."""
    paper, _ = ink_page([list(images[:4]), list(images[4:8])])
    sticker, _ = ink_page([list(images[8:12])])
    sticker = ((255 - sticker).astype(np.float32) * 0.8 + 30).astype(np.uint8)
    height, width = paper.shape
    page = np.full((height + sticker.shape[0] + 80, max(width, sticker.shape[1]) + 80), 235, np.uint8)
    page[20:20 + height, 20:20 + width] = paper
    page[height + 40:height + 40 + sticker.shape[0], 40:40 + sticker.shape[1]] = sticker
    return page


def test_a_dark_sticker_on_paper_is_read_light_on_dark(reader, mnist_test_digits):
    images, labels = mnist_test_digits
    page = mixed_page(images)
    evidence = measure(page)
    assert page_polarity(page, evidence) == DARK_ON_LIGHT
    assert reversed_patches(evidence) is not None
    expected = ["".join(map(str, labels[start:start + 4])) for start in (0, 4, 8)]
    assert [line.text for line in reader.read(page).lines] == expected


BOARD_NUMBERS = [("307", (40, 60)), ("52", (300, 60)), ("4189", (420, 200)), ("60", (60, 330)), ("913", (300, 330))]
"""Numbers chalked on the board in the camera test, and where (x, y) in the first frame."""


def chalk_board_video(path: Path, images: np.ndarray, labels: np.ndarray, frames: int) -> None:
    """A 640x480 MJPG video of a dark, unevenly lit board with light digits drifting across it."""
    rng = np.random.default_rng(3)
    board = np.tile(np.linspace(30, 70, 640, dtype=np.float32), (480, 1))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (640, 480))
    inks = []
    for text, origin in BOARD_NUMBERS:
        pieces = []
        for character in text:
            digit = images[rng.choice(np.flatnonzero(labels == int(character)))]
            rows, cols = np.flatnonzero(digit.max(axis=1) > 30), np.flatnonzero(digit.max(axis=0) > 30)
            digit = digit[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
            width = max(4, round(digit.shape[1] * 40 / digit.shape[0]))
            pieces += [cv2.resize(digit, (width, 40), interpolation=cv2.INTER_LINEAR), np.zeros((40, 9), np.uint8)]
        inks.append((np.clip(np.hstack(pieces[:-1]) / 160.0, 0, 1), origin))
    for frame_index in range(frames):
        lightness = np.zeros((480, 640), np.float32)
        for ink, (x, y) in inks:
            x, y = x + 2 * frame_index, y + frame_index
            lightness[y:y + ink.shape[0], x:x + ink.shape[1]] = ink
        grain = rng.uniform(0.6, 1.0, lightness.shape)  # chalk leaves pigment unevenly
        gray = board + (225 - board) * lightness * grain + rng.normal(0, 5, board.shape)
        writer.write(cv2.cvtColor(np.clip(gray, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR))
    writer.release()


def test_the_camera_reads_a_chalkboard_video(tmp_path, default_classifier, mnist_test_digits):
    images, labels = mnist_test_digits
    # What is under test is the camera on light-on-dark frames, not the model's MNIST error rate:
    # draw digits written in one piece that the model reads right as plain 28x28 images.
    predictions = default_classifier.predict(images)
    one_piece = np.array([cv2.connectedComponents((image > 100).astype(np.uint8))[0] == 2 for image in images])
    usable = one_piece & (predictions.labels == labels) & (predictions.confidences >= 0.9)
    video = tmp_path / "chalk board.avi"
    chalk_board_video(video, images[usable], labels[usable], frames=8)
    completed = subprocess.run([sys.executable, "-m", "runtime.camera", "--source", str(video), "--headless",
                                "--max-frames", "8", "--stable-frames", "3", "--quiet"],
                               cwd=tmp_path, capture_output=True, text=True, timeout=120,
                               env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert completed.returncode == 0, completed.stderr
    records = [json.loads(line) for line in completed.stdout.splitlines()]
    assert len(records) == 8
    assert sorted(reading["text"] for reading in records[-1]["stable"]) == sorted(t for t, _ in BOARD_NUMBERS)
    assert sum(len(line["digits"]) for line in records[-1]["lines"]) == sum(len(t) for t, _ in BOARD_NUMBERS)


def test_white_strokes_on_a_transparent_png_are_read(tmp_path, paper_sheet, reader):
    from runtime.scan.pages import iter_pages

    page, text = paper_sheet
    strokes = (235 - page.astype(np.int16)).clip(0, 255).astype(np.uint8)  # how much ink
    drawing = np.dstack([np.full_like(page, 255)] * 3 + [np.clip(strokes * 1.2, 0, 255).astype(np.uint8)])
    path = tmp_path / "dark theme export.png"
    cv2.imwrite(str(path), drawing)  # white strokes, transparent everywhere else
    (_, image), = list(iter_pages(path))
    assert np.median(image) < 50  # laid on black: on white the strokes would vanish
    assert [line.text for line in reader.read(image).lines] == text


@pytest.mark.parametrize("size, scale, thickness", [((420, 200), 2.5, 9), ((640, 480), 4, 20),
                                                    ((640, 480), 6, 30), ((1600, 900), 9, 40)])
def test_big_bold_digits_on_paper_stay_dark_on_light(size, scale, thickness):
    # Strokes too wide to count as thin, with thin paper inside their loops: once read light-on-dark.
    width, height = size
    page = np.full((height, width), 240, np.uint8)
    cv2.putText(page, "0888 12", (10, int(height * 0.65)), cv2.FONT_HERSHEY_SIMPLEX, scale, 20, thickness)
    assert np.array_equal(ink_map(page), darkness_map(page))


def _evidence_as_first_written(small: np.ndarray, background: np.ndarray):
    """`measure`'s thin departures and noise as first written (numpy's median, np.where), the
    reference its faster form must match value for value."""
    residual = small.astype(np.float32) - background.astype(np.float32)
    threshold = max(12.0, 4.0 * 1.4826 * float(np.median(np.abs(residual[::2, ::2]))))

    def thin(excess):
        present = (excess > 0).astype(np.uint8)
        areas = cv2.morphologyEx(present, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
        return np.where((present > 0) & (areas == 0), excess, 0.0).astype(np.float32)

    return thin(residual - threshold), thin(-residual - threshold)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_thin_departures_are_the_first_written_ones_to_the_bit(seed):
    rng = np.random.default_rng(seed)
    picture = cv2.GaussianBlur(rng.integers(0, 256, (240, 320)).astype(np.uint8), (0, 0), 2.0)
    picture = cv2.add(picture, rng.integers(0, 40, picture.shape, dtype=np.uint8))  # grain: a noise level
    cv2.putText(picture, "1234", (20, 150), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 4)
    cv2.putText(picture, "56", (200, 220), cv2.FONT_HERSHEY_SIMPLEX, 2, 255, 3)
    evidence = measure(picture)
    light, dark = _evidence_as_first_written(evidence.small, evidence.background)
    assert evidence.light.dtype == np.float32 and np.count_nonzero(light) and np.count_nonzero(dark)
    assert light.tobytes() == evidence.light.tobytes() and dark.tobytes() == evidence.dark.tobytes()
