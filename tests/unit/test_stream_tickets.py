"""Stream tickets (services/api/tickets.py): what a ticket grants, for how long, and that
nobody can make or change one without the keys."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.api_keys import parse_api_keys
from services.api.tickets import MAX_CHARS, Ticket, Tickets

NOW = 1_700_000_000.0


def tickets(keys: str = "bureau-key:all,yingde-key:yingde", at: float = NOW) -> Tickets:
    return Tickets(parse_api_keys(keys), ttl_s=60, clock=lambda: at)


def test_a_ticket_grants_its_screen_to_its_holder_until_it_expires():
    issued = tickets().issue("yingde", "key-2")
    assert len(issued) < MAX_CHARS and "yingde-key" not in issued
    assert tickets(at=NOW + 59).redeem(issued) == Ticket("yingde", "key-2", int(NOW) + 60)
    assert tickets(at=NOW + 61).redeem(issued) is None
    city = tickets().issue(None, "key-1")
    assert tickets().redeem(city) == Ticket(None, "key-1", int(NOW) + 60)


def test_any_process_with_the_same_keys_accepts_it_and_other_keys_void_it():
    issued = tickets().issue("yingde", "key-2")
    assert tickets().redeem(issued) is not None  # another API process behind the balancer
    assert tickets("bureau-key:all,yingde-key:yingde,new-key:fogang").redeem(issued) is None
    assert tickets("yingde-key:yingde").redeem(issued) is None


def test_without_keys_tickets_are_this_processs_own():
    open_api = Tickets(parse_api_keys(""), ttl_s=60, clock=lambda: NOW)
    issued = open_api.issue(None, "open")
    assert open_api.redeem(issued) == Ticket(None, "open", int(NOW) + 60)
    assert Tickets(parse_api_keys(""), ttl_s=60, clock=lambda: NOW).redeem(issued) is None


def test_a_changed_screen_holder_or_expiry_is_no_ticket():
    issued = tickets().issue("yingde", "key-2")
    screen, holder, expires, mac = issued.split(".")
    for changed in (f"fogang.{holder}.{expires}.{mac}", f"-.{holder}.{expires}.{mac}",
                    f"{screen}.key-1.{expires}.{mac}", f"{screen}.{holder}.{int(expires) + 3600}.{mac}"):
        assert tickets().redeem(changed) is None, changed


@given(st.text(max_size=300))
def test_nothing_but_an_issued_ticket_is_accepted(text: str):
    assert tickets().redeem(text) is None


@pytest.mark.parametrize("bad", ["", ".", "...", "a.b.c.d", "yingde.key-2.abc.mac", "x" * (MAX_CHARS + 1)])
def test_malformed_tickets_are_refused(bad: str):
    assert tickets().redeem(bad) is None
