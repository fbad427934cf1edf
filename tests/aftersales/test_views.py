"""Pages of the UI shell: sign-in in both languages, home by role, language switch,
notifications, rate-limited login."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales import services
from aftersales.demo import USERS
from aftersales.models import Notification
from tests.customers.factories import customer
from tests.customers.factories import service_standard_in_force as standard_in_force
from tests.tickets.factories import open_ticket
from tickets.cases.services import handover_request

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = [row[0] for row in USERS]


@pytest.fixture
def demo(db):
    """The demo people only: sign-in and navigation need no standards, archive or cases
    (the whole demo set takes seconds; the command itself is tested in test_demo_data)."""
    from aftersales import demo as people_demo

    people_demo.load()


@pytest.mark.parametrize("username", DEMO_USERNAMES)
@pytest.mark.parametrize(("prefix", "welcome"), [("", "Welcome"), ("/zh-hans", "欢迎")])
def test_every_demo_user_signs_in_in_both_languages(
    client, demo, username, prefix, welcome
):
    response = client.post(
        f"{prefix}/accounts/login/",
        {"username": username, "password": "demo"},
        follow=True,
    )
    assert response.status_code == 200
    assert response.wsgi_request.user.username == username
    if "@" in username:  # the portal customer lands on the portal
        assert response.redirect_chain[-1][0] == f"{prefix}/portal/"
    else:
        assert welcome in response.content.decode()


def test_login_page_renders_in_chinese_with_prefix(client):
    response = client.get("/zh-hans/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans"' in html
    assert "登录" in html


def test_wrong_password_shows_form_error_and_stays_signed_out(client, agent_user):
    response = client.post("/accounts/login/", {"username": "li", "password": "nope"})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_is_rate_limited_per_address(client, agent_user, settings):
    settings.LOGIN_RATE_LIMIT = "3/m"
    codes = [
        client.post(
            "/accounts/login/", {"username": "li", "password": "nope"}
        ).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    blocked = client.post(
        "/accounts/login/", {"username": "li", "password": "secret-pass-123"}
    )
    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_navigation_depends_on_role(client, demo):
    client.login(username="manager", password="demo")
    manager_html = client.get("/").content.decode()
    client.login(username="customer@example.com", password="demo")
    customer_html = client.get("/").content.decode()
    assert 'href="/notifications/"' in manager_html
    assert "Recent scheduled jobs" in manager_html
    assert "Recent scheduled jobs" not in customer_html


def test_language_switcher_sets_chinese_and_keeps_the_page(agent_client):
    response = agent_client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/notifications/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/zh-hans/notifications/"
    page = agent_client.get(response["Location"])
    assert "通知" in page.content.decode()


def test_logout_is_post_only_and_signs_out(agent_client):
    assert agent_client.get("/accounts/logout/").status_code == 405
    response = agent_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in agent_client.session


def test_notifications_page_lists_and_marks_read(agent_client, agent_user):
    for n in range(3):
        services.notify(
            recipient=agent_user, kind="test", key=f"n{n}", title=f"Case {n}"
        )
    page = agent_client.get(reverse("notification-list"))
    assert page.content.decode().count("Case ") == 3
    assert page.context["unread_notifications"] == 3
    response = agent_client.post(reverse("notification-mark-read"))
    assert response.status_code == 302
    assert (
        Notification.objects.filter(recipient=agent_user, read_at__isnull=True).count()
        == 0
    )


def test_notifications_htmx_request_gets_only_the_table(agent_client, agent_user):
    services.notify(recipient=agent_user, kind="test", key="x", title="Only row")
    response = agent_client.get(reverse("notification-list"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="notification-table"' in html
    assert "<html" not in html


def test_notifications_of_others_are_not_shown(agent_client, technician_user):
    services.notify(
        recipient=technician_user, kind="test", key="t", title="Secret for Liu"
    )
    assert (
        "Secret for Liu"
        not in agent_client.get(reverse("notification-list")).content.decode()
    )


def test_home_query_count_is_flat(
    agent_client, agent_user, django_assert_max_num_queries
):
    for n in range(10):
        services.notify(recipient=agent_user, kind="test", key=f"q{n}", title=f"N{n}")
    with django_assert_max_num_queries(10):
        assert agent_client.get("/").status_code == 200


def test_static_assets_are_local(client):
    html = client.get("/accounts/login/").content.decode()
    assert "/static/vendor/bootstrap-5.3.9/css/bootstrap.min.css" in html
    assert "/static/django_htmx/htmx" in html
    assert "https://" not in html


def test_only_the_most_specific_sidebar_entry_is_active(client, manager_user):
    from django.test import RequestFactory

    from aftersales.context_processors import navigation

    request = RequestFactory().get("/tickets/recourse/")
    request.user = manager_user
    active = [i["url"] for i in navigation(request)["nav_items"] if i["active"]]

    assert active == ["/tickets/recourse/"]


def test_the_bell_shows_what_needs_me_now_and_my_unread_notifications(
    agent_client, agent_user, technician_user, unit_tree
):
    # a case handed to the agent's unit waits for acceptance
    standard_in_force(owner_unit=unit_tree["co"])
    zhang = customer(actor=technician_user, name="Zhang Wei")
    ticket = open_ticket(actor=technician_user, customer=zhang)
    handover_request(
        ticket=ticket, actor=technician_user, to_unit=unit_tree["hot"], reason="Call"
    )
    for n in range(7):
        services.notify(recipient=agent_user, kind="test", key=f"b{n}", title=f"N{n}")
    services.notifications_mark_read(
        user=agent_user,
        ids=list(Notification.objects.filter(key="b0").values_list("pk", flat=True)),
    )
    with CaptureQueriesContext(connection) as few:
        response = agent_client.get(reverse("notification-bell"))
    html = response.content.decode()
    needs = {n["view"]: n["count"] for n in response.context["needs"]}
    assert needs == {"awaiting": 1, "overdue": 0, "today": 0}
    assert 'data-testid="need-awaiting"' in html
    assert "?view=awaiting" in html
    assert "7 unread notifications" in html  # 6 test ones and the handover's
    assert html.count('class="list-group-item list-group-item-action small"') == 5
    assert ">N6<" in html  # the newest, as a title
    assert ">N0<" not in html  # read (as a title: the CSRF token may hold "N0")
    assert "<html" not in html
    # the same queries with more of everything (three counts, the newest five)
    for n in range(30):
        services.notify(recipient=agent_user, kind="test", key=f"m{n}", title=f"M{n}")
    with CaptureQueriesContext(connection) as more:
        agent_client.get(reverse("notification-bell"))
    assert len(more) == len(few)


def test_a_customer_has_no_needs_me_now(client, customer_user):
    client.force_login(customer_user)
    response = client.get(reverse("notification-bell"))
    assert response.status_code == 200
    assert 'data-testid="needs-me-now"' not in response.content.decode()


def test_the_settings_page_keeps_each_kinds_email_choice(agent_client, agent_user):
    page = agent_client.get(reverse("notification-settings"))
    html = page.content.decode()
    # defaults: breaches by e-mail, warnings not
    assert 'value="sla_breached" id="email-sla_breached" checked' in html
    assert 'value="sla_warning" id="email-sla_warning">' in html
    response = agent_client.post(
        reverse("notification-settings"), {"email": ["sla_warning"]}
    )
    assert response.status_code == 302
    agent_user.refresh_from_db()
    assert agent_user.notification_email["sla_warning"] is True
    assert agent_user.notification_email["sla_breached"] is False
    bad = agent_client.post(
        reverse("notification-settings"), {"email": ["sla_warning", "x"]}, follow=True
    )
    assert "Unknown kind of notification: x." in bad.content.decode()
    agent_user.refresh_from_db()
    assert agent_user.notification_email["sla_warning"] is True


def test_the_notification_pages_need_a_sign_in(client):
    for name in ("notification-bell", "notification-settings"):
        assert client.get(reverse(name)).status_code == 302


def test_the_language_sticks_to_the_profile_for_pages_without_a_prefix(
    agent_client, agent_user
):
    # the agent (English profile) switches to Chinese: their profile keeps it
    agent_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    agent_user.refresh_from_db()
    assert agent_user.language == "zh-hans"
    # a page without a prefix (a link from a notification or an e-mail) is Chinese now
    page = agent_client.get("/notifications/")
    assert '<html lang="zh-hans"' in page.content.decode()
    assert page["Content-Language"] == "zh-hans"
    # back to English: the same page without a prefix is English again
    response = agent_client.post(
        "/i18n/setlang/", {"language": "en", "next": "/zh-hans/notifications/"}
    )
    assert response["Location"] == "/notifications/"
    agent_user.refresh_from_db()
    assert agent_user.language == "en"
    assert '<html lang="en"' in agent_client.get("/notifications/").content.decode()
    # a prefixed page is always in its language; a visitor gets the default
    zh_page = agent_client.get("/zh-hans/notifications/")
    assert '<html lang="zh-hans"' in zh_page.content.decode()
    visitor = Client()
    assert '<html lang="en"' in visitor.get("/accounts/login/").content.decode()


def test_a_chinese_profile_gets_chinese_pages_and_notification_links_without_prefix(
    client, agent_user
):
    agent_user.language = "zh-hans"
    agent_user.save(update_fields=["language"])
    client.force_login(agent_user)
    assert '<html lang="zh-hans"' in client.get("/").content.decode()
    # a link written while someone else browsed in Chinese opens in the reader's language
    note = services.notify(
        recipient=agent_user,
        kind="test",
        key="link",
        title="T",
        url="/zh-hans/tickets/",
    )
    assert note.url == "/tickets/"


def test_an_unknown_language_is_not_stored(agent_client, agent_user):
    agent_client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    agent_user.refresh_from_db()
    assert agent_user.language == "en"
