"""A page being turned and levelled for reading: its ink map, its digit candidates, the way back.

`PageReader` (`runtime.reading.reader`) makes one `Page` per picture. The page levels itself by
its lines' tilt or its grid's (`Page.level`, `Page.level_again`), turns its digits upright by
the classifier's vote on its largest crops (`Page.turn_upright`), segments itself again after
each move, undoes a move that made its lines fall apart (`MOVED_MAX_GROWTH`), and maps the
boxes read back to the picture as given (`Page.map_back`).
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from runtime.reading.cells import CellWalls
from runtime.reading.grid_tilt import grid_tilt_deg
from runtime.reading.orientation import (
    MIN_VOTES_TO_TURN,
    TurnReadings,
    compose,
    count_votes,
    is_clearly_upright,
    is_upside_down,
    level_page,
    map_boxes_back,
    quarter_turn_matrix,
    read_turn_over,
    read_turns,
    typical_height,
    upside_down_votes,
    voting_order,
)
from runtime.reading.scale import WorkingInk, shrink_by
from runtime.reading.segment import SegmentOptions, find_digits_in, look_at
from runtime.reading.tilt import MIN_TILT_DEG, estimate_tilt_deg, tilt_and_consensus

MIN_DIGITS_TO_TURN = 3
"""With fewer digits the page is read as given: one or two digits cannot tell which way is up
(a 6 turned over is a 9) and odd shapes would turn a frame on a whim."""

SIDEWAYS_MIN_SHARE = 0.75
"""A page read sideways must show at least this share of the digits it shows as given, in the
vote's sample and in all its candidates (the sample holds at most 48). Turned the right way,
pages of digits stored sideways showed 0.76 to 1.2 times as many candidates (the real photos
0.94 to 1.17); turned to the wrong axis, pages stored upside down showed 0.72 to 0.87 (one was
turned sideways and lost 295 of its digits), pages of bold letters 0.57 and 0.58 (letters
stacked sideways merge into fewer pieces, which read as confident digits: 36 on one page)."""

NOT_DIGIT_THRESHOLD = 0.5
"""Chosen on synthetic pages (see docs/results/reading.md: not a digit), never on the real photos or MNIST test."""

DIGITS_UPRIGHT_CONFIDENCE = 0.9
DIGITS_UPRIGHT_SHARE = 0.5
"""A page stays as it is when the crops read as digits as it stands (not "not a digit") read with
this mean confidence (geometric) and at least this share more of them read better upright than
sideways (`Page._words_with_upright_digits`): on three words-with-numbers pages such crops voted
upright by 6 of 12 to 25 of 37 at 0.92 to 0.99, where all crops, letters too, turned two of them."""

MOVED_MAX_GROWTH = 2.0
MOVED_MIN_EXTRA = 10
"""A levelled or quarter-turned page with more than twice the candidates it had as given (and 10
more) is read as given: its long straight lines (ruled paper), no longer level, were no longer
found as lines and fell apart into digit-sized strokes. On 82 pages levelled by the reader
(worksheets, small and turned pages, words with numbers, the real photos) levelling changed the
count by 0.0 to 1.24 times, and pages of digits turned the right way showed 0.76 to 1.2 times as
many (`SIDEWAYS_MIN_SHARE`); a ruled page of script whose rules took most of its strokes went
from 6 candidates to over 300 when levelled by a chance 19 degrees, and read 309 digits, and a
ruled page of words in letters (hard pages, seed 13), turned sideways by the vote, went from 129
to 890 and read 848 digits, its rules cut into strokes read as 1."""

GRID_AGREEMENT_DEG = 2.0
"""A grid's tilt (`grid_tilt_deg`) stands over the candidates' where they measure it more than this
otherwise (a squared page turned 12 degrees measured 19 on its candidates). Within it the
candidates' stands, as before, unless levelling by it was undone (`_grew`): the candidates' is a
whole degree where their lines agree with it, and a photo's perspective turns the grid's lines
by a degree or so across the page (a form page turned 5 degrees, its grid measured at 4.2 and
its candidates at 6, read 245 digits right and 14 false levelled by 6, 241 and 22 by 4.2, as
upright: 241 and 23)."""

MIN_TILT_LEFT_DEG = 1.0
"""A page turned a quarter is levelled again only where the tilt left upright is at least this:
where the lines' consensus decides the tilt it is a fraction of a degree (`tilt.estimate_tilt_deg`),
and a fraction left over is within what grouping tolerates, not worth a second levelling and
segmentation (before, any tilt left but none was levelled again; the turned benchmark set reads
the same either way)."""

ORIENTATION_SAMPLE = 48
"""At most this many crops (the largest) vote on the page orientation: enough to be sure, cheap."""

FIRST_VOTE_SAMPLE = 16
"""The first vote reads only this many of them sideways: a page upright beyond doubt on its
largest crops is read as given; any other gets the vote of `ORIENTATION_SAMPLE` crops."""


_IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
_IDENTITY_TOLERANCE = 1e-8 + 1e-5 * np.abs(_IDENTITY)  # np.allclose's default atol + rtol * |b|


def _grew(given: int, moved: int) -> bool:
    """Whether a page levelled or turned shows far more candidates than as given (`MOVED_MAX_GROWTH`)."""
    return moved > MOVED_MAX_GROWTH * given + MOVED_MIN_EXTRA


class PageState(NamedTuple):
    """What levelling or a turn changes in a `Page`, to undo it."""

    darkness: np.ndarray
    fine: np.ndarray | None
    inside: np.ndarray | None
    transform: np.ndarray
    candidates: list
    turns: int
    tilt: float
    unlevelled: PageState | None


class Page:
    """An ink map being turned and levelled, with its digit candidates and the way back."""

    def __init__(self, working: WorkingInk, options: SegmentOptions):
        self.darkness = working.darkness  # what is segmented
        self.fine = working.fine  # where crops are cut, when `darkness` is a shrunk copy of it
        self.factor = working.factor
        self.options = options
        # input -> this page's pixels (its fine map's where it has one: the candidates' boxes)
        self.transform = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        self.turns = 0  # counter-clockwise quarter-turns applied
        self.inside = None  # where the original picture lies, once the page has been levelled
        look = working.look
        if look is None or look.source is not self.darkness:
            look = look_at(self.darkness, options)
        self.candidates = find_digits_in(self.darkness, options, fine=self.fine, look=look)
        # Where rules are looked for: a grid there tells the page's tilt (`level`).
        self.faint_as_given = look.faint_mask
        self.tilt = 0.0  # the tilt levelled, in degrees
        self.unlevelled = None  # the page's state before levelling, once levelled
        # Whether the page, as given, voted upside down but was not turned over: its crops that
        # read as digits objected (`_digits_object`), or the vote turned it sideways instead.
        # The reader then reads it turned over as well (where the sideways turn is undone), and
        # keeps that if it cuts the text the page reads (`PageReader._judged_again`).
        self.over_on_trial = False

    def level(self) -> None:
        """Level the page by the tilt of its candidates' lines, or by its grid's (`grid_tilt_deg`),
        `MIN_TILT_DEG` or more, where they measure it more than `GRID_AGREEMENT_DEG` otherwise,
        leave the page unlevelled or were undone (`_grew`).

        A grid steeper than the rule finder's runs stays in the ink and holds the digits in one
        region: a squared page photographed 8 degrees off level showed 1 candidate (no tilt),
        another 23 (9 degrees, undone by `_grew`, though levelled it shows 66), one turned 12 degrees
        measured 19 on its candidates. The grid's angle is its lines' own: levelled by it, they
        are found as lines again, and no growth in candidates is held against it."""
        boxes = [c.bbox for c in self.candidates]
        tilt, consensus = tilt_and_consensus(boxes)
        if abs(tilt) < MIN_TILT_DEG and consensus.supported:
            return  # lines of writing lie level: no grid is looked for (4-7 ms an A4 page)
        grid = None if self.faint_as_given is None else grid_tilt_deg(self.faint_as_given)
        if grid is None or abs(grid) < MIN_TILT_DEG:
            if abs(tilt) >= MIN_TILT_DEG:
                self._level_by(tilt)
            return
        if abs(tilt - grid) <= GRID_AGREEMENT_DEG and self._level_by(tilt):
            return
        self._level_by(grid, guarded=False)

    def level_again(self) -> None:
        """Once turned a quarter, level by the tilt its upright candidates show.

        Segmented sideways, a page's digits fall into other pieces than upright, and their
        lines, running down the page, give another tilt: 5 degrees levelled where upright
        showed 7 on a ruled page, 3 where upright showed none on a form (turned development
        worksheets, seed 207). The tilt left on the turned page adds to the one levelled; the
        page is levelled again by the sum from the picture as given, turned, so it is
        interpolated once. A sum under `MIN_TILT_DEG` leaves the page as it stands: its lines
        are within what grouping tolerates either way (undoing the form's 3 degrees read 1
        digit more and 3 more false)."""
        if self.turns % 2 == 0:
            return
        left = estimate_tilt_deg([c.bbox for c in self.candidates])
        tilt = self.tilt + left
        if abs(left) < MIN_TILT_LEFT_DEG or abs(tilt) < MIN_TILT_DEG:
            return
        turns, moved = self.turns, self.state()
        if self.unlevelled is not None:
            self.restore(self.unlevelled)
            self._turn(turns, segment=False)
        if not self._level_by(tilt):
            self.restore(moved)  # levelled, it fell apart (`_grew`): as turned before

    def _level_by(self, tilt: float, guarded: bool = True) -> bool:
        """Level the page by `tilt` degrees; False where that was undone (`_grew`, where `guarded`)."""
        as_given = self.state()
        page = self.darkness if self.fine is None else self.fine
        inside = np.ones(page.shape, np.uint8)
        page, levelling = level_page(page, tilt)
        inside = cv2.warpAffine(inside, levelling, page.shape[::-1], flags=cv2.INTER_NEAREST)
        if self.fine is None:
            self.darkness, self.inside = page, inside
        else:
            self.fine, self.darkness = shrink_by(page, self.factor)
            self.inside = inside[:: self.factor, :: self.factor][: self.darkness.shape[0], : self.darkness.shape[1]]
        self._moved(levelling)
        if guarded and _grew(len(as_given.candidates), len(self.candidates)):
            self.restore(as_given)
            return False
        self.tilt, self.unlevelled = tilt, as_given
        return True

    def turn_upright(self, confidence_of, upright: np.ndarray, not_digit: np.ndarray | None = None) -> None:
        """Turn the page so its digits stand upright, by what the classifier reads best.

        `upright`: the classifier's confidence in each candidate as the page stands; `not_digit`:
        its probability that each is no digit at all (a page of words with numbers among them)."""
        if len(self.candidates) < MIN_DIGITS_TO_TURN:
            return
        # Most pages are upright beyond doubt on the first vote of their largest crops, which
        # needs no half-turn: the upside-down reading and the rest of the sample wait until
        # they count. The upright reading is the page's own classification.
        largest = self._largest()
        for size in (FIRST_VOTE_SAMPLE, ORIENTATION_SAMPLE):
            chosen = largest[:size]
            crops = [self.candidates[index].ink for index in chosen]
            upright_readings = read_turns(crops, confidence_of, (1, 3), upright=upright[chosen])
            if is_clearly_upright(upright_readings):
                return
            # Its digits standing on this axis (upright or upside down), it stays on it.
            on_axis = self._words_with_upright_digits(upright_readings, not_digit, chosen)
            if on_axis:
                break
            if len(largest) <= size:
                break
        if on_axis:
            if self._reads_upside_down(largest, upright, confidence_of, not_digit):
                self._turn(2)
            return
        upright = read_turn_over(upright_readings, crops, confidence_of)
        # Segmentation assumes upright digits (it merges a 5's cap onto its body, say), so
        # crops cut from a sideways page read badly in every turn: compare the two axes on
        # crops segmented in each.
        as_given = self.state()
        voted_over = is_upside_down(upright, self._digit_height())
        over = voted_over and not self._digits_object(upright, not_digit, chosen)
        self._turn(1)
        sideways = read_turns(self._sample(), confidence_of)
        # Each axis by its better way up; the axes' crops differ, so compare their means. Turned
        # the right way, a page shows about as many digits as before: a turn that loses many
        # (a line of digits falling apart into a few odd pieces) is not the right one.
        better = (sideways.count >= SIDEWAYS_MIN_SHARE * upright.count
                  and len(self.candidates) >= SIDEWAYS_MIN_SHARE * len(as_given.candidates)
                  and not _grew(len(as_given.candidates), len(self.candidates))
                  and max(sideways.mean[[0, 2]]) > max(upright.mean[[0, 2]]))
        if not better:
            self.restore(as_given)
            if over:
                self._turn(2)
            self.over_on_trial = voted_over and not over
            return
        self.over_on_trial = voted_over
        if is_upside_down(sideways, self._digit_height()):
            self._turn(2)

    def turn_over(self) -> None:
        """Turn the page a half-turn and segment it again."""
        self._turn(2)

    def walls(self) -> CellWalls | None:
        """The printed walls of cells on the page as it now stands, where rule removal found any."""
        bars = next((c.bars for c in self.candidates if c.bars is not None), None)
        return None if bars is None else bars.walls

    def state(self) -> PageState:
        """What levelling or a turn changes, to `restore` it."""
        return PageState(self.darkness, self.fine, self.inside, self.transform, self.candidates, self.turns,
                          self.tilt, self.unlevelled)

    def restore(self, state: PageState) -> None:
        (self.darkness, self.fine, self.inside, self.transform, self.candidates, self.turns, self.tilt,
         self.unlevelled) = state

    @staticmethod
    def _words_with_upright_digits(readings, not_digit, chosen: list[int]) -> bool:
        """Mostly words, and the crops that read as digits read upright beyond doubt.

        Letters and pieces of words read poorly in every turn, and segmented sideways they
        read a little better than upright, which turned such pages; here only the crops read as
        digits as the page stands vote, and a clear upright majority of them keeps the page."""
        if not_digit is None:
            return False
        digits = np.asarray(not_digit)[chosen] < NOT_DIGIT_THRESHOLD
        if digits.sum() < MIN_DIGITS_TO_TURN:
            return False
        votes = readings.log_confidence[:, digits]
        sideways_best = np.maximum(votes[1], votes[3])
        return (votes[0].mean() >= np.log(DIGITS_UPRIGHT_CONFIDENCE)
                and count_votes(votes[0], sideways_best) >= DIGITS_UPRIGHT_SHARE * digits.sum())

    def _digits_object(self, readings: TurnReadings, not_digit, chosen: list[int]) -> bool:
        """Whether the crops that read as digits as the page stands (not "not a digit") vote
        against turning it over, whatever the others vote.

        Letters read "not a digit" as given, and many read as confident digits upside down
        (a bold hand's words beside numbers, development seed 41: 15 of its 16 "not a digit"
        crops voted the page over, 11 more all told, while its digits voted 3 more upright).
        On a page truly upside down, the crops that read as digits as it stands are mostly
        0, 1, 6, 8 and 9, which abstain or swap, and the rest read better turned over: on three
        upside-down worksheets (development seed 301) they voted it over by 8 to 12, on four
        pages of words with numbers (seeds 41-50) that all the crops voted over by 3 to 11,
        upright by 3 to 11."""
        if not_digit is None:
            return False
        digits = np.asarray(not_digit)[chosen] < NOT_DIGIT_THRESHOLD
        votes = upside_down_votes(readings, self._digit_height(), voters=digits)
        return votes < 0

    def _reads_upside_down(self, largest: list[int], upright: np.ndarray, confidence_of, not_digit) -> bool:
        """The upside-down vote on the first vote's sample, then, if that leaves it in doubt, on
        the whole one: most digits read well both ways up and abstain, so a few voters can
        leave it to one odd crop (an upside-down ruled worksheet turned on one wide crop's vote).
        A vote to turn over stands unless the crops that read as digits as the page stands vote
        against it (`_digits_object`): a bold hand's letters, "not a digit" upright, read as
        confident digits upside down (a page of words with numbers of development seed 161,
        upright, was turned over on their votes)."""
        height = self._digit_height()
        for size in (FIRST_VOTE_SAMPLE, ORIENTATION_SAMPLE):
            chosen = largest[:size]
            over = read_turns([self.candidates[index].ink for index in chosen], confidence_of, (2,),
                              upright=upright[chosen])
            votes = upside_down_votes(over, height)
            if abs(votes) >= MIN_VOTES_TO_TURN or len(largest) <= size:
                break
        return votes >= MIN_VOTES_TO_TURN and not self._digits_object(over, not_digit, chosen)

    def _digit_height(self) -> float | None:
        return typical_height([candidate.bbox for candidate in self.candidates])

    def _largest(self) -> list[int]:
        """The candidates' indices, largest box first, digits run together last (`voting_order`)."""
        return voting_order([candidate.bbox for candidate in self.candidates])

    def _sample(self) -> list[np.ndarray]:
        """The crops that vote on the orientation: the largest."""
        return [self.candidates[index].ink for index in self._largest()[:ORIENTATION_SAMPLE]]

    def _turn(self, turns: int, segment: bool = True) -> None:
        turning = quarter_turn_matrix(turns, (self.darkness if self.fine is None else self.fine).shape)
        self.darkness = np.ascontiguousarray(np.rot90(self.darkness, turns))
        if self.fine is not None:
            self.fine = np.rot90(self.fine, turns)  # only cut from: a view will do
        if self.inside is not None:
            self.inside = np.ascontiguousarray(np.rot90(self.inside, turns))
        self.turns = (self.turns + turns) % 4
        self._moved(turning, segment)

    def _moved(self, matrix: np.ndarray, segment: bool = True) -> None:
        self.transform = compose(matrix, self.transform)
        if segment:
            self.candidates = find_digits_in(self.darkness, self.options, self.inside, self.fine)

    def map_back(self, lines, shape: tuple[int, int]) -> None:
        """Express every digit's box in the pixels of the image as it was given."""
        if (np.abs(self.transform - _IDENTITY) <= _IDENTITY_TOLERANCE).all():  # np.allclose, 20x faster
            return
        digits = [digit for line in lines for digit in line.digits]
        if digits:
            for digit, box in zip(digits, map_boxes_back([d.bbox for d in digits], self.transform, shape)):
                digit.bbox = box
