"""App config of the cross-cutting app."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    """The cross-cutting app: units, roles, notifications, job runs, home, health."""

    name = "aftersales"
    verbose_name = _("Aftersales")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Keep the role groups and their permissions in step with roles.py after migrate
        # (permissions exist only after migrate, as Django's own post_migrate handlers do).
        from aftersales import datastamp
        from aftersales.services import roles_sync

        datastamp.connect()

        def sync_roles(sender, **kwargs) -> None:
            roles_sync()

        post_migrate.connect(
            sync_roles, sender=self, dispatch_uid="aftersales_roles_sync", weak=False
        )
