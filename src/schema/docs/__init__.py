"""The schema handbook: docs/ generated from the live catalog and the rule registry, served by mkdocs.

``generate`` writes the pages (``schema docs``), ``handbook`` migrates, regenerates and serves
(``schema handbook``, ``make handbook``). Nothing in the generated pages is typed by hand.
"""
