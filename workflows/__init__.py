"""The workflow layer: the rules of Tsunagu's work, written once.

The API's routes, the web pages, the CLI and the importer all call these functions, so a rule
holds however the work arrives (an evaluation imported from a CSV is refused for the same reason,
in the same words, as one entered in a page).  Functions take the store and the acting user,
check who may do what (:mod:`workflows.access`), and raise :mod:`graph.errors`; each entry point
maps those errors in one place.  This package sits between the matcher and the entry points:
it imports graph and matching, never ingest, api or cli.
"""
