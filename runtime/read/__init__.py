"""Reading a page: the ink map, rule removal, regions, orientation, touching digits, grouping.

`reader.PageReader` is the entry; the scanner and the camera both read through it.
"""
