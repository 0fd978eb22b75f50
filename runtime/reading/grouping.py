"""Group classified digits into numbers and numbers into lines, in reading order.

Lines are built by chaining each digit (left to right) to the line whose last digit sits at
about the same height, so a slightly tilted page still yields straight-through lines; lines are
then ordered top to bottom. Within a line a gap wider than a fraction of the digit height starts
a new number.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.reading.cells import CellWalls
from runtime.reading.quantiles import median
from runtime.results import Digit, Line, Number

LINE_FIT_DIGITS = 6
"""A line's course is fitted through its last this-many digits."""

MAX_LINE_SLOPE = 0.35
"""About 20 degrees: steeper lines are levelled by the reader before grouping."""


@dataclass
class GroupingOptions:
    """How far apart digits may be and still belong together."""

    # A gap wider than this x digit height starts a new number. Between digits of one number
    # gaps rarely reach a digit's height; between numbers they rarely fall below it.
    number_gap_ratio: float = 1.0
    line_offset_ratio: float = 0.6  # centres further apart vertically than this x height: new line
    line_gap_ratio: float = 12.0  # a gap wider than this x height never continues a line


def group_lines(digits: list[Digit], options: GroupingOptions | None = None,
                walls: CellWalls | None = None) -> list[Line]:
    """Arrange digits into lines (top to bottom) of numbers (left to right).

    `walls`, where the page has printed cells (`runtime.reading.cells`): digits in neighbouring
    cells belong to one number however wide their gap."""
    options = options or GroupingOptions()
    chains: list[list[Digit]] = []
    summaries: list[_Recent] = []  # one per chain, redone only when the chain grows
    for digit in sorted(digits, key=lambda d: (d.bbox[0], d.bbox[1])):
        index = _best_chain(summaries, digit, options)
        if index is None:
            chains.append([digit])
            summaries.append(_Recent.of(chains[-1]))
        else:
            chains[index].append(digit)
            summaries[index] = _Recent.of(chains[index])
    chains.sort(key=_chain_top)
    return [Line(numbers=_split_numbers(chain, options, walls)) for chain in chains]


def _centre_y(digit: Digit) -> float:
    return digit.bbox[1] + digit.bbox[3] / 2.0


@dataclass
class _Recent:
    """A line's last few digits and what every candidate digit is compared with."""

    digits: list[Digit]
    height: float  # median height
    centre_y: float  # median centre height
    right: int  # rightmost edge
    last_x: int  # left edge of the last digit

    @classmethod
    def of(cls, chain: list[Digit]) -> _Recent:
        recent = chain[-LINE_FIT_DIGITS:]
        return cls(recent, median([d.bbox[3] for d in recent]),
                   median([_centre_y(d) for d in recent]), max(d.bbox[0] + d.bbox[2] for d in recent),
                   recent[-1].bbox[0])


def _best_chain(summaries: list[_Recent], digit: Digit, options: GroupingOptions) -> int | None:
    """The index of the line this digit continues: the closest in height among those it lines up with.

    The line is expected either where its last few digits stand or further along their slope,
    so a tilted line is followed across a wide gap, while one odd digit (a long tail, a small 0)
    does not throw it off.
    """
    best, best_offset = None, None
    x, _, width, height = digit.bbox
    centre_y = _centre_y(digit)
    # Asked for every digit of a page against every line so far: the options read once, and
    # `max` of two written out (the same value: the first of equals).
    gap_ratio, offset_ratio = options.line_gap_ratio, options.line_offset_ratio
    for index, recent in enumerate(summaries):
        reference_height = recent.height if recent.height > height else height
        if x - recent.right > gap_ratio * reference_height:
            continue
        # Where the line runs on, or where it stands: a writer often slants each number but
        # starts the next one back at the line's height.
        tolerance = offset_ratio * reference_height
        offset = abs(centre_y - recent.centre_y)
        reach = MAX_LINE_SLOPE * abs(x - recent.last_x)  # how far a sloping line can stray
        if tolerance < offset <= tolerance + reach:  # fit the slope only where it could help
            offset = abs(centre_y - _expected_centre_y(recent.digits, x + width / 2.0))
        if offset > tolerance:
            continue
        if best_offset is None or offset < best_offset:
            best, best_offset = index, offset
    return best


def _expected_centre_y(recent: list[Digit], centre_x: float) -> float:
    """Height of the line at `centre_x`: a robust straight-line fit through recent digits."""
    xs = [d.bbox[0] + d.bbox[2] / 2.0 for d in recent]
    ys = [_centre_y(d) for d in recent]
    # Median of pairwise slopes (Theil-Sen): a long tail's low centre does not tilt the line.
    slopes = [(ys[j] - ys[i]) / (xs[j] - xs[i]) for i in range(len(xs))
              for j in range(i + 1, len(xs)) if xs[j] != xs[i]]
    if len(recent) < 3 or not slopes:
        return median(ys)
    slope = min(MAX_LINE_SLOPE, max(-MAX_LINE_SLOPE, median(slopes)))
    return median([y - slope * x for x, y in zip(xs, ys)]) + slope * centre_x


def _chain_top(chain: list[Digit]) -> float:
    # Order lines by the height of their start, so a tilted page keeps its lines in order.
    return median([_centre_y(d) for d in chain[:3]])


def _split_numbers(chain: list[Digit], options: GroupingOptions, walls: CellWalls | None = None) -> list[Number]:
    heights = [d.bbox[3] for d in chain]
    typical_height = median(heights)
    numbers = [Number(digits=[chain[0]])]
    for previous, digit in zip(chain, chain[1:]):
        gap = digit.bbox[0] - (previous.bbox[0] + previous.bbox[2])
        if (gap > options.number_gap_ratio * typical_height
                and not (walls is not None and walls.between(previous.bbox, digit.bbox) == 1)):
            numbers.append(Number(digits=[digit]))
        else:
            numbers[-1].digits.append(digit)
    return numbers

