"""Schemathesis over every operation of the OpenAPI schema (issue #18, item 5): with the key, without it, and on a
server with no key set; a fixed number of examples per operation, every check. Zero server errors, zero schema
violations. The app runs in process (ASGI) over the fixture corpus with the hashing embedder."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from assistant.api.app import create_app  # noqa: E402
from tests.reliability.fuzz_app import KEY, fuzz_services  # noqa: E402

EXAMPLES = 20
# every check but one: positive_data_acceptance wants every schema-valid request accepted, but some refusals are
# beyond what a schema can say and are right (a demo parameter the demo does not have: 422; generator "llm" when
# no LLM is loaded: 422). Every other registered check runs (listed explicitly, not left to defaults).
CHECKS = [c for c in schemathesis.checks.CHECKS.get_all() if c is not positive_data_acceptance]
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _schema(key: str | None):
    svc, st = fuzz_services()
    app = create_app(st.model_copy(update={"api_key": key}), services=svc, with_ui=False,
                     reload_build=lambda: svc.index)
    return schemathesis.openapi.from_asgi("/openapi.json", app)


keyed = _schema(KEY)
open_schema = _schema(None)


@keyed.parametrize()
@SETTINGS
def test_with_the_key(case):
    case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"}, checks=CHECKS)


@keyed.parametrize()
@SETTINGS
def test_without_the_key(case):
    response = case.call_and_validate(checks=CHECKS)
    if case.path != "/api/health":
        # refused before any work; a body that is not JSON at all may be refused (400) before the key is checked
        assert response.status_code in (400, 401, 404, 405, 413, 422), response.status_code


@open_schema.parametrize()
@SETTINGS
def test_no_key_set(case):
    case.call_and_validate(checks=CHECKS)
