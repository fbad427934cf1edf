"""The customer archive (客户档案, domain §5): customers with their phones, consent and
tags; parties (producers, suppliers, sellers, carriers, installers); product models; owned
products (the installed base) with validity computed from events; the contact log; access
logs; import jobs. This is the lower layer of the feedback app: tickets build on it."""

from __future__ import annotations

from django.conf import settings
from django.db import connections, models
from django.db.models import BooleanField, Func, Q, TextField, Value
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftersales.models import Unit
from aftersales.permissions import visible_subset
from standards.parameters import ContactChannel


class Tag(models.Model):
    """A label on customers (e.g. "VIP", "dealer referral")."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def scope_roots(unit_paths: list[str]) -> set[str]:
    """The archive scope of a staff member: for each unit, its branch (the first two levels
    of the tree: company → branch); a member of the company itself sees the whole company."""
    roots = set()
    for path in unit_paths:
        parts = [part for part in path.split("/") if part]
        roots.add("/" + "/".join(parts[:2]) + "/")
    return roots


# The shortest part of a name the trigram index (feedback migration 0002) can serve; a
# shorter part (one or two Chinese characters, most names' given name) goes to the
# 1-2 character gram index of customers migration 0003 on PostgreSQL.
TRIGRAM_LENGTH = 3


class NameGrams(Func):
    """PostgreSQL: the one- and two-character substrings of a text
    (`customers_name_grams`, created with its GIN index by customers migration 0003)."""

    function = "customers_name_grams"
    output_field = TextField()


class ContainsAll(Func):
    """PostgreSQL array containment: the left gram array holds every gram of the right."""

    template = "%(expressions)s"
    arg_joiner = " @> "
    output_field = BooleanField()


class CustomerQuerySet(models.QuerySet):
    """Vocabulary for customer queries."""

    def active(self) -> CustomerQuerySet:
        """Customers that are not merged into another archive."""
        return self.filter(merged_into__isnull=True)

    def name_contains(self, text: str) -> CustomerQuerySet:
        """Customers whose name contains `text` in any case (Django's `icontains`). On
        PostgreSQL a part of three characters or more is served by the trigram index on
        UPPER(name); a shorter one by the gram index, whose containment test narrows the
        rows before the LIKE rechecks them, so that no search reads the whole table."""
        matches = self.filter(name__icontains=text)
        if len(text) < TRIGRAM_LENGTH and connections[self.db].vendor == "postgresql":
            matches = matches.filter(
                ContainsAll(NameGrams(Upper("name")), NameGrams(Upper(Value(text))))
            )
        return matches

    def visible_to(self, user) -> CustomerQuerySet:
        """Who may see which archive (the rule of `aftersales.permissions`): managers,
        quality managers and administrators all; other staff the customers of their branch
        and those served company-wide; a customer only their own archive; anyone else
        nothing."""
        return visible_subset(
            self,
            user,
            staff=lambda customers: customers._of_branch(user),
            own=lambda customers: customers.filter(user=user),
        )

    def _of_branch(self, user) -> CustomerQuerySet:
        """The customers of the staff member's branch and those served company-wide."""
        paths = list(user.units.values_list("path", flat=True))
        roots = scope_roots(paths)
        # Served company-wide: no unit, or a unit above the staff member's branch.
        above = {
            root[: index + 1]
            for root in roots
            for index, ch in enumerate(root)
            if ch == "/"
        }
        units = Q(path__in=above)
        for root in roots:
            units |= Q(path__startswith=root)
        # A semi-join on the few units, not a join of every customer row to its unit.
        return self.filter(
            Q(unit__isnull=True) | Q(unit__in=Unit.objects.filter(units).values("pk"))
        )


class Customer(models.Model):
    """One archive per customer: a person or an organisation."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    class Segment(models.TextChoices):
        NEW = "new", _("New")
        REGULAR = "regular", _("Regular")
        KEY = "key", _("Key account")

    class Region(models.TextChoices):
        URBAN = "urban", _("Urban")
        RURAL = "rural", _("Rural")

    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.PERSON
    )
    name = models.CharField(_("name"), max_length=200)
    search_name = models.CharField(max_length=200, editable=False, db_index=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    segment = models.CharField(
        _("segment"), max_length=20, choices=Segment.choices, default=Segment.NEW
    )
    preferred_channel = models.CharField(
        _("preferred channel"),
        max_length=20,
        choices=ContactChannel.choices,
        default=ContactChannel.PHONE,
    )
    quiet_hours_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    region = models.CharField(
        _("area"),
        max_length=10,
        choices=Region.choices,
        default=Region.URBAN,
        help_text=_("Decides the on-site commitment (urban or rural)."),
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("serving unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        help_text=_("The branch that serves the customer; empty: the whole company."),
    )
    consent_service = models.BooleanField(
        _("consents to service contact"), default=True
    )
    consent_service_at = models.DateTimeField(null=True, blank=True, editable=False)
    consent_marketing = models.BooleanField(_("consents to marketing"), default=False)
    consent_marketing_at = models.DateTimeField(null=True, blank=True, editable=False)
    tags = models.ManyToManyField(
        Tag, verbose_name=_("tags"), blank=True, related_name="customers"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, default=""
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        editable=False,
    )
    anonymised_at = models.DateTimeField(
        _("anonymised"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    last_activity_at = models.DateTimeField(
        _("last activity"), null=True, blank=True, editable=False, db_index=True
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["search_name", "pk"]
        indexes = [
            # The search by e-mail is case-insensitive (iexact: UPPER(email) = UPPER(%s)).
            models.Index(Upper("email"), name="customer_email_upper_idx"),
        ]
        constraints = [
            # Empty external ids are many; a given one is unique (import idempotency).
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="customer_unique_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Keep the normalised search column of the row in step with the name."""
        self.search_name = self.name.casefold().strip()
        if (
            kwargs.get("update_fields") is not None
            and "name" in kwargs["update_fields"]
        ):
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("customers:customer-detail", args=[self.pk])

    @property
    def is_anonymised(self) -> bool:
        """Whether personal data was removed (PIPL request or retention)."""
        return self.anonymised_at is not None


class CustomerPhone(models.Model):
    """A phone number of a customer, normalised to E.164 for search in any format."""

    class Kind(models.TextChoices):
        MOBILE = "mobile", _("Mobile")
        FIXED = "fixed", _("Landline")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(_("number (E.164)"), max_length=20, db_index=True)
    national = models.CharField(max_length=20, db_index=True, editable=False)
    kind = models.CharField(
        _("kind"), max_length=10, choices=Kind.choices, default=Kind.MOBILE
    )
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        ordering = ["-is_primary", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "number"], name="phone_unique_per_customer"
            )
        ]

    def __str__(self) -> str:
        return self.number


class ConsentChange(models.Model):
    """A change of a customer's consent (PIPL): what, granted or withdrawn, when, by whom."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("Service contact")
        MARKETING = "marketing", _("Marketing")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="consent_changes"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    granted = models.BooleanField()
    at = models.DateTimeField(db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("consent change")
        verbose_name_plural = _("consent changes")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.granted}"


class Party(models.Model):
    """The other side of recourse and supply: producer, supplier, seller, carrier, installer,
    service provider."""

    class Kind(models.TextChoices):
        PRODUCER = "producer", _("Producer")
        SUPPLIER = "supplier", _("Supplier")
        SELLER = "seller", _("Seller")
        CARRIER = "carrier", _("Carrier")
        INSTALLER = "installer", _("Installer")
        SERVICE_PROVIDER = "service_provider", _("Service provider")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, default=""
    )

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "kind"], name="party_unique_name_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:party-list") + f"#party-{self.pk}"


class ProductModel(models.Model):
    """A product model: the category is the key into the legal rule sets' validity periods."""

    producer = models.ForeignKey(
        Party,
        verbose_name=_("producer"),
        on_delete=models.PROTECT,
        related_name="product_models",
        limit_choices_to={"kind": Party.Kind.PRODUCER},
    )
    code = models.CharField(_("model code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(
        _("category"),
        max_length=50,
        db_index=True,
        help_text=_(
            "e.g. tv, refrigerator, washing_machine, air_conditioner, computer, vehicle."
        ),
    )
    launch_date = models.DateField(_("launched"), null=True, blank=True)
    end_of_life_date = models.DateField(_("end of life"), null=True, blank=True)
    main_components = models.JSONField(
        _("main components"),
        default=list,
        blank=True,
        help_text=_(
            "Names of the main components with their own validity (e.g. compressor)."
        ),
    )
    maintenance_interval_months = models.PositiveSmallIntegerField(
        _("maintenance every (months)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class OwnedProduct(models.Model):
    """A product a customer owns (the installed base). Validity start and ends are computed
    by `customers.validity` from the dates and validity events and stored for
    querying; they are never typed in."""

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="products",
    )
    model = models.ForeignKey(
        ProductModel,
        verbose_name=_("model"),
        on_delete=models.PROTECT,
        related_name="units",
    )
    serial = models.CharField(_("serial number"), max_length=100, db_index=True)
    seller = models.ForeignKey(
        Party,
        verbose_name=_("seller"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sold_products",
    )
    # Who delivered and who installed it: the liable parties of transport and installation
    # damage, against whom recourse runs (domain §6).
    carrier = models.ForeignKey(
        Party,
        verbose_name=_("carrier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delivered_products",
    )
    installer = models.ForeignKey(
        Party,
        verbose_name=_("installer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="installed_products",
    )
    sale_date = models.DateField(_("sale / invoice date"))
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    installation_date = models.DateField(_("installation date"), null=True, blank=True)
    invoice_number = models.CharField(
        _("invoice number"), max_length=50, blank=True, db_index=True
    )
    invoice_price = models.DecimalField(
        _("invoice price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    price_paid = models.DecimalField(
        _("price paid"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    is_distance_sale = models.BooleanField(
        _("distance sale (online, phone)"), default=False
    )
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, default=""
    )
    legal_rule_set = models.CharField(max_length=60, blank=True, editable=False)
    validity_start = models.DateField(_("validity start"), null=True, editable=False)
    validity_end = models.DateField(
        _("validity end"), null=True, editable=False, db_index=True
    )
    main_validity_end = models.DateField(
        _("main components validity end"), null=True, editable=False, db_index=True
    )
    component_validity = models.JSONField(default=dict, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("owned product")
        verbose_name_plural = _("owned products")
        ordering = ["-sale_date", "-pk"]
        # The products in service at a day (the complaint rate's denominator).
        indexes = [
            models.Index(
                fields=["delivery_date", "model"], name="ownedproduct_delivery_idx"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "serial"], name="ownedproduct_unique_serial"
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="ownedproduct_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model.code} #{self.serial}"

    def get_absolute_url(self) -> str:
        return reverse("customers:product-detail", args=[self.pk])


class ValidityEvent(models.Model):
    """An event that changes a product's validity: repair days and parts-wait days extend it,
    an exchange restarts it (domain §4). Written by tickets through archive services."""

    class Kind(models.TextChoices):
        REPAIR_DAYS = "repair_days", _("Days in repair")
        PARTS_WAIT_DAYS = "parts_wait_days", _("Days waiting for parts")
        EXCHANGE = "exchange", _("Exchanged")

    product = models.ForeignKey(
        OwnedProduct, on_delete=models.CASCADE, related_name="validity_events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    on = models.DateField(_("date"))
    days = models.PositiveIntegerField(_("days"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("validity event")
        verbose_name_plural = _("validity events")
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"


class Contact(models.Model):
    """One inbound or outbound contact with a customer (domain §5, "record every problem").
    A contact without a disposition at day end counts in the omission rate."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        COUNTER = "counter", _("Counter")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat")
        PORTAL = "portal", _("Portal")
        VISIT = "visit", _("Visit")

    class Disposition(models.TextChoices):
        ANSWERED = "answered", _("Answered on the spot")
        TICKET_CREATED = "ticket_created", _("Case created")
        LINKED = "linked", _("Linked to a case")
        HANDED_OVER = "handed_over", _("Handed over")

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=Direction.choices,
        default=Direction.INBOUND,
    )
    at = models.DateTimeField(_("time"), db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts_received",
    )
    summary = models.TextField(_("summary"))
    disposition = models.CharField(
        _("disposition"),
        max_length=20,
        choices=Disposition.choices,
        blank=True,
        db_index=True,
    )
    reference = models.CharField(
        _("case reference"),
        max_length=50,
        blank=True,
        help_text=_("The case number, if any."),
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.at:%Y-%m-%d %H:%M}"


class ArchiveAccess(models.Model):
    """Who looked at personal data, what and how much, and when (PIPL access log): one
    archive viewed, its timeline read, exported, anonymised or merged (`customer` set),
    or a list or search of archives (`customer` empty, `what` the query, `count` the
    archives shown)."""

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        TIMELINE = "timeline", _("Timeline read")
        EXPORT = "export", _("Exported")
        ANONYMISE = "anonymise", _("Anonymised")
        MERGE = "merge", _("Merged")
        LIST = "list", _("Listed")
        SEARCH = "search", _("Searched")

    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="accesses",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(
        max_length=20, choices=Action.choices, default=Action.VIEW
    )
    what = models.CharField(_("what"), max_length=300, blank=True)
    count = models.PositiveIntegerField(_("archives"), default=1)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("archive access")
        verbose_name_plural = _("archive accesses")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="archive_access_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.customer_id}"


class ImportJob(models.Model):
    """An import of customers or owned products from CSV/XLSX: previewed (validated, nothing
    written), then queued and run in the background; all valid rows or nothing."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        PRODUCTS = "products", _("Owned products")

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=200)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.PREVIEWED,
        editable=False,
    )
    total_rows = models.PositiveIntegerField(default=0, editable=False)
    valid_rows = models.PositiveIntegerField(default=0, editable=False)
    processed_rows = models.PositiveIntegerField(default=0, editable=False)
    created_rows = models.PositiveIntegerField(default=0, editable=False)
    updated_rows = models.PositiveIntegerField(default=0, editable=False)
    errors = models.JSONField(default=list, editable=False)
    message = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Written every few seconds by the worker running the import: a job whose heartbeat
    # stopped had its worker die, and fails within minutes.
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("customers:import-detail", args=[self.pk])

    @property
    def percent(self) -> int:
        """Progress in percent (of the valid rows)."""
        if self.status == self.Status.DONE:
            return 100
        return (
            int(100 * self.processed_rows / self.valid_rows) if self.valid_rows else 0
        )
