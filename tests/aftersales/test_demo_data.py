"""The demo data command: idempotent, refused under production settings."""

import pytest
from django.core.management import CommandError, call_command

from aftersales.models import Membership, Unit, User

pytestmark = pytest.mark.django_db


def counts():
    return (User.objects.count(), Unit.objects.count(), Membership.objects.count())


def test_demo_data_is_idempotent():
    call_command("demo_data", verbosity=0)
    first = counts()
    call_command("demo_data", verbosity=0)
    assert counts() == first
    assert first[0] == 10
    supervisor = User.objects.get(username="supervisor")
    supervised = set(
        supervisor.memberships.filter(is_supervisor=True).values_list(
            "unit__code", flat=True
        )
    )
    assert supervised == {"sh-hotline", "sh-workshop"}
    assert User.objects.get(username="customer@example.com").role_names == ["customer"]


def test_demo_data_is_refused_under_production_settings(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="production"):
        call_command("demo_data", verbosity=0)
    assert User.objects.count() == 0
