"""What the back office says: the pass history in words, with before and after; plurals."""

import re
from datetime import date
from decimal import Decimal

from passbook.models import PassEntry
from passbook.services import passes
from tests.factories import ProductFactory

MANAGER = "manager"


def _history(client, p) -> list[tuple[str, str, str]]:
    """(what, change, why) for each row of the pass's History tab."""
    page = client.get(f"/office/passes/{p.id}/?tab=history").content.decode()
    table = page[page.index('id="history"') :]
    rows = re.findall(r"<tr data-kind=[^>]*>(.*?)</tr>", table, re.S)
    cells = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", r, re.S)]
        for r in rows
    ]
    return [(c[1], c[2], c[5]) for c in cells]


def test_the_history_tab_says_what_changed_from_what_to_what(pinned, office, clients):
    p = office.pass_ada  # sold on 1 Dec 2026, for three months, one class booked
    passes.set_total(p.id, Decimal(12), reason="birthday gift")
    passes.change_validity(
        p.id, starts_on=date(2026, 12, 1), expires_on=date(2027, 3, 14), reason="injury"
    )
    passes.set_priority(p.id, 5, reason="use this one first")
    passes.top_up(p.id, Decimal(2))
    history = _history(clients[MANAGER], p)
    assert history == [
        ("Issued", "10 credits; starts 1 Dec 2026, expires 28 Feb 2027", "pass issued"),
        ("Booked", "1 credit (9 left)", ""),
        ("Total changed", "10 → 12 credits", "birthday gift"),
        ("Validity changed", "expires 28 Feb 2027 → 14 Mar 2027", "injury"),
        ("Priority changed", "0 → 5", "use this one first"),
        ("Credits added", "12 → 14 credits", "top-up"),
    ]


def test_old_priority_entries_without_the_old_value_still_read(pinned, office, clients):
    p = office.pass_ada
    p.priority = 3
    p.save(update_fields=["priority"])
    PassEntry.objects.create(
        customer_pass=p, kind="priority", amount=3, reason="VIP", created_at=p.purchased_at
    )
    assert _history(clients[MANAGER], p)[-1] == ("Priority changed", "now 3", "VIP")


def test_counts_of_one_are_singular(office, clients):
    product = ProductFactory(name="Taster")
    passes.sell(office.bea.id, product.id)
    product.priority = 2
    product.save()
    done = clients[MANAGER].post(
        f"/office/catalog/products/{product.id}/apply-priority/", follow=True
    )
    assert "Priority applied to 1 live pass." in done.content.decode()
