"""Figure 4: p95 response times of the busiest pages on the scale dataset, over HTTP
(gunicorn), each against raw SQL doing that page's main query.

    python bench/pages.py URL BASE REQUESTS  -> JSON {page: {"p95": s, "floor_p95": s}}
"""

import json
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import django_setup, percentile  # noqa: E402
from bench.scale import LAST_NAMES  # noqa: E402

LIVE_UNPAID = (
    "p.voided_at IS NULL AND (p.expires_at IS NULL OR p.expires_at >= now())"
    " AND p.amount_paid < p.price"
)
SEARCH = (  # a name anywhere in first name, last name or email (as the trigram indexes)
    "FROM passbook_pass p JOIN passbook_customer c ON c.id = p.customer_id"
    " WHERE UPPER(c.first_name) LIKE UPPER(%(name)s) OR UPPER(c.last_name) LIKE UPPER(%(name)s)"
    " OR UPPER(c.email) LIKE UPPER(%(name)s)"
)
FLOORS = {
    "Sales › Passes, filtered": [
        "SELECT p.*, c.first_name, c.last_name FROM passbook_pass p JOIN passbook_customer c"
        f" ON c.id = p.customer_id WHERE {LIVE_UNPAID} ORDER BY p.expires_at DESC, p.id"
        " LIMIT 25 OFFSET %(offset)s",
        f"SELECT count(*) FROM passbook_pass p WHERE {LIVE_UNPAID}",
    ],
    "Sales › Passes, customer search": [
        f"SELECT p.*, c.first_name, c.last_name {SEARCH} ORDER BY p.purchased_at DESC LIMIT 25",
        f"SELECT count(*) {SEARCH}",
    ],
    "customer detail": [
        "SELECT * FROM passbook_pass WHERE customer_id = %(customer)s",
        "SELECT b.*, s.starts_at, t.name FROM passbook_booking b JOIN passbook_session s"
        " ON s.id = b.session_id JOIN passbook_classtype t ON t.id = s.class_type_id"
        " WHERE b.customer_id = %(customer)s ORDER BY s.starts_at DESC LIMIT 50",
        "SELECT * FROM passbook_payment WHERE customer_id = %(customer)s"
        " ORDER BY received_at DESC LIMIT 50",
    ],
    "portal timetable (7 days)": [
        "SELECT s.*, t.name, count(b.id) FROM passbook_session s JOIN passbook_classtype t"
        " ON t.id = s.class_type_id LEFT JOIN passbook_booking b ON b.session_id = s.id"
        " AND b.status IN ('booked', 'attended') WHERE s.starts_at >= now()"
        " AND s.starts_at < now() + interval '7 days' GROUP BY s.id, t.name ORDER BY s.starts_at",
        "SELECT * FROM passbook_pass WHERE customer_id = %(customer)s AND voided_at IS NULL",
    ],
    "explain (API)": [
        "SELECT * FROM passbook_session WHERE id = %(session)s",
        "SELECT * FROM passbook_pass WHERE customer_id = %(customer)s AND voided_at IS NULL",
    ],
}


def _customer(k: int, customers: int) -> int:
    """The k-th customer page to fetch: spread over the loaded ids 1..customers."""
    return 1 + k * 997 % customers


def _requests(n: int, customers: int, customer_user: int, session: int) -> dict[str, list[str]]:
    return {
        "Sales › Passes, filtered": [
            f"/office/passes/?status=active&payment=unpaid&sort=-expires_at&page={k + 1}"
            for k in range(n)
        ],
        "Sales › Passes, customer search": [f"/office/passes/?q={_surname(k)}" for k in range(n)],
        "customer detail": [f"/office/customers/{_customer(k, customers)}/" for k in range(n)],
        "portal timetable (7 days)": ["/portal/timetable/"] * n,
        "explain (API)": [
            f"/api/v1/customers/{customer_user}/explain?session={session + k}" for k in range(n)
        ],
    }


def _surname(k: int) -> str:
    return LAST_NAMES[k * 37 % len(LAST_NAMES)]


def _cookies(url: str) -> tuple[str, str, str, int]:
    """A signed-in owner, a signed-in customer, and a staff API token."""
    django_setup(url)
    from django.test import Client

    from passbook.models import ApiToken, Customer, User

    owner = User.objects.get(username="bench-owner")
    customer = Customer.objects.get(pk=1)
    customer.user = User.objects.get_or_create(username="bench-customer")[0]
    customer.save()
    cookies = []
    for user in (owner, customer.user):
        client = Client()
        client.force_login(user)
        cookies.append(f"sessionid={client.cookies['sessionid'].value}")
    return cookies[0], cookies[1], ApiToken.issue(owner, "owner")[1], customer.id


def _timed(fetch) -> float:
    t = time.perf_counter()
    fetch()
    return time.perf_counter() - t


def main() -> None:
    url, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    owner, customer, token, customer_id = _cookies(url)
    import psycopg
    from django.utils import timezone

    from passbook.models import Customer, Session

    customers = Customer.objects.count()  # ids 1..customers, as bench/scale.py loads them
    session = Session.objects.filter(starts_at__gte=timezone.now()).order_by("starts_at")[0].id
    headers = {
        "portal timetable (7 days)": {"Cookie": customer},
        "explain (API)": {"Authorization": f"Bearer {token}"},
    }
    results = {}
    with psycopg.connect(url) as conn:
        for page, paths in _requests(n, customers, customer_id, session).items():

            def get(path, page=page):
                request = urllib.request.Request(
                    base + path, headers=headers.get(page, {"Cookie": owner})
                )
                with urllib.request.urlopen(request, timeout=60) as response:
                    assert response.status == 200, (path, response.status)
                    response.read()

            for path in paths[:5]:  # warm up every worker (first requests compile templates)
                get(path)
            times = [_timed(lambda p=p: get(p)) for p in paths]
            params = [
                {
                    "offset": 25 * k,
                    "name": f"%{_surname(k)}%",
                    "customer": _customer(k, customers),
                    "session": session + k,
                }
                for k in range(n)
            ]
            floor = [
                _timed(lambda q=q, sqls=FLOORS[page]: [conn.execute(s, q).fetchall() for s in sqls])
                for q in params
            ]
            results[page] = {"p95": percentile(times, 95), "floor_p95": percentile(floor, 95)}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
