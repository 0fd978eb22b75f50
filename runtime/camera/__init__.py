"""The live reader behind `python -m runtime.camera`: capture, the reading loop, stable numbers.

`loop` holds the command and the frame loop, `capture` the sources (webcam, file, stream,
picamera2) in a thread that keeps the newest frame, `stability` decides when a number counts as
read, `output` draws the overlay and writes JSON lines and recordings.
"""
