"""The API answers as its OpenAPI document says (schemathesis, bounded): every status, content
type and body it sends is declared; 405s list the methods; no input makes it fail (5xx)."""

from __future__ import annotations

import tempfile

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from tests.conftest import ISSUER
from tuaton.settings import Settings
from tuaton.web import create_app

_DATA = tempfile.mkdtemp(prefix="tuaton-openapi-")
_APP = create_app(Settings(database_url=f"sqlite:///{_DATA}/openapi.db", issuer=ISSUER, audit_seal_seconds=0,
                           argon2_time_cost=1, argon2_memory_kib=1024, passcode_key_file=f"{_DATA}/keys.json"))
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_the_api_keeps_to_its_document(case):
    # Not checked: that schema-valid data is accepted. Every request names a client, a code, a
    # token or a sign-in that random data cannot guess, so a 400/422 is the right answer to it.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
