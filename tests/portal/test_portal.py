"""The customer portal (portal/): one-time codes,
rate limits, filing a complaint without an account, the signed tracking link (valid,
tampered, expired; a GET changes nothing), replies, signed-in customers' own cases only,
and what staff and anonymous visitors get."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from aftersales.models import Notification, OutboxMessage
from customers.models import Contact, Customer, OwnedProduct
from portal import services as portal
from tests.aftersales.factories import UnitFactory, UserFactory
from tests.customers.factories import customer, product, product_model
from tests.customers.factories import service_standard_in_force as standard_in_force
from tests.tickets.factories import open_ticket
from tickets.attachments import services as attachments
from tickets.cases import selectors as case_selectors
from tickets.cases.services import (
    handover_accept,
    handover_request,
    ticket_comment,
    ticket_inform_customer,
)
from tickets.models import Attachment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"
PHONE_TYPED = "138 0013 8000"
EMAIL = "wei@example.com"


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def photo(name: str = "fridge.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def last_code(to: str) -> str:
    """The code of the last one-time-code message sent to `to` (the outbox row)."""
    message = (
        OutboxMessage.objects.filter(to=to, key__startswith="portal-code:")
        .order_by("-pk")
        .first()
    )
    assert message is not None, f"no code sent to {to}"
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def page_text(response, contact: str) -> str:
    """The page without the contact shown and the per-request CSRF tokens."""
    html = response.content.decode().replace(contact, "CONTACT")
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', "", html)


def send_code(client, contact: str = PHONE_TYPED):
    return client.post(
        reverse("portal:complaint-contact"), {"contact": contact, "consent": "on"}
    )


def verified(client, contact: str = PHONE_TYPED, to: str = PHONE):
    """Walk steps 1 and 2 with the code read from the outbox."""
    assert send_code(client, contact).status_code == 302
    response = client.post(reverse("portal:complaint-verify"), {"code": last_code(to)})
    assertRedirects(response, reverse("portal:complaint-details"))
    return client


def complaint_data(**overrides) -> dict:
    data = {
        "name": "Zhang Wei",
        "type": "complaint",
        "product_model": "",
        "product_text": "",
        "serial": "",
        "purchase_date": "",
        "description": "The fridge is warm inside\nSince Monday.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def intake(unit_tree, agent_user, settings):
    """The hotline receives portal cases; Li is its only member."""
    settings.AFTERSALES_PORTAL_UNIT = "hot"
    return unit_tree["hot"]


@pytest.fixture
def fridge(agent_user):
    return product_model(actor=agent_user, code="FR-300", category="refrigerator")


# --- One-time codes -----------------------------------------------------------------------------


def test_code_is_sent_by_sms_and_unlocks_the_complaint_form(client, intake):
    response = client.get(reverse("portal:complaint-details"))
    assertRedirects(response, reverse("portal:complaint-contact"))

    response = send_code(client)

    assertRedirects(response, reverse("portal:complaint-verify"))
    message = OutboxMessage.objects.get(key__startswith="portal-code:")
    assert (message.channel, message.to) == ("sms", PHONE)
    code = last_code(PHONE)
    assert len(code) == 6
    response = client.post(reverse("portal:complaint-verify"), {"code": code})
    assertRedirects(response, reverse("portal:complaint-details"))
    assertContains(client.get(reverse("portal:complaint-details")), "Send my request")


def test_code_to_an_email_goes_by_email(client, intake):
    send_code(client, "Wei@Example.com")
    message = OutboxMessage.objects.get(key__startswith="portal-code:")
    assert (message.channel, message.to) == ("email", EMAIL)


def test_code_is_kept_only_as_a_hash_in_the_cache(client, intake):
    from django.core.cache import cache

    send_code(client)
    stored = cache.get(f"portal:code:{portal.contact_key(PHONE)}")
    code = last_code(PHONE)
    assert code not in repr(stored)
    assert len(stored["hash"]) == 64


def test_consent_and_a_valid_contact_are_required(client, intake):
    no_consent = client.post(
        reverse("portal:complaint-contact"), {"contact": PHONE_TYPED}
    )
    bad_contact = client.post(
        reverse("portal:complaint-contact"), {"contact": "12", "consent": "on"}
    )
    assert no_consent.status_code == bad_contact.status_code == 200
    assertContains(bad_contact, "Enter a mobile phone number or an e-mail address.")
    assert not OutboxMessage.objects.exists()


def test_the_answer_is_the_same_for_a_known_and_an_unknown_contact(
    client, intake, agent_user
):
    customer(actor=agent_user, name="Known Person", phones=[PHONE])
    known = send_code(client, PHONE_TYPED)
    known_page = client.get(known["Location"])
    client.session.flush()
    unknown = send_code(client, "139 0013 9000")
    unknown_page = client.get(unknown["Location"])

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert page_text(known_page, PHONE) == page_text(unknown_page, "+8613900139000")
    assertNotContains(known_page, "Known Person")


def test_wrong_code_is_refused_with_the_tries_left(client, intake):
    send_code(client)
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(reverse("portal:complaint-verify"), {"code": wrong})

    assert response.status_code == 200
    assertContains(response, "This code is not right. 4 tries left.")
    assertRedirects(
        client.get(reverse("portal:complaint-details")),
        reverse("portal:complaint-contact"),
    )


def test_five_wrong_codes_use_the_code_up(client, intake):
    send_code(client)
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(4):
        client.post(reverse("portal:complaint-verify"), {"code": wrong})

    fifth = client.post(reverse("portal:complaint-verify"), {"code": wrong})
    right_too_late = client.post(reverse("portal:complaint-verify"), {"code": code})

    assertContains(fifth, "Too many wrong codes. Ask for a new one.")
    assert right_too_late.status_code == 200
    assertContains(right_too_late, "Ask for a new one.")
    assert client.get(reverse("portal:complaint-details")).status_code == 302


def test_the_right_code_on_the_fifth_try_still_works(client, intake):
    send_code(client)
    code = last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(4):
        client.post(reverse("portal:complaint-verify"), {"code": wrong})

    response = client.post(reverse("portal:complaint-verify"), {"code": code})

    assertRedirects(response, reverse("portal:complaint-details"))


def test_code_expires_after_ten_minutes(client, intake):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        send_code(client)
    code = last_code(PHONE)

    with time_machine.travel(start + timedelta(minutes=10, seconds=1), tick=False):
        response = client.post(reverse("portal:complaint-verify"), {"code": code})

    assertContains(response, "This code has expired. Ask for a new one.")


def test_code_is_used_once(intake):
    portal.portal_code_send(channel="sms", contact=PHONE)
    code = last_code(PHONE)
    portal.portal_code_verify(contact=PHONE, code=code)

    with pytest.raises(portal.ValidationError) as error:
        portal.portal_code_verify(contact=PHONE, code=code)

    assert "expired" in str(error.value)


def test_a_new_code_replaces_the_old_one(client, intake):
    send_code(client)
    first = last_code(PHONE)
    client.post(reverse("portal:complaint-resend"))
    second = last_code(PHONE)
    assert OutboxMessage.objects.filter(key__startswith="portal-code:").count() == 2
    if first != second:
        response = client.post(reverse("portal:complaint-verify"), {"code": first})
        assertContains(response, "This code is not right.")
    response = client.post(reverse("portal:complaint-verify"), {"code": second})
    assertRedirects(response, reverse("portal:complaint-details"))


# --- Rate limits ------------------------------------------------------------------------------


@pytest.fixture
def still_clock():
    """Rate-limit windows are clock-aligned: keep the clock still so none ends mid-test."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def test_codes_per_contact_are_rate_limited(client, intake, settings, still_clock):
    settings.AFTERSALES_PORTAL_CODE_RATE = "2/10m"
    codes = [send_code(client).status_code for _attempt in range(3)]
    assert codes == [302, 302, 429]
    assert OutboxMessage.objects.filter(key__startswith="portal-code:").count() == 2


def test_public_forms_are_rate_limited_per_address(
    client, intake, settings, still_clock
):
    settings.PUBLIC_FORM_RATE_LIMIT = "2/m"
    codes = [send_code(client, f"139 0013 900{n}").status_code for n in range(3)]
    assert codes == [302, 302, 429]
    assertContains(
        send_code(client, "139 0013 9009"), "Too many attempts", status_code=429
    )
    assert OutboxMessage.objects.filter(key__startswith="portal-code:").count() == 2


def test_code_checks_are_rate_limited_per_address(
    client, intake, settings, still_clock
):
    send_code(client)
    settings.PUBLIC_FORM_RATE_LIMIT = "1/m"
    first = client.post(reverse("portal:complaint-verify"), {"code": "123456"})
    second = client.post(reverse("portal:complaint-verify"), {"code": last_code(PHONE)})
    assert (first.status_code, second.status_code) == (200, 429)
    assert client.get(reverse("portal:complaint-details")).status_code == 302


# --- Filing a complaint -------------------------------------------------------------------------


def test_complaint_opens_a_portal_case_for_a_new_customer_with_the_product(
    client, intake, agent_user, fridge
):
    verified(client)
    response = client.post(
        reverse("portal:complaint-details"),
        complaint_data(
            product_model=fridge.pk, serial="SN-1", purchase_date="2025-05-20"
        ),
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/t/")
    assert (ticket.source, ticket.type, ticket.status) == ("portal", "complaint", "new")
    assert ticket.first_owner == agent_user
    assert ticket.title == "The fridge is warm inside"
    assert "Serial number: SN-1" in ticket.description
    zhang = Customer.objects.get()
    assert ticket.customer == zhang
    assert zhang.name == "Zhang Wei"
    assert list(zhang.phones.values_list("number", flat=True)) == [PHONE]
    assert zhang.consent_service is True
    owned = OwnedProduct.objects.get()
    assert (owned.customer, owned.model, owned.serial) == (zhang, fridge, "SN-1")
    assert owned.sale_date == date(2025, 5, 20)
    assert ticket.product == owned
    assert list(ticket.events.values_list("type", "public")) == [("opened", True)]
    assert Contact.objects.get().reference == ticket.number
    assert Notification.objects.get(kind="portal_case").recipient == agent_user
    link = OutboxMessage.objects.get(key=f"portal-tracking:{ticket.pk}")
    assert (link.channel, link.to) == ("sms", PHONE)
    sent_link = re.search(r"http://\S+/portal/t/([^/]+)/", link.body)
    assert case_selectors.ticket_get_by_token(token=sent_link.group(1)) == ticket
    assert ticket.number in link.body


def test_complaint_lands_on_the_tracking_page_and_the_verification_is_used_up(
    client, intake
):
    verified(client)
    response = client.post(
        reverse("portal:complaint-details"), complaint_data(), follow=True
    )
    ticket = Ticket.objects.get()
    assertContains(response, ticket.number)
    assertContains(response, "We received your request.")
    assert client.get(reverse("portal:complaint-details")).status_code == 302


def test_complaint_from_a_known_contact_goes_on_the_existing_archive(
    client, intake, agent_user, fridge
):
    known = customer(actor=agent_user, name="Zhang Wei", phones=[PHONE])
    owned = product(
        actor=agent_user,
        owner=known,
        model=fridge,
        serial="SN-1",
        sale_date=date(2025, 1, 1),
    )
    verified(client)
    client.post(
        reverse("portal:complaint-details"),
        complaint_data(name="Wei", product_model=fridge.pk, serial="SN-1"),
    )
    ticket = Ticket.objects.get()
    assert ticket.customer == known
    assert ticket.product == owned
    assert Customer.objects.count() == 1
    assert OwnedProduct.objects.count() == 1
    assert "Name given: Wei" in ticket.description


def test_someone_elses_serial_is_not_attached_nor_revealed(
    client, intake, agent_user, fridge
):
    other = customer(actor=agent_user, name="Other Owner", phones=["+8613900139000"])
    product(
        actor=agent_user,
        owner=other,
        model=fridge,
        serial="SN-9",
        sale_date=date(2025, 1, 1),
    )
    verified(client)
    response = client.post(
        reverse("portal:complaint-details"),
        complaint_data(
            product_model=fridge.pk, serial="SN-9", purchase_date="2025-02-01"
        ),
        follow=True,
    )
    ticket = Ticket.objects.get()
    assert ticket.product is None
    assert ticket.customer.name == "Zhang Wei"
    assertNotContains(response, "Other Owner")


def test_purchase_date_is_needed_to_register_a_product(client, intake, fridge):
    verified(client)
    response = client.post(
        reverse("portal:complaint-details"),
        complaint_data(product_model=fridge.pk, serial="SN-1"),
    )
    assertContains(response, "Give the purchase date to register the product.")
    assert not Ticket.objects.exists()


def test_email_contact_creates_the_archive_with_that_email(client, intake):
    verified(client, "wei@example.com", EMAIL)
    client.post(reverse("portal:complaint-details"), complaint_data(type="repair"))
    ticket = Ticket.objects.get()
    assert ticket.customer.email == EMAIL
    assert ticket.type == "repair"
    assert OutboxMessage.objects.get(key=f"portal-tracking:{ticket.pk}").channel == (
        "email"
    )


def test_first_owner_is_the_least_loaded_member_of_the_intake_unit(
    client, intake, agent_user
):
    busy = agent_user
    free = UserFactory(username="zhou", roles=["agent"], units=[intake])
    open_ticket(actor=busy, customer=customer(actor=busy, name="Busy Case"))
    verified(client)
    client.post(reverse("portal:complaint-details"), complaint_data())
    assert Ticket.objects.get(source="portal").first_owner == free


def test_without_the_configured_unit_the_first_hotline_receives(
    client, unit_tree, agent_user, settings
):
    settings.AFTERSALES_PORTAL_UNIT = "no-such-unit"
    verified(client)
    client.post(reverse("portal:complaint-details"), complaint_data())
    assert Ticket.objects.get().first_owner == agent_user


def test_without_anyone_to_receive_it_nothing_is_created(client, settings, db):
    settings.AFTERSALES_PORTAL_UNIT = "empty"
    UnitFactory(code="empty", kind="hotline")
    verified(client)
    response = client.post(reverse("portal:complaint-details"), complaint_data())
    assertContains(response, "Cases cannot be filed online right now.")
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()


def test_photos_are_attached_for_the_customer_to_see(client, intake):
    verified(client)
    client.post(
        reverse("portal:complaint-details"),
        {**complaint_data(), "photos": [photo("a.png"), photo("b.png")]},
    )
    ticket = Ticket.objects.get()
    files = Attachment.objects.filter(ticket=ticket)
    assert sorted(files.values_list("original_name", flat=True)) == ["a.png", "b.png"]
    assert all(file.public for file in files)


def test_a_bad_photo_leaves_no_half_case(client, intake):
    verified(client)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
    response = client.post(
        reverse("portal:complaint-details"),
        {**complaint_data(), "photos": [photo(), fake]},
    )
    assertContains(response, "photo.jpg is not a photo")
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()
    assert not Attachment.objects.exists()
    assert not OutboxMessage.objects.filter(key__startswith="portal-tracking").exists()


def test_at_most_three_photos(client, intake):
    verified(client)
    response = client.post(
        reverse("portal:complaint-details"),
        {**complaint_data(), "photos": [photo(f"{n}.png") for n in range(4)]},
    )
    assertContains(response, "At most 3 photos, please.")
    assert not Ticket.objects.exists()


def test_a_photo_refused_by_the_attachment_service_rolls_everything_back(
    intake, monkeypatch
):
    """The service is all or nothing even when a photo fails after the case is open."""

    def refuse(**kwargs):
        raise portal.ValidationError({"file": ["Refused."]})

    monkeypatch.setattr(attachments, "attachment_add", refuse)
    with pytest.raises(portal.ValidationError) as error:
        portal.portal_complaint_submit(
            actor=None,
            channel="sms",
            contact=PHONE,
            name="Zhang Wei",
            type="complaint",
            description="Broken",
            photos=[photo()],
        )
    assert error.value.message_dict == {"photos": ["Refused."]}
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()


def test_nobody_files_on_someone_elses_archive(intake, agent_user, customer_user):
    other = customer(actor=agent_user, name="Other")
    with pytest.raises(portal.PermissionDenied):
        portal.portal_complaint_submit(
            actor=customer_user,
            customer=other,
            channel="sms",
            contact=PHONE,
            name="",
            type="complaint",
            description="Broken",
        )
    assert not Ticket.objects.exists()


def test_staff_are_sent_to_their_own_intake(agent_client, intake):
    assertRedirects(
        agent_client.get(reverse("portal:complaint-contact")),
        reverse("tickets:ticket-create"),
        fetch_redirect_response=False,
    )
    with pytest.raises(portal.PermissionDenied):
        portal.portal_complaint_submit(
            actor=intake.members.first(),
            channel="sms",
            contact=PHONE,
            name="x",
            type="complaint",
            description="y",
        )


# --- Tracking links -----------------------------------------------------------------------------


@pytest.fixture
def case(intake, agent_user):
    zhang = customer(actor=agent_user, name="Zhang Wei", phones=[PHONE])
    return open_ticket(
        actor=agent_user, customer=zhang, type="complaint", title="Fridge is warm"
    )


def tracking_url(ticket) -> str:
    return case_selectors.portal_tracking_url(ticket=ticket)


def test_tracking_page_shows_status_and_only_public_events(client, case, agent_user):
    ticket_comment(ticket=case, actor=agent_user, body="internal: call the dealer")
    ticket_inform_customer(
        ticket=case, actor=agent_user, message="A technician comes on Tuesday."
    )

    response = client.get(tracking_url(case))

    assertContains(response, case.number)
    assertContains(response, "Received")
    assertContains(response, "We received your request.")
    assertContains(response, "A technician comes on Tuesday.")
    assertNotContains(response, "internal: call the dealer")
    assertNotContains(response, agent_user.name)
    assertContains(response, 'name="robots" content="noindex')


def test_tracking_token_is_signed_and_names_the_case(case):
    token = case_selectors.tracking_token(ticket=case)
    assert case_selectors.ticket_get_by_token(token=token) == case
    payload, stamp, signature = token.split(":")
    assert len(signature) >= 43  # an HMAC-SHA256, not something to guess


@pytest.mark.parametrize("tamper", ["flip", "other-salt", "garbage"])
def test_tampered_tracking_link_is_a_friendly_404(client, case, tamper):
    from django.core import signing

    token = case_selectors.tracking_token(ticket=case)
    if tamper == "flip":
        token = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    elif tamper == "other-salt":
        token = signing.dumps({"t": case.pk}, salt="something else")
    else:
        token = "not-a-token"

    response = client.get(reverse("portal:tracking", args=[token]))

    assert response.status_code == 404
    assertContains(response, "Link not found", status_code=404)
    assertNotContains(response, case.number, status_code=404)


def test_tracking_link_expires_after_ninety_days(client, case):
    issued = timezone.now()
    with time_machine.travel(issued, tick=False):
        url = tracking_url(case)
    with time_machine.travel(issued + timedelta(days=89), tick=False):
        assert client.get(url).status_code == 200
    with time_machine.travel(issued + timedelta(days=91), tick=False):
        response = client.get(url)
    assert response.status_code == 410
    assertContains(response, "This link has expired", status_code=410)
    assertNotContains(response, case.number, status_code=410)


def test_a_plain_get_changes_nothing(client, case):
    url = tracking_url(case)
    before = (
        TicketEvent.objects.count(),
        Notification.objects.count(),
        OutboxMessage.objects.count(),
        Contact.objects.count(),
        Ticket.objects.values_list("updated_at", "status").get(),
    )
    for _visit in range(2):
        assert client.get(url).status_code == 200
    after = (
        TicketEvent.objects.count(),
        Notification.objects.count(),
        OutboxMessage.objects.count(),
        Contact.objects.count(),
        Ticket.objects.values_list("updated_at", "status").get(),
    )
    assert before == after
    assert client.get(url.rstrip("/") + "/reply/").status_code == 405


def test_reply_is_recorded_and_first_owner_and_handler_are_told(
    client, case, agent_user, technician_user, unit_tree
):
    handover = handover_request(
        ticket=case,
        actor=agent_user,
        reason="Needs a technician",
        to_unit=unit_tree["ws"],
    )
    handover_accept(handover=handover, actor=technician_user)
    url = tracking_url(case)

    response = client.post(url + "reply/", {"body": "I am home after 6 pm."})

    assertRedirects(response, url)
    event = case.events.get(type="comment")
    assert event.public is True
    assert event.actor is None
    assert event.data == {"body": "I am home after 6 pm.", "from_customer": True}
    told = Notification.objects.filter(kind="portal_reply")
    assert sorted(n.recipient.username for n in told) == ["li", "liu"]
    assert all(case.number in n.title for n in told)
    page = client.get(url)
    assertContains(page, "Your message")
    assertContains(page, "I am home after 6 pm.")


def test_an_empty_reply_is_refused_and_nothing_is_recorded(client, case):
    response = client.post(tracking_url(case) + "reply/", {"body": "   "})
    assert response.status_code == 200
    assert not case.events.filter(type="comment").exists()
    assert not Notification.objects.filter(kind="portal_reply").exists()


def test_replies_are_rate_limited(client, case, settings, still_clock):
    settings.PUBLIC_FORM_RATE_LIMIT = "1/m"
    url = tracking_url(case) + "reply/"
    first = client.post(url, {"body": "one"})
    second = client.post(url, {"body": "two"})
    assert (first.status_code, second.status_code) == (302, 429)
    assert case.events.filter(type="comment").count() == 1


def test_staff_cannot_reply_as_the_customer(agent_client, case):
    url = tracking_url(case)
    assert agent_client.get(url).status_code == 200
    response = agent_client.post(url + "reply/", {"body": "pretending"})
    assert response.status_code == 403
    assert not case.events.filter(type="comment").exists()


def test_reply_on_an_expired_link_records_nothing(client, case):
    issued = timezone.now()
    with time_machine.travel(issued, tick=False):
        url = tracking_url(case)
    with time_machine.travel(issued + timedelta(days=91), tick=False):
        response = client.post(url + "reply/", {"body": "late"})
    assert response.status_code == 410
    assert not case.events.filter(type="comment").exists()


def test_public_files_download_by_link_and_internal_ones_do_not(
    client, case, agent_user
):
    shown = attachments.attachment_add(
        ticket=case, actor=agent_user, file=photo("shown.png"), public=True
    )
    hidden = attachments.attachment_add(
        ticket=case, actor=agent_user, file=photo("hidden.png"), public=False
    )
    token = case_selectors.tracking_token(ticket=case)
    page = client.get(reverse("portal:tracking", args=[token]))
    assertContains(page, "shown.png")
    assertNotContains(page, "hidden.png")

    ok = client.get(reverse("portal:tracking-file", args=[token, shown.pk]))
    missing = client.get(reverse("portal:tracking-file", args=[token, hidden.pk]))

    assert ok.status_code == 200
    assert b"".join(ok.streaming_content) == png_bytes()
    assert ok["Content-Type"] == "image/png"
    assert missing.status_code == 404


def test_tracking_page_query_count_is_flat(
    client, case, agent_user, django_assert_max_num_queries
):
    url = tracking_url(case)
    ticket_comment(ticket=case, actor=agent_user, body="Reply 0", public=True)
    with django_assert_max_num_queries(10) as one:
        client.get(url)
    for n in range(1, 4):
        ticket_comment(ticket=case, actor=agent_user, body=f"Reply {n}", public=True)
        attachments.attachment_add(
            ticket=case, actor=agent_user, file=photo(f"{n}.png"), public=True
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assertContains(response, "Reply 3")
    assertContains(response, "3.png")


def test_staff_can_get_a_case_tracking_link(case):
    url = case_selectors.portal_tracking_url(
        ticket=case, site_url="https://service.example.com/"
    )
    assert url.startswith("https://service.example.com/portal/t/")
    token = url.removeprefix("https://service.example.com/portal/t/").strip("/")
    assert case_selectors.ticket_get_by_token(token=token) == case


# --- Lost links -------------------------------------------------------------------------------


def test_links_are_sent_again_to_a_known_contact_only(client, case):
    known = client.post(reverse("portal:links-request"), {"contact": PHONE_TYPED})
    unknown = client.post(reverse("portal:links-request"), {"contact": "139 0013 9000"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    message = OutboxMessage.objects.get(key__startswith="portal-links:")
    assert message.to == PHONE
    assert case.number in message.body
    token = re.search(r"/portal/t/([^/]+)/", message.body).group(1)
    assert case_selectors.ticket_get_by_token(token=token) == case


# --- Signed-in customers, staff, anonymous ------------------------------------------------------


@pytest.fixture
def signed_in(client, customer_user, agent_user, intake):
    """Zhang's archive is linked to her portal login."""
    zhang = customer(actor=agent_user, name="Zhang Wei", phones=[PHONE])
    Customer.objects.filter(pk=zhang.pk).update(user=customer_user)
    zhang.refresh_from_db()
    client.force_login(customer_user)
    return zhang


def test_signed_in_customer_sees_own_cases_and_products_only(
    client, signed_in, agent_user, unit_tree
):
    standard_in_force(owner_unit=unit_tree["co"])
    cooler = product_model(actor=agent_user, code="AC-1", category="air_conditioner")
    owned = product(
        actor=agent_user,
        owner=signed_in,
        model=cooler,
        serial="AC-SN-1",
        sale_date=date(2025, 5, 20),
    )
    mine = open_ticket(actor=agent_user, customer=signed_in, title="My fridge")
    other = customer(actor=agent_user, name="Somebody Else")
    theirs = open_ticket(actor=agent_user, customer=other, title="Their washer")

    page = client.get(reverse("portal:home"))

    assertContains(page, mine.number)
    assertContains(page, "My fridge")
    assertNotContains(page, theirs.number)
    assertContains(page, "AC-SN-1")
    assert owned.validity_end is not None
    assertContains(page, owned.validity_end.isoformat())
    assert (
        client.get(reverse("portal:case-detail", args=[mine.number])).status_code == 200
    )
    assert (
        client.get(reverse("portal:case-detail", args=[theirs.number])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("portal:case-reply", args=[theirs.number]), {"body": "hi"}
        ).status_code
        == 404
    )
    assert not theirs.events.filter(type="comment").exists()


def test_signed_in_customer_downloads_public_files_of_own_cases_only(
    client, signed_in, agent_user
):
    mine = open_ticket(actor=agent_user, customer=signed_in, title="Mine")
    theirs = open_ticket(
        actor=agent_user, customer=customer(actor=agent_user, name="B"), title="B's"
    )
    my_file = attachments.attachment_add(
        ticket=mine, actor=agent_user, file=photo("mine.png"), public=True
    )
    their_file = attachments.attachment_add(
        ticket=theirs, actor=agent_user, file=photo("theirs.png"), public=True
    )
    own = client.get(reverse("portal:case-file", args=[mine.number, my_file.pk]))
    crossed = client.get(reverse("portal:case-file", args=[mine.number, their_file.pk]))
    other = client.get(reverse("portal:case-file", args=[theirs.number, their_file.pk]))
    assert (own.status_code, crossed.status_code, other.status_code) == (200, 404, 404)


def test_case_list_query_count_is_flat(
    client, signed_in, agent_user, django_assert_max_num_queries
):
    open_ticket(actor=agent_user, customer=signed_in, title="One")
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("portal:home"))
    for n in range(3):
        open_ticket(actor=agent_user, customer=signed_in, title=f"More {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("portal:home"))
    assertContains(response, "More 2")


def test_signed_in_customer_replies_as_themselves(client, signed_in, agent_user):
    mine = open_ticket(actor=agent_user, customer=signed_in, title="My fridge")
    response = client.post(
        reverse("portal:case-reply", args=[mine.number]), {"body": "Any news?"}
    )
    assertRedirects(response, reverse("portal:case-detail", args=[mine.number]))
    event = mine.events.get(type="comment")
    assert event.actor == signed_in.user
    assert event.data["from_customer"] is True


def test_signed_in_customer_files_without_a_code(client, signed_in, agent_user):
    assertRedirects(
        client.get(reverse("portal:complaint-contact")),
        reverse("portal:complaint-details"),
    )
    form = client.get(reverse("portal:complaint-details"))
    assertNotContains(form, 'name="name"')
    data = complaint_data()
    del data["name"]
    client.post(reverse("portal:complaint-details"), {**data, "photos": [photo()]})
    ticket = Ticket.objects.get()
    assert ticket.customer == signed_in
    assert ticket.attachments.get().uploaded_by == signed_in.user
    assert Customer.objects.count() == 1
    assert OutboxMessage.objects.get(key=f"portal-tracking:{ticket.pk}").to == PHONE


def test_staff_visiting_the_portal_go_home(agent_client):
    response = agent_client.get(reverse("portal:home"))
    assertRedirects(response, reverse("home"), fetch_redirect_response=False)


def test_anonymous_visitors_get_the_landing_page(client, db):
    response = client.get(reverse("portal:home"))
    assertContains(response, reverse("portal:complaint-contact"))
    assertContains(response, reverse("portal:links-request"))
    assertContains(response, reverse("login"))
    assertNotContains(response, reverse("tickets:ticket-list"))


def test_case_pages_need_sign_in(client, case):
    response = client.get(reverse("portal:case-detail", args=[case.number]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_portal_pages_in_chinese(client, case):
    token = case_selectors.tracking_token(ticket=case)
    response = client.get(f"/zh-hans/portal/t/{token}/")
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in response.content.decode()
    assert client.get("/zh-hans/portal/").status_code == 200


def test_a_new_code_past_the_per_contact_limit_is_a_429_with_the_reason(
    client, intake, settings, still_clock
):
    settings.AFTERSALES_PORTAL_CODE_RATE = "2/10m"
    send_code(client)
    assert client.post(reverse("portal:complaint-resend")).status_code == 302
    response = client.post(reverse("portal:complaint-resend"))
    assertContains(response, "Too many attempts", status_code=429)
    assert OutboxMessage.objects.filter(key__startswith="portal-code:").count() == 2
