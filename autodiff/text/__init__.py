"""How nodes and numbers are written, shared by every tool so that a picture, a trace and a
report call the same node by the same name: names, numbers and formulas (``display``), plain-text
and HTML tables (``tables``). Built on the engine only."""
