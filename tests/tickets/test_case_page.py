"""The case page (tickets.cases.views.ticket_detail) renders no action form (#11): each is
a button that loads its form from a view beside the endpoint it posts to (the fragment for
htmx, a page of its own without JavaScript). Who may load which form, what the fragment
and the page hold, and the page's cost at 10 and 200 staff members and units."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from aftersales.models import Membership, Unit, User
from standards.parameters import DEFAULT_CONDUCT_CHECKLIST
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer
from tests.tickets.factories import act, ready_to_resolve, service_standard
from tests.tickets.test_repairs import household_product, repair_case
from tickets.attachments import services as attachment_services
from tickets.cases import services as case_services
from tickets.entitlement import PAID_REPAIR
from tickets.models import Ticket
from tickets.repairs import services as repair_services
from tickets.workflow import TicketAction, is_open

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def case(clock, unit_tree, agent_user, manager_user, technician_user):
    """Li's repair case of a TV (owed a free repair) with an open repair, a booked visit,
    a file and a handover to the workshop waiting for acceptance."""
    author = UserFactory(roles=["quality_manager"], units=[unit_tree["co"]])
    service_standard(author=author, approver=manager_user, owner_unit=unit_tree["co"])
    zhang = customer(actor=agent_user, name="Zhang Wei")
    tv = household_product(
        actor=agent_user,
        owner=zhang,
        delivered=TODAY - timedelta(days=60),
        serial="TV1",
    )
    ticket = repair_case(actor=agent_user, owner=zhang, item=tv)
    repair_services.repair_record(
        ticket=ticket, actor=agent_user, started_on=TODAY - timedelta(days=2)
    )
    repair_services.visit_schedule(
        ticket=fresh(ticket),
        actor=agent_user,
        technician=technician_user,
        appointment_start=NOW + timedelta(hours=3),
    )
    attachment_services.attachment_add(
        ticket=fresh(ticket),
        actor=agent_user,
        file=SimpleUploadedFile("note.txt", b"Customer's note\n"),
    )
    case_services.handover_request(
        ticket=fresh(ticket),
        actor=agent_user,
        to_unit=unit_tree["ws"],
        reason="Needs the workshop",
    )
    return fresh(ticket)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def forms_of(ticket: Ticket) -> dict[str, tuple[str, str]]:
    """Each form the case page offers Li: its fragment URL and the endpoint it posts to."""
    number = ticket.number
    repair = ticket.repairs.get()
    visit = ticket.visits.get()

    def url(name: str, *args) -> str:
        return reverse(f"tickets:{name}", args=args)

    return {
        "transfer": (
            url("transfer-request-form", number),
            url("transfer-request", number),
        ),
        "handover": (
            url("ticket-handover-form", number),
            url("ticket-handover", number),
        ),
        "inform": (url("ticket-inform-form", number), url("ticket-inform", number)),
        "resolve": (url("ticket-resolve-form", number), url("ticket-resolve", number)),
        "comment": (url("ticket-comment-form", number), url("ticket-comment", number)),
        "repair-finish": (
            url("repair-finish-form", repair.pk),
            url("repair-finish", repair.pk),
        ),
        "repair": (url("repair-record-form", number), url("repair-record", number)),
        "visit-complete": (
            url("visit-complete-form", visit.pk),
            url("visit-complete", visit.pk),
        ),
        "visit": (url("visit-schedule-form", number), url("visit-schedule", number)),
        "offer": (url("offer-make-form", number), url("offer-make", number)),
        "compensation": (
            url("compensation-create-form", number),
            url("compensation-create", number),
        ),
        "claim": (
            url("recourse-claim-create-form", number),
            url("recourse-claim-create", number),
        ),
        "attachment": (
            url("attachment-upload-form", number),
            url("attachment-upload", number),
        ),
    }


def offered(response) -> list[str]:
    """The fragment URLs of the form buttons on a page, checking each is also a link."""
    html = response.content.decode()
    buttons = re.findall(r"<a [^>]*data-deferred-form[^>]*>", html)
    urls = []
    for button in buttons:
        href = re.search(r'href="([^"]+)"', button).group(1)
        assert re.search(r'hx-get="([^"]+)"', button).group(1) == href
        urls.append(href)
    return urls


# --- The page ------------------------------------------------------------------------------


def test_the_case_page_offers_every_form_as_a_button_and_renders_none(
    case, agent_client
):
    response = agent_client.get(case.get_absolute_url())

    assert response.status_code == 200
    assert offered(response) == [url for url, _ in forms_of(case).values()]
    html = response.content.decode()
    assert "<select" not in html
    assert "<textarea" not in html
    # left: the lifecycle buttons, the language switcher, sign-out and the handover's
    # accept/reject, none of them a Django form
    assert len(re.findall(r"<form ", html)) == 4


def test_the_case_page_lists_no_staff_member_unit_or_party(
    case, agent_client, unit_tree
):
    UserFactory(first_name="Zed", last_name="Farwell", roles=["agent"])
    UnitFactory(name="Faraway Depot", parent=unit_tree["co"])

    page = agent_client.get(case.get_absolute_url())
    handover = agent_client.get(forms_of(case)["handover"][0], **HTMX)

    assertNotContains(page, "Faraway Depot")
    assertNotContains(page, "Zed Farwell")
    assertContains(handover, "Faraway Depot")
    assertContains(handover, "Zed Farwell")


def test_the_case_page_costs_the_same_at_10_and_200_staff_members_and_units(
    case, agent_client, unit_tree
):
    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = agent_client.get(case.get_absolute_url())
        assert response.status_code == 200
        return len(queries), len(response.content)

    staff(10, under=unit_tree["br"])
    queries_at_10, size_at_10 = measure()
    staff(190, under=unit_tree["br"])
    assert User.objects.count() > 200
    assert Unit.objects.count() > 200

    assert measure() == (queries_at_10, size_at_10)


def staff(count: int, *, under: Unit) -> None:
    """`count` active agents, each in a unit of their own below `under`, in bulk."""
    start = Unit.objects.count()
    units = Unit.objects.bulk_create(
        Unit(code=f"bulk-{start + n}", name=f"Bulk unit {start + n}", parent=under)
        for n in range(count)
    )
    for unit in units:
        unit.path = f"{under.path}{unit.pk}/"
    Unit.objects.bulk_update(units, ["path"])
    users = User.objects.bulk_create(
        User(username=f"bulk{unit.pk}", first_name="Bulk", last_name=str(unit.pk))
        for unit in units
    )
    Membership.objects.bulk_create(
        Membership(user=user, unit=unit)
        for user, unit in zip(users, units, strict=True)
    )
    agents, _ = Group.objects.get_or_create(name="agent")
    agents.user_set.add(*users)


# --- The forms -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        "transfer", "handover", "inform", "resolve", "comment", "repair-finish",
        "repair", "visit-complete", "visit", "offer", "compensation", "claim",
        "attachment",
    ],
)  # fmt: skip
def test_each_form_loads_as_a_fragment_and_as_a_page_of_its_own(
    case, agent_client, form
):
    url, endpoint = forms_of(case)[form]

    fragment = agent_client.get(url, **HTMX)
    page = agent_client.get(url)

    assert fragment.status_code == 200
    assert "HX-Request" in fragment["Vary"]
    html = fragment.content.decode()
    assert not html.lstrip().startswith("<!doctype")
    assert re.search(rf'<form method="post" action="{re.escape(endpoint)}"', html)
    assert 'name="csrfmiddlewaretoken"' in html
    assert page.status_code == 200
    assertContains(page, "<!doctype html>")
    assertContains(page, f'action="{endpoint}"')
    assertContains(page, f'href="{case.get_absolute_url()}"')


def test_the_visit_form_holds_the_conduct_checklist_and_the_offer_form_what_is_owed(
    case, agent_client
):
    forms = forms_of(case)

    visit = agent_client.get(forms["visit-complete"][0], **HTMX)
    offer = agent_client.get(forms["offer"][0], **HTMX)

    assertContains(visit, 'data-testid="conduct-checklist"')
    for item in DEFAULT_CONDUCT_CHECKLIST:
        assertContains(visit, item)
    assertContains(offer, "Free repair (owed)")


def test_a_form_loaded_from_the_page_posts_as_before(case, agent_client):
    url, endpoint = forms_of(case)["comment"]
    assertContains(agent_client.get(url, **HTMX), 'name="body"')

    response = agent_client.post(endpoint, {"body": "Called back", "public": ""})

    assert response.status_code == 302
    assert case.events.filter(type="comment", data__body="Called back").exists()


def test_staff_outside_the_cases_scope_get_404_for_every_form(case, client, unit_tree):
    outsider = UserFactory(roles=["agent"], units=[UnitFactory(parent=unit_tree["co"])])
    client.force_login(outsider)

    assert client.get(case.get_absolute_url()).status_code == 404
    for url, _ in forms_of(case).values():
        assert client.get(url, **HTMX).status_code == 404, url
        assert client.get(url).status_code == 404, url


def test_customers_get_403_and_visitors_are_sent_to_sign_in(
    case, client, customer_user
):
    urls = [url for url, _ in forms_of(case).values()]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    client.force_login(customer_user)
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_the_form_urls_only_answer_get(case, agent_client):
    url, _ = forms_of(case)["handover"]

    assert agent_client.post(url, {"reason": "x"}).status_code == 405


# --- Only the forms the page offers --------------------------------------------------------


def test_a_resolved_case_offers_no_new_work_only_notes_files_money_and_ownership(
    case, agent_user, agent_client
):
    forms = forms_of(case)
    repair = case.repairs.get()
    repair_services.repair_finish(
        repair=repair, actor=agent_user, ended_on=TODAY, outcome="fixed"
    )
    ready_to_resolve(fresh(case), agent_user)
    act(fresh(case), agent_user, TicketAction.RESOLVE)
    case = fresh(case)
    assert not is_open(case.status)

    page = agent_client.get(case.get_absolute_url())

    still = ["transfer", "comment", "compensation", "claim", "attachment"]
    assert offered(page) == [forms[name][0] for name in still]
    for name, (url, _) in forms.items():
        expected = 200 if name in still else 404
        assert agent_client.get(url, **HTMX).status_code == expected, name


def test_resolve_is_offered_only_to_those_who_may_resolve(case, client, unit_tree):
    caller = UserFactory(roles=["followup_agent"], units=[unit_tree["hot"]])
    client.force_login(caller)
    url, _ = forms_of(case)["resolve"]

    assert url not in offered(client.get(case.get_absolute_url()))
    assert client.get(url, **HTMX).status_code == 404


def test_a_transfer_is_offered_only_to_those_who_may_ask(case, client, unit_tree):
    colleague = UserFactory(roles=["agent"], units=[unit_tree["hot"]])
    client.force_login(colleague)
    url, _ = forms_of(case)["transfer"]

    page = client.get(case.get_absolute_url())

    assert page.status_code == 200
    assert url not in offered(page)
    assert client.get(url, **HTMX).status_code == 404


def test_a_finished_repair_and_a_recorded_visit_offer_no_form(
    clock, case, agent_user, technician_user, agent_client
):
    forms = forms_of(case)
    repair_services.repair_finish(
        repair=case.repairs.get(), actor=agent_user, ended_on=TODAY, outcome="fixed"
    )
    clock.move_to(NOW + timedelta(hours=4))
    repair_services.visit_complete(
        visit=case.visits.get(),
        actor=technician_user,
        arrived_at=NOW + timedelta(hours=3),
        diagnosis="Loose cable",
        parts="",
        fees=Decimal("0"),
        checklist=dict.fromkeys(DEFAULT_CONDUCT_CHECKLIST, True),
        customer_confirmed=True,
    )

    page = agent_client.get(case.get_absolute_url())

    for name in ("repair-finish", "visit-complete"):
        assert forms[name][0] not in offered(page)
        assert agent_client.get(forms[name][0], **HTMX).status_code == 404, name


def test_an_offer_waiting_for_approval_offers_no_new_offer(
    case, agent_user, agent_client
):
    repair_services.offer_make(
        ticket=case, actor=agent_user, option=PAID_REPAIR, reason="Out of stock"
    )
    url, _ = forms_of(case)["offer"]

    assert url not in offered(agent_client.get(case.get_absolute_url()))
    assert agent_client.get(url, **HTMX).status_code == 404
