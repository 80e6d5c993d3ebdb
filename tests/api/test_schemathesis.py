"""Property-based run of the whole OpenAPI spec: valid and invalid requests generated from the
schema by schemathesis, sent to the real app (on each store, admin token), must never give a
server error.  Every operation is run in both generation modes; the failures of all operations
are collected and reported together.  Explicit examples add what generation does not produce:
JSON bodies that Python's parser reads but nothing can store or render (``1e400``, ``NaN``,
lone surrogates, deep nesting) and broken or hostile files for the upload."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from tests.api.conftest import Env
from tests.ingest.hostile import BAD_JSON_BODIES, HOSTILE_FILES

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


def test_no_server_errors_for_bad_bodies_and_files(env: Env) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", env.client.app)
    headers = env.auth("admin")
    failures: list[str] = []
    json_operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        types = operation.get_request_payload_content_types()
        path_parameters = {
            p.name: "need-food" for p in operation.iter_parameters() if p.location == "path"
        }
        examples: list[tuple[str, object]] = []
        if "application/json" in types:
            json_operations += 1
            examples += [("application/json", body) for body in BAD_JSON_BODIES]
        if "multipart/form-data" in types:
            examples += [("multipart/form-data", {"file": data}) for _, data in HOSTILE_FILES]
        for media_type, body in examples:
            case = operation.Case(body=body, media_type=media_type, path_parameters=path_parameters)
            try:
                response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            except Exception as exc:
                failures.append(f"{operation.label} {body!r:.80}: {str(exc)[:500]}")
                continue
            if not 400 <= response.status_code < 500:
                failures.append(f"{operation.label} {body!r:.80}: {response.status_code}")
    assert json_operations >= 10, "the spec lost its JSON operations"
    assert not failures, "\n\n".join(failures)
