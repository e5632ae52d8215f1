"""Hypothesis throws arbitrary text at every back-office and portal form: no server errors."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passbook.models import User
from tests.web.test_views import ACTIONS

FIELDS = sorted(
    {field for _path, data, _role in ACTIONS for field in data}
    | {
        "sessions",
        "paid",
        "reason",
        "starts_on",
        "expires_on",
        "on",
        "at",
        "staff",
        "resource",
        "capacity",
        "repeat_on",
        "until",
        "received_on",
        "note",
    }
)
junk = st.one_of(
    st.text(max_size=40),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e400",
            "NaN",
            "Infinity",
            "9999-12-31",
            "0001-01-01",
            "25:61",
            "<script>x</script>",
            "' OR 1=1 --",
            "\x00",
            "１２３",
        ]
    ),
)
forms = st.dictionaries(st.sampled_from(FIELDS), junk, max_size=8)


@pytest.mark.parametrize("path", sorted({path for path, _data, _role in ACTIONS}))
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=forms)
def test_office_forms_never_fail_with_a_server_error(office, path, data):
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="owner"))
    response = client.post(path.format(o=office), data)
    assert response.status_code < 500, (path, data)
