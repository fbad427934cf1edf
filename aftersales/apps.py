"""App config of the cross-cutting app."""

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate, post_save
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

        from aftersales.middleware import session_seen
        from aftersales.services import tokens_revoke_after_password_change

        user_logged_in.connect(session_seen, dispatch_uid="aftersales_session_seen")

        post_save.connect(
            tokens_revoke_after_password_change,
            sender=self.get_model("User"),
            dispatch_uid="aftersales_tokens_revoke",
        )
