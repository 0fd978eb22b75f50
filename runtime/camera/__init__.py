"""The live reader behind `python -m runtime.camera`: capture, the reading loop, stable numbers.

`cli` holds the command, `loop` the frame loop and its JSON line, `capture` the sources (webcam,
file, stream, picamera2) in a thread that keeps the newest frame, `guards` what a source must
pass before it opens (regular files, no text, the pixel budget, a bounded open), `stability`
decides when a number counts as read, `output` draws the overlay and writes recordings, `live`
and `server` serve the view to browsers (`--serve`, page in `page.html`).
"""
