"""Reading a page: the ink map, rule removal, regions, orientation, touching digits, grouping.

`reader.PageReader` is the entry; the scanner and the camera both read through it.

This package is also the Python API's `runtime.read(source, **options)`: the name `read` on
the `runtime` package can only be one object, and an imported subpackage always claims its
name there, so the subpackage itself is made callable (see `runtime.api.read`).
"""

import sys
import types


class _ReadPackage(types.ModuleType):
    def __call__(self, source, **options):
        """Read the digits on one page: `runtime.read("page.jpg").text` (see `runtime.api`)."""
        from runtime.api import read

        return read(source, **options)


sys.modules[__name__].__class__ = _ReadPackage
