"""What reading a page produces: digits grouped into numbers and lines, and its JSON shape.

The shape is shared by the scanner's `--json`, the camera's headless lines and the synthetic
worksheets' ground truth, so other tools can read all three the same way:
`{"lines": [{"text": "12 345", "numbers": [{"text", "confidence", "bbox"}],
"digits": [{"digit", "confidence", "bbox"}]}]}`, with `bbox` as `[x, y, w, h]` in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BBox = tuple[int, int, int, int]
"""x, y, width, height in pixels of the page as it was given."""


@dataclass
class Digit:
    """One classified digit."""

    digit: str  # the label read, or "?" when below the caller's confidence threshold
    confidence: float  # the classifier's probability for `digit`, 0..1
    bbox: BBox

    def to_dict(self) -> dict:
        x, y, w, h = self.bbox
        return {"digit": self.digit, "confidence": round(float(self.confidence), 4),
                "bbox": [int(x), int(y), int(w), int(h)]}


@dataclass
class Number:
    """Adjacent digits on one line read as one number."""

    digits: list[Digit]

    @property
    def text(self) -> str:
        return "".join([d.digit for d in self.digits])

    @property
    def confidence(self) -> float:
        """The weakest digit's confidence: a number is only as sure as its least sure digit."""
        return min([d.confidence for d in self.digits], default=0.0)

    @property
    def bbox(self) -> BBox:
        return union_bbox([d.bbox for d in self.digits])

    def to_dict(self) -> dict:
        x, y, w, h = self.bbox
        return {"text": self.text, "confidence": round(float(self.confidence), 4),
                "bbox": [int(x), int(y), int(w), int(h)]}


@dataclass
class Line:
    """Numbers on one line, left to right."""

    numbers: list[Number]

    @property
    def digits(self) -> list[Digit]:
        return [d for number in self.numbers for d in number.digits]

    @property
    def text(self) -> str:
        return " ".join(number.text for number in self.numbers)

    def to_dict(self) -> dict:
        numbers = [number.to_dict() for number in self.numbers]
        # The line's text from its numbers' (a camera writes one of these every frame).
        return {"text": " ".join([number["text"] for number in numbers]), "numbers": numbers,
                "digits": [d.to_dict() for number in self.numbers for d in number.digits]}


@dataclass
class PageResult:
    """Everything read on one page or frame, lines top to bottom."""

    lines: list[Line] = field(default_factory=list)
    rotation_deg: int = 0  # clockwise turn applied to the input to read it upright

    @property
    def digits(self) -> list[Digit]:
        return [d for line in self.lines for d in line.digits]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_dict(self) -> dict:
        return {"lines": [line.to_dict() for line in self.lines], "rotation": self.rotation_deg}

    def moved(self, left: int, top: int, scale_x: float = 1.0, scale_y: float = 1.0) -> PageResult:
        """The same reading with every box scaled, then shifted by (left, top): read on a crop or
        a shrunk copy, reported in the pixels of the whole image."""
        def moved_box(box: BBox) -> BBox:
            x, y, w, h = box
            return (round(left + x * scale_x), round(top + y * scale_y),
                    max(1, round(w * scale_x)), max(1, round(h * scale_y)))

        lines = [Line([Number([Digit(d.digit, d.confidence, moved_box(d.bbox)) for d in number.digits])
                       for number in line.numbers]) for line in self.lines]
        return PageResult(lines, self.rotation_deg)


def union_bbox(boxes: list[BBox]) -> BBox:
    """The smallest box holding every box in `boxes`."""
    if not boxes:
        return (0, 0, 0, 0)
    lefts, tops, rights, bottoms = zip(*[(x, y, x + w, y + h) for x, y, w, h in boxes])
    left, top = min(lefts), min(tops)
    return (left, top, max(rights) - left, max(bottoms) - top)
