"""A tilted page of small digits keeps them once levelled (`segment.find_digits_in`, issue 15).

Levelling puts the page on a larger canvas (by 9 degrees an A4 page's is 1.21 times wider), and
the least size of a digit, a share of the picture's shorter side, was taken from the canvas:
a heavy phone photo's small digits fell under it, and 11 of one development page's were lost."""

import cv2
import numpy as np

from runtime.reading.reader import PageReader
from tests.synthetic_pages import ink_page

DIGIT_HEIGHT_PX = 12
SHEET = (1300, 1100)  # height, width: the least digit size is 11 px on it, 12.9 px on its canvas levelled
TILT_DEG = 9.0


def tilted_sheet_of_small_digits(images: np.ndarray) -> tuple[np.ndarray, int]:
    """Six lines of eight small digits (the first 48 `images`) on a big sheet photographed turned
    by `TILT_DEG`; and how many digits it holds."""
    lines = [list(images[row * 8 : row * 8 + 8]) for row in range(6)]
    page, boxes = ink_page(lines, digit_height=DIGIT_HEIGHT_PX, line_spacing=2.5)
    sheet = np.full(SHEET, 235, np.uint8)
    sheet[400 : 400 + page.shape[0], 400 : 400 + page.shape[1]] = page
    turning = cv2.getRotationMatrix2D((SHEET[1] / 2, SHEET[0] / 2), TILT_DEG, 1.0)
    tilted = cv2.warpAffine(sheet, turning, SHEET[::-1], flags=cv2.INTER_LINEAR, borderValue=235)
    return tilted, sum(len(line) for line in boxes)


def test_small_digits_of_a_tilted_sheet_are_read_levelled(mnist_test_digits, default_classifier):
    """46 of the 48 read right levelled; 13 digits read before, the rest under the least size."""
    images, labels = mnist_test_digits
    sheet, written = tilted_sheet_of_small_digits(images)
    lines = [line.text.replace(" ", "") for line in PageReader(default_classifier).read(sheet).lines]
    truth = ["".join(str(label) for label in labels[row * 8 : row * 8 + 8]) for row in range(6)]
    assert len(lines) == len(truth)
    right = sum(read == true for line, row in zip(lines, truth) for read, true in zip(line, row))
    assert right >= 0.8 * written
