"""The export's expected failures, each carrying a one-line message for the CLI to print."""

from __future__ import annotations


class ExportError(Exception):
    """Bad input the user can fix (model file, format name, output folder); exit status 2."""


class ConversionError(Exception):
    """A converter failed on a valid model: the artifact could not be written."""
