"""Reading a page: polarity, the ink map, grain, rule removal, regions and their evidence,
orientation, touching digits, grouping.

`reader.PageReader` is the entry; the scanner, the camera and `runtime.read` all read through it.
(The room is `reading`, not `read`, so that `runtime.read` can be the Python API's function.)
"""
