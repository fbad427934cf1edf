"""Factories of the cross-cutting app."""

import factory
from django.contrib.auth.models import Group

from aftersales.models import Membership, Unit, User


class UnitFactory(factory.django.DjangoModelFactory):
    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = Unit.Kind.OTHER

    class Meta:
        model = Unit


class UserFactory(factory.django.DjangoModelFactory):
    """A user; `roles=[...]` puts them in the role groups, `units=[...]` makes them members,
    `supervises=[...]` makes them supervisors of those units."""

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username.split('@')[0]}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    language = "en"
    password = factory.django.Password("secret-pass-123")

    class Meta:
        model = User
        skip_postgeneration_save = True

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or []:
            group, _ = Group.objects.get_or_create(name=name)
            self.groups.add(group)

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        for unit in extracted or []:
            Membership.objects.create(user=self, unit=unit)

    @factory.post_generation
    def supervises(self, create, extracted, **kwargs):
        for unit in extracted or []:
            Membership.objects.create(user=self, unit=unit, is_supervisor=True)
