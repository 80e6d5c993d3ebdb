"""Property-based run of the whole OpenAPI spec: valid and invalid requests generated from the
schema by schemathesis, sent to the real app (on each store, admin token), must never give a
server error.  Every operation is run in both generation modes; the failures of all operations
are collected and reported together."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from tests.api.conftest import Env

#: examples per operation and mode; bounded to keep the suite quick
EXAMPLES = 12


def test_no_server_errors_anywhere_in_the_spec(env: Env) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", env.client.app)
    headers = env.auth("admin")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                run()
            except Unsatisfiable:  # nothing invalid to send (e.g. a route without inputs)
                continue
            except Exception as exc:  # collect, so one run reports every failing operation
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:2000]}")
    assert operations >= 25, "the spec lost operations"
    assert not failures, "\n\n".join(failures)
