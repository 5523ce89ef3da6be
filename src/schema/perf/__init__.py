"""Performance proof: the query patterns the platform runs, their plans and what each index buys.

``patterns`` is the catalog (one named query per job the platform does often, with the index that
serves it), ``explain`` reads plans, ``run`` checks and times them, ``report`` writes Markdown and
JSON, ``scaling`` writes the "scaling out" page from the live catalog.
"""
