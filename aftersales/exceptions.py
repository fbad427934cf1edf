"""Domain errors. The API's one exception handler maps them to 400 or 409."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A business rule refused the action (HTTP 400)."""

    status_code = 400
    code = "domain_error"
    default_message = _("The action is not allowed.")

    def __init__(self, message: str | None = None) -> None:
        self.message = str(message or self.default_message)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidTransition(DomainError):
    """The current state forbids the requested transition (HTTP 409)."""

    status_code = 409
    code = "invalid_transition"
    default_message = _("This action is not possible in the current state.")


class ActionForbidden(DomainError):
    """The state allows the action, but not for this person (HTTP 403)."""

    status_code = 403
    code = "permission_denied"
    default_message = _("Your role does not allow this step.")


class StaleObject(InvalidTransition):
    """Someone else changed the object first (compare-and-set found no row; HTTP 409)."""

    default_message = _("Someone else changed this record first. Reload and try again.")
