"""Property-based checks of the API against its own OpenAPI document (schemathesis).

Every operation, with an owner's token over the demo-like studio, under schemathesis's
default checks: no server errors, documented status codes and content types, response
bodies matching their schemas. Examples per operation are bounded to keep CI short.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from passbook.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def owner_token(studio, apis):
    return apis["owner"].headers["Authorization"]


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """schemathesis calls the WSGI app directly; like Django's test client, stop the
    end-of-request handler from closing the connection that holds the test transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case, owner_token):
    case.call_and_validate(headers={"Authorization": owner_token, "Host": "localhost"})
