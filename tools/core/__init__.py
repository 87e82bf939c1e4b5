"""The ground floor: errors, the data model (schema), media I/O, files, text and label vocabularies.

Nothing here imports another part of ``tools``: every other layer builds on it.
"""
