"""The demo city 結野市 (Yuino City): a whole fictional city generated from a seed.

:func:`generate` builds it as model records (:class:`DemoCity`), :func:`load` imports it into a
store through the ingest pipeline, :func:`write_files` writes it in every format the ingest
package reads.  The ``tsunagu demo`` command (:mod:`cli.demo`) opens the store and calls these.
"""

from democity.city import DemoCity
from democity.files import write_files
from democity.generate import generate
from democity.load import kinds_with_records, load

__all__ = ["DemoCity", "generate", "kinds_with_records", "load", "write_files"]
