"""Files and feeds in, validated records out (DESIGN.md §3).

Readers (:mod:`ingest.readers`) turn CSV/TSV (UTF-8, UTF-8 with BOM, Shift_JIS/CP932), XLSX,
JSON and JSON Lines into tables; :mod:`ingest.columns` says what each table and column means;
:mod:`ingest.formats` knows the NPO portal, Open Referral HSDS and 360Giving; :mod:`ingest.convert`
and :mod:`ingest.dates` read the cells; :mod:`ingest.pipeline` validates everything, checks
references and writes one import, all or nothing, through the import journal
(:mod:`graph.journal`).  Use
:func:`ingest.pipeline.import_paths` or :func:`ingest.pipeline.import_bytes`; heavy modules are
not imported here so ``tsunagu --help`` stays fast.
"""
