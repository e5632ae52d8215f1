"""Every error code is defined once (services/errors.py), documented in docs/domain.md
with the HTTP status the API answers, and nothing else is documented as a code."""

import re
from pathlib import Path

from passbook.api.problems import status_of
from passbook.services.errors import REGISTRY

DOMAIN_MD = Path(__file__).resolve().parents[2] / "docs" / "domain.md"
ROW = re.compile(r"^\| `([a-z_]+)` \| (\d{3}) \|", re.MULTILINE)


def test_every_error_code_is_documented_with_its_http_status_and_no_other():
    documented = {code: int(status) for code, status in ROW.findall(DOMAIN_MD.read_text())}
    defined = {code: status_of(error) for code, error in REGISTRY.items()}
    assert documented == defined


def test_codes_are_lower_snake_case_and_every_error_has_a_message():
    for code, error in REGISTRY.items():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", code) and error.message.endswith(".")
