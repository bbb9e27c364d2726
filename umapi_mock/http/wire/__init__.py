"""Every wire shape the emulator sends, in one place.

The domain returns plain result objects (pages, action reports, token grants, errors); the
modules of this package turn them into the JSON bodies and headers the real service sends.
"""
