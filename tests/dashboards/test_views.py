"""The dashboard page and its exports: who sees it (supervisors their subtree), the three
controls against the ceilings of the service standard in force, bad filters (400, never
500), CSV and XLSX exports, a flat query count, the queue's and the worklist's drill-down
filters, and the drill-down links leading to exactly the cases behind a figure."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from customers import services as archive_services
from customers.models import Contact
from feedback.followups import services as followup_services
from feedback.models import FollowUp
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer, product, product_model
from tests.tickets.factories import act, open_ticket, ready_to_resolve, service_standard
from tickets.cases import services as ticket_services
from tickets.models import Ticket
from tickets.workflow import TicketAction

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 2 March 2026, 10:00 in Shanghai; the dashboard is read at 16:00 the same day.
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
H = timedelta(hours=1)
READ_AT = T0 + 6 * H
DASHBOARD = reverse("dashboard")
QUEUE = reverse("tickets:ticket-list")
WORKLIST = reverse("followups:followup-list")


# --- The organisation and the data set --------------------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(unit_tree):
    """The shared unit tree plus a follow-up team (in the branch) and QA (company)."""
    unit_tree["fu"] = UnitFactory(
        code="fu", name="Follow-up Team", kind="followup_team", parent=unit_tree["br"]
    )
    unit_tree["qa"] = UnitFactory(
        code="qa", name="Quality Assurance", kind="qa", parent=unit_tree["co"]
    )
    return unit_tree


@pytest.fixture
def quality_user(org):
    return UserFactory(username="qm", roles=["quality_manager"], supervises=[org["qa"]])


@pytest.fixture
def visitor(org):
    return UserFactory(username="huang", roles=["followup_agent"], units=[org["fu"]])


def make_standard(*, quality_user, manager_user, org, ceilings=None):
    """The company's service standard, with the three controls' ceilings as given
    (default: the classic 0.00001)."""
    kpi = {key: {"ceiling": value} for key, value in (ceilings or {}).items()}
    return service_standard(
        author=quality_user,
        approver=manager_user,
        owner_unit=org["co"],
        parameters={"kpi": kpi} if kpi else None,
    )


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def resolve(ticket: Ticket, worker, capture) -> Ticket:
    """acknowledged → in progress → resolved by `worker`, with the after-commit signal
    run, so the follow-up is scheduled."""
    act(ticket, worker, TicketAction.ACKNOWLEDGE, TicketAction.START)
    ready_to_resolve(ticket, worker)
    ticket.refresh_from_db()
    with capture(execute=True):
        ticket = ticket_services.ticket_resolve(
            ticket=ticket,
            actor=worker,
            cause_code="bearing",
            liability="producer_defect",
            resolution="Drum bearing replaced.",
        )
    ticket.refresh_from_db()
    return ticket


def world(*, clock, org, agent_user, visitor, capture) -> dict:
    """Four products in service; on Monday 2 March 2026 the agent opens a complaint, a
    P1 repair nobody acknowledges (its 30-minute acknowledge clock is missed) and a repair
    resolved at 11:00 whose follow-up, at 15:00, finds the customer dissatisfied (the
    case is reopened); two answered contacts, and the three cases opened on the phone are
    contacts too. Read at 16:00: complaint rate 1/4, omission rate 1/5, dissatisfaction
    rate 1/1."""
    model = product_model(actor=agent_user, code="WM-100", category="washing_machine")
    people, products = [], []
    for index in range(4):
        person = customer(
            actor=agent_user,
            name=f"Customer {index}",
            phones=[f"1380013800{index}"],
        )
        people.append(person)
        products.append(
            product(
                actor=agent_user,
                owner=person,
                model=model,
                serial=f"SN-{index}",
                sale_date=date(2025, 5, 20),
                delivery_date=date(2025, 5, 22),
            )
        )
    complaint = open_ticket(
        actor=agent_user,
        customer=people[0],
        type="complaint",
        title="Rude technician",
        product=products[0],
    )
    missed = open_ticket(
        actor=agent_user,
        customer=people[1],
        priority="P1",
        title="Water on the floor",
        product=products[1],
        fault_code="LEAK",
    )
    repair = open_ticket(
        actor=agent_user,
        customer=people[2],
        title="Drum noisy",
        product=products[2],
        fault_code="NOISE",
    )
    for person in people[:2]:
        archive_services.contact_log(
            actor=agent_user,
            customer=person,
            channel=Contact.Channel.PHONE,
            summary="Called in",
            disposition=Contact.Disposition.ANSWERED,
        )
    clock.move_to(T0 + H)
    repair = resolve(repair, agent_user, capture)
    followup = FollowUp.objects.get(ticket=repair)
    clock.move_to(T0 + 5 * H)
    followup_services.followup_complete(
        followup=followup, actor=visitor, score=2, resolved=False, comment="Still loud"
    )
    clock.move_to(READ_AT)
    return {
        "model": model,
        "people": people,
        "products": products,
        "complaint": complaint,
        "missed": missed,
        "repair": Ticket.objects.get(pk=repair.pk),
        "followup": FollowUp.objects.get(pk=followup.pk),
    }


@pytest.fixture
def standard(clock, org, quality_user, manager_user):
    return make_standard(quality_user=quality_user, manager_user=manager_user, org=org)


@pytest.fixture
def data(standard, clock, org, agent_user, visitor, capture):
    return world(
        clock=clock, org=org, agent_user=agent_user, visitor=visitor, capture=capture
    )


def html_of(response) -> str:
    return response.content.decode()


def tile_link(html: str, key: str) -> str:
    """The "See the cases" link of a three-controls tile."""
    tile = re.search(rf'data-testid="tile-{key}".*?href="([^"]+)"', html, re.DOTALL)
    return unescape(tile.group(1))


def table_links(html: str, key: str) -> list[str]:
    """The drill-down links of a dashboard table, in row order."""
    table = re.search(rf'data-testid="table-{key}".*?</table>', html, re.DOTALL)
    return [
        unescape(link)
        for link in re.findall(r'<a href="([^"]+)"[^>]*data-testid="drill"', table[0])
    ]


def case_numbers(response) -> set[str]:
    assert response.status_code == 200
    return {ticket.number for ticket in response.context["page"]}


def followup_ids(response) -> set[int]:
    assert response.status_code == 200
    return {followup.pk for followup in response.context["page"]}


# --- Who sees the dashboard --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager_user", "quality_user"])
def test_company_wide_roles_see_the_dashboard_with_every_unit(
    client, request, org, who
):
    client.force_login(request.getfixturevalue(who))
    response = client.get(DASHBOARD)

    assert response.status_code == 200
    units = response.context["form"].fields["unit"].queryset
    assert {unit.code for unit in units} == {"co", "br", "hot", "ws", "fu", "qa"}
    html = html_of(response)
    assert 'data-testid="controls"' in html
    assert html.count('data-testid="tile-') == 3


def test_a_supervisor_chooses_only_among_the_units_of_their_subtree(
    client, org, supervisor_user
):
    client.force_login(supervisor_user)
    response = client.get(DASHBOARD)

    assert response.status_code == 200
    options = re.search(
        r'<select name="unit".*?</select>', html_of(response), re.DOTALL
    )
    names = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', options[0])
    assert names == ["Hotline", "Workshop"]
    outside = client.get(DASHBOARD, {"unit": org["br"].pk})
    assert outside.status_code == 400
    assert "Choose a unit whose figures you may see." in html_of(outside)


@pytest.mark.parametrize("who", ["agent_user", "customer_user"])
def test_agents_and_customers_are_refused_the_dashboard_and_its_exports(
    client, request, who
):
    client.force_login(request.getfixturevalue(who))

    assert client.get(DASHBOARD).status_code == 403
    assert client.get("/dashboard/export/kpis-controls.csv").status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login(client, db):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={DASHBOARD}"


# --- The three controls ------------------------------------------------------------------------


def tile(html: str, key: str) -> str:
    found = re.search(
        rf'<div class="card[^"]*" data-testid="tile-{key}".*?</a>', html, re.DOTALL
    )
    return found[0]


@pytest.mark.parametrize(
    ("ceilings", "breached"),
    [
        # The classic ceilings (1 in 100,000): every control is over.
        (
            None,
            {
                "complaint_rate": True,
                "omission_rate": True,
                "dissatisfaction_rate": True,
            },
        ),
        # 1/4 complaints over 20 %; 1/5 omissions under 60 %; 1/1 dissatisfied at 100 %.
        (
            {"complaint_rate": 0.2, "omission_rate": 0.6, "dissatisfaction_rate": 1.0},
            {
                "complaint_rate": True,
                "omission_rate": False,
                "dissatisfaction_rate": False,
            },
        ),
    ],
)
def test_the_three_controls_are_red_over_the_ceiling_of_the_standard_in_force(
    client,
    clock,
    org,
    quality_user,
    manager_user,
    agent_user,
    visitor,
    capture,
    ceilings,
    breached,
):
    # given the standard's ceilings and, this month, complaints 1/4, omissions 1/5 and
    # dissatisfied follow-ups 1/1
    make_standard(
        quality_user=quality_user, manager_user=manager_user, org=org, ceilings=ceilings
    )
    world(clock=clock, org=org, agent_user=agent_user, visitor=visitor, capture=capture)
    client.force_login(manager_user)
    # when the manager opens the dashboard
    html = html_of(client.get(DASHBOARD))
    # then each tile is red over its ceiling and green otherwise
    texts = {
        "complaint_rate": ("25.00 %", "1 / 4"),
        "omission_rate": ("20.00 %", "1 / 5"),
        "dissatisfaction_rate": ("100.00 %", "1 / 1"),
    }
    for key, over in breached.items():
        card = tile(html, key)
        assert f'data-breached="{"true" if over else "false"}"' in card
        assert ("border-danger" if over else "border-success") in card
        assert ("over the limit" if over else "within the limit") in card
        value, counts = texts[key]
        assert value in card
        assert counts in card


# --- Bad filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (
            {"from": "2026-12-01", "to": "2026-11-01"},
            "The end must not be before the start.",
        ),
        ({"unit": "999999"}, "Choose a unit whose figures you may see."),
        ({"from": "notadate"}, "Enter a valid date."),
        ({"period": "fortnight"}, "Select a valid choice."),
        ({"from": "2010-01-01"}, "Choose a period of at most ten years."),
        # Days the period arithmetic cannot hold (the previous period, midnight after the
        # last day) are refused, not a 500.
        (
            {"from": "0001-01-01", "to": "0001-01-05"},
            "greater than or equal to 1900-01-01",
        ),
        ({"to": "9999-12-31"}, "less than or equal to 2999-12-31"),
        ({"period": "month", "date": "9999-12-31"}, "less than or equal to 2999-12-31"),
    ],
)
def test_bad_filters_answer_400_with_the_error_over_the_default_view(
    client, manager_user, query, error
):
    client.force_login(manager_user)
    client.raise_request_exception = False

    response = client.get(DASHBOARD, query)

    assert response.status_code == 400
    html = html_of(response)
    assert error in html
    assert 'class="invalid-feedback d-block"' in html
    assert html.count('data-testid="tile-') == 3  # the default view under the errors
    assert 'href="/dashboard/export/on-time.csv"' in html  # its filters not reused
    export = client.get("/dashboard/export/kpis-controls.csv", query)
    assert export.status_code == 400
    assert error in export.content.decode()
    assert client.get("/api/v1/kpis/", query).status_code == 400


# --- Exports -----------------------------------------------------------------------------------


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_table_exports_as_csv_with_a_bom_and_its_header(client, data, manager_user):
    client.force_login(manager_user)

    response = client.get("/dashboard/export/kpis-controls.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "kpis-controls-20260301" in response["Content-Disposition"]
    body = body_of(response)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == [
        "KPI", "Value", "Target", "Limit", "Status", "Numerator", "Denominator"
    ]  # fmt: skip
    assert rows[1] == [
        "Complaint rate", "25.00 %", "—", "0.001 %", "breached", "1", "4"
    ]  # fmt: skip
    assert [row[0] for row in rows[1:]] == [
        "Complaint rate", "Omission rate", "Dissatisfaction rate"
    ]  # fmt: skip


def test_a_table_exports_as_xlsx_for_the_same_filters(client, data, manager_user):
    client.force_login(manager_user)

    response = client.get("/dashboard/export/pareto.xlsx", {"type": "repair"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(body_of(response)), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        "Product model", "Fault code", "Cases", "Share", "Cumulative share"
    ]  # fmt: skip
    assert rows[1:] == [
        ["WM-100", "LEAK", 1, "50.00 %", "50.00 %"],
        ["WM-100", "NOISE", 1, "50.00 %", "100.00 %"],
    ]
    february = client.get("/dashboard/export/pareto.xlsx", {"date": "2026-02-10"})
    sheet = load_workbook(io.BytesIO(body_of(february)), read_only=True).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)][1:] == []


def test_an_unknown_table_is_not_found(client, manager_user):
    client.force_login(manager_user)

    assert client.get("/dashboard/export/nothing.csv").status_code == 404
    assert client.get("/dashboard/export/kpis-controls.pdf").status_code == 404


# --- Query count -------------------------------------------------------------------------------


def grow(count: int, *, at: datetime, clock, agent_user, visitor, capture) -> None:
    """`count` customers, each with a product of a model of its own, a complaint, a repair
    (fault code of its own) resolved and followed up satisfied, and a contact, on the day
    of `at`."""
    clock.move_to(at)
    repairs = []
    for _n in range(count):
        serial = f"SN-{Ticket.objects.count():04d}"
        model = product_model(actor=agent_user, code=f"M-{serial}", category="tv")
        person = customer(actor=agent_user, name=f"Owner of {serial}")
        owned = product(
            actor=agent_user,
            owner=person,
            model=model,
            serial=serial,
            sale_date=date(2025, 5, 20),
            delivery_date=date(2025, 5, 22),
        )
        open_ticket(actor=agent_user, customer=person, type="complaint", product=owned)
        repairs.append(
            open_ticket(
                actor=agent_user, customer=person, product=owned, fault_code=serial
            )
        )
        archive_services.contact_log(
            actor=agent_user,
            customer=person,
            channel=Contact.Channel.PHONE,
            summary="Called in",
            disposition=Contact.Disposition.ANSWERED,
        )
    clock.move_to(at + H)
    followups = [
        FollowUp.objects.get(ticket=resolve(repair, agent_user, capture))
        for repair in repairs
    ]
    clock.move_to(at + 5 * H)
    for followup in followups:
        followup_services.followup_complete(
            followup=followup, actor=visitor, score=5, resolved=True
        )
    clock.move_to(at + 6 * H)


def test_the_dashboard_query_count_does_not_grow_with_the_data(
    client, standard, clock, agent_user, visitor, capture, manager_user
):
    client.force_login(manager_user)
    grow(2, at=T0, clock=clock, agent_user=agent_user, visitor=visitor, capture=capture)
    with CaptureQueriesContext(connection) as small:
        response = client.get(DASHBOARD)
    assert "2 / 2" in tile(html_of(response), "complaint_rate")
    grow(4, at=T0 + 24 * H, clock=clock, agent_user=agent_user, visitor=visitor,
         capture=capture)  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        response = client.get(DASHBOARD)
    assert "6 / 6" in tile(html_of(response), "complaint_rate")
    assert len(table_links(html_of(response), "pareto")) == 6
    # One aggregate query per source, whatever the number of cases and follow-ups.
    assert len(large.captured_queries) == len(small.captured_queries), [
        q["sql"] for q in large.captured_queries
    ]


# --- The queue's and the worklist's drill-down filters -----------------------------------------


def test_clock_missed_lists_the_cases_whose_clock_passed_unmet(
    client, standard, clock, agent_user, manager_user
):
    # P1: acknowledge within 30 minutes.
    zhang = customer(actor=agent_user, name="Zhang Wei")
    never = open_ticket(actor=agent_user, customer=zhang, priority="P1", title="Never")
    late = open_ticket(actor=agent_user, customer=zhang, priority="P1", title="Late")
    in_time = open_ticket(
        actor=agent_user, customer=zhang, priority="P1", title="Quick"
    )
    not_yet = open_ticket(actor=agent_user, customer=zhang, priority="P3", title="Calm")
    clock.move_to(T0 + timedelta(minutes=10))
    act(in_time, agent_user, TicketAction.ACKNOWLEDGE)
    clock.move_to(T0 + H)
    act(late, agent_user, TicketAction.ACKNOWLEDGE)
    client.force_login(manager_user)

    missed = client.get(QUEUE, {"view": "all", "clock_missed": "acknowledge"})
    every = client.get(QUEUE, {"view": "all"})

    assert case_numbers(missed) == {never.number, late.number}
    assert case_numbers(every) == {
        never.number, late.number, in_time.number, not_yet.number
    }  # fmt: skip


def test_opened_from_and_to_are_days_in_the_company_time_zone(
    client, standard, clock, agent_user, manager_user
):
    zhang = customer(actor=agent_user, name="Zhang Wei")
    opened = {}
    for name, at in (
        ("sunday_late", datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI)),
        ("monday_early", datetime(2026, 3, 2, 0, 10, tzinfo=SHANGHAI)),
        ("tuesday", datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)),
    ):
        clock.move_to(at)
        opened[name] = open_ticket(actor=agent_user, customer=zhang, title=name).number
    client.force_login(manager_user)

    def listed(**filters) -> set[str]:
        return case_numbers(client.get(QUEUE, {"view": "all", **filters}))

    assert listed(opened_from="2026-03-02", opened_to="2026-03-02") == {
        opened["monday_early"]
    }
    assert listed(opened_from="2026-03-02") == {
        opened["monday_early"], opened["tuesday"]
    }  # fmt: skip
    assert listed(opened_to="2026-03-01") == {opened["sunday_late"]}


def test_reopened_open_fault_code_and_model_narrow_the_queue(
    client, data, manager_user
):
    client.force_login(manager_user)

    def listed(**filters) -> set[str]:
        return case_numbers(client.get(QUEUE, {"view": "all", **filters}))

    complaint, missed, repair = (
        data[key].number for key in ("complaint", "missed", "repair")
    )
    assert listed(reopened="true") == {repair}
    assert listed(reopened="false") == {complaint, missed}
    assert listed(open="true") == {complaint, missed, repair}
    assert listed(fault_code="LEAK") == {missed}
    assert listed(product_model=data["model"].pk, type="repair") == {missed, repair}
    assert listed(source="hotline") == {complaint, missed, repair}
    assert listed(source="portal") == set()


def test_resolved_from_and_to_list_the_cases_resolved_on_those_days(
    client, standard, clock, agent_user, manager_user, capture
):
    zhang = customer(actor=agent_user, name="Zhang Wei")
    monday = open_ticket(actor=agent_user, customer=zhang, title="Monday")
    tuesday = open_ticket(actor=agent_user, customer=zhang, title="Tuesday")
    unresolved = open_ticket(actor=agent_user, customer=zhang, title="Open")
    clock.move_to(T0 + H)
    resolve(monday, agent_user, capture)
    clock.move_to(T0 + 24 * H)
    resolve(tuesday, agent_user, capture)
    client.force_login(manager_user)

    def listed(**filters) -> set[str]:
        return case_numbers(client.get(QUEUE, {"view": "all", **filters}))

    assert listed(resolved_from="2026-03-02", resolved_to="2026-03-02") == {
        monday.number
    }
    assert listed(resolved_from="2026-03-03") == {tuesday.number}
    assert listed(open="true") == {unresolved.number}


def test_unit_tree_lists_the_cases_of_a_unit_and_the_units_below(
    client, standard, org, agent_user, technician_user, manager_user
):
    zhang = customer(actor=agent_user, name="Zhang Wei")
    hotline = open_ticket(actor=agent_user, customer=zhang, title="Hotline")
    workshop = open_ticket(actor=technician_user, customer=zhang, title="Workshop")
    client.force_login(manager_user)

    def listed(unit) -> set[str]:
        return case_numbers(client.get(QUEUE, {"view": "all", "unit_tree": unit}))

    assert listed(org["ws"].pk) == {workshop.number}
    assert listed(org["hot"].pk) == {hotline.number}
    assert listed(org["br"].pk) == {hotline.number, workshop.number}
    assert listed(org["qa"].pk) == set()
    assert listed(999999) == set()


def test_the_worklist_lists_case_followups_completed_on_the_days_asked(
    client, data, org, manager_user
):
    care = followup_services.followup_create_care(
        customer=data["people"][3],
        opens_at=T0,
        closes_at=T0 + 72 * H,
        source_key="care:test",
    )
    client.force_login(manager_user)

    def listed(**filters) -> set[int]:
        return followup_ids(client.get(WORKLIST, {"view": "all", **filters}))

    followup = data["followup"].pk
    assert listed() == {followup, care.pk}
    assert listed(has_case="true") == {followup}
    assert listed(has_case="false") == {care.pk}
    assert listed(
        has_case="true", completed_from="2026-03-02", completed_to="2026-03-02"
    ) == {followup}
    assert listed(completed_from="2026-03-03") == set()
    assert listed(completed_to="2026-03-01") == set()


# --- Following the drill-down links ------------------------------------------------------------


def test_each_controls_tile_leads_to_exactly_the_cases_behind_its_figure(
    client, data, manager_user
):
    client.force_login(manager_user)
    html = html_of(client.get(DASHBOARD))

    complaints = tile_link(html, "complaint_rate")
    omissions = tile_link(html, "omission_rate")
    dissatisfied = tile_link(html, "dissatisfaction_rate")

    assert complaints.startswith(f"{QUEUE}?")
    assert "opened_from=2026-03-01&opened_to=2026-03-31" in complaints
    assert case_numbers(client.get(complaints)) == {data["complaint"].number}
    assert case_numbers(client.get(omissions)) == {data["missed"].number}
    assert dissatisfied.startswith(f"{WORKLIST}?")
    assert followup_ids(client.get(dissatisfied)) == {data["followup"].pk}


def test_a_pareto_row_leads_to_the_cases_of_its_model_and_fault_code(
    client, data, manager_user
):
    client.force_login(manager_user)
    html = html_of(client.get(DASHBOARD, {"period": "week", "date": "2026-03-04"}))

    leak, noise = table_links(html, "pareto")

    assert "opened_from=2026-03-02&opened_to=2026-03-08" in leak
    assert case_numbers(client.get(leak)) == {data["missed"].number}
    assert case_numbers(client.get(noise)) == {data["repair"].number}


def test_the_followup_rate_leads_to_the_followups_due_care_calls_included(
    client, data, manager_user
):
    # given a care call (no case) due this month beside the case's follow-up
    care = followup_services.followup_create_care(
        customer=data["people"][3],
        opens_at=T0,
        closes_at=T0 + 72 * H,
        source_key="care:test",
    )
    client.force_login(manager_user)
    html = html_of(client.get(DASHBOARD))
    row = re.search(r"Follow-up rate</th>(.*?)</tr>", html, re.DOTALL)[1]
    cells = re.findall(r'<td class="text-end">([^<]*)</td>', row)
    # then both count as due (numerator, denominator) and both are listed
    assert cells[4:6] == ["1", "2"]
    link = table_links(html, "kpis-voice")[0]
    assert "due_from=2026-03-01&due_to=2026-03-31" in link
    assert followup_ids(client.get(link)) == {data["followup"].pk, care.pk}


def test_the_drill_down_keeps_the_unit_chosen_on_the_dashboard(
    client, data, org, technician_user, manager_user
):
    # given a second complaint, received in the workshop
    workshop = open_ticket(
        actor=technician_user,
        customer=data["people"][3],
        type="complaint",
        title="Technician was late",
    )
    client.force_login(manager_user)
    # when the manager looks at the workshop's figures
    html = html_of(client.get(DASHBOARD, {"unit": org["ws"].pk}))
    # then the tile counts the workshop's complaint and lists exactly that one
    assert "1 / 4" in tile(html, "complaint_rate")
    link = tile_link(html, "complaint_rate")
    assert f"unit_tree={org['ws'].pk}" in link
    assert case_numbers(client.get(link)) == {workshop.number}
    # and the branch above it covers both units' complaints
    branch = html_of(client.get(DASHBOARD, {"unit": org["br"].pk}))
    assert "2 / 4" in tile(branch, "complaint_rate")
    assert case_numbers(client.get(tile_link(branch, "complaint_rate"))) == {
        workshop.number, data["complaint"].number
    }  # fmt: skip


def test_a_past_periods_missed_clocks_are_those_come_due_by_its_end(
    client, standard, clock, agent_user, manager_user
):
    # given two February cases nobody acknowledged: a P1 (due within 30 minutes) and a
    # P3 opened late on the 28th, due 24 hours later, in March
    zhang = customer(actor=agent_user, name="Zhang Wei")
    clock.move_to(datetime(2026, 2, 27, 10, 0, tzinfo=SHANGHAI))
    due_in_february = open_ticket(
        actor=agent_user, customer=zhang, priority="P1", title="Early"
    )
    clock.move_to(datetime(2026, 2, 28, 23, 50, tzinfo=SHANGHAI))
    open_ticket(actor=agent_user, customer=zhang, priority="P3", title="Late")
    clock.move_to(READ_AT)
    client.force_login(manager_user)
    # when the manager reads February's on-time acknowledgement in March
    html = html_of(client.get(DASHBOARD, {"date": "2026-02-10"}))
    # then one clock came due in February, missed, and its list holds that case alone
    row = re.search(r"On-time acknowledgement</th>(.*?)</tr>", html, re.DOTALL)[1]
    assert re.findall(r'<td class="text-end">([^<]*)</td>', row)[:2] == ["0", "1"]
    link = table_links(html, "on-time")[0]
    assert "clock_missed=acknowledge" in link
    assert case_numbers(client.get(link)) == {due_in_february.number}


def test_a_supervisors_drill_down_lists_the_cases_of_their_subtree(
    client, data, org, supervisor_user
):
    client.force_login(supervisor_user)
    html = html_of(client.get(DASHBOARD))

    assert "1 / 4" in tile(html, "complaint_rate")
    assert case_numbers(client.get(tile_link(html, "complaint_rate"))) == {
        data["complaint"].number
    }


# --- In Chinese --------------------------------------------------------------------------------


def test_the_dashboard_renders_in_chinese(client, data, manager_user):
    client.force_login(manager_user)

    response = client.get(f"/zh-hans{DASHBOARD}")

    assert response.status_code == 200
    html = html_of(response)
    assert '<html lang="zh-hans"' in html
    assert html.count('data-testid="tile-') == 3
    assert "投诉率" in tile(html, "complaint_rate")  # Complaint rate
    with translation.override("zh-hans"):
        chinese = {
            text: translation.gettext(text) for text in ("Dashboard", "Three controls")
        }
    # The dashboard's own strings are being translated in another change: a heading
    # whose Chinese text is still missing (gettext gives the English back) is not
    # asserted; once the catalogue has it, it must be on the page.
    for english, text in chinese.items():
        if text != english:
            assert text in html, english
    # The drill-down stays in Chinese and its list opens.
    link = tile_link(html, "complaint_rate")
    assert link.startswith(f"/zh-hans{QUEUE}?")
    assert case_numbers(client.get(link)) == {data["complaint"].number}
