"""The names of the polarities the reader knows, apart from the code that decides between them.

`runtime.reading.polarity` owns the decision; the command lines offer these names as choices
without importing numpy and OpenCV for it (the scan's main process does not read pages itself).
"""

AUTO, DARK_ON_LIGHT, LIGHT_ON_DARK = "auto", "dark-on-light", "light-on-dark"
POLARITIES = (AUTO, DARK_ON_LIGHT, LIGHT_ON_DARK)
