"""Organisations, the people in them, their roles, and personal API tokens."""

import hashlib
import secrets

from django.contrib import auth
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skala.orgs.identifiers import normalise_orgnr
from skala.reference.models import Country, Municipality


class UserManager(BaseUserManager):
    """Users log in with their e-mail address."""

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        """Create a person; without a password they must set one through a reset link."""
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        """Create a member of staff with every permission."""
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in to Skala."""

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    is_facilitator = models.BooleanField(
        _("facilitator"),
        default=False,
        help_text=_("Facilitators run programmes across many organisations and may read their portfolios."),
    )
    is_staff = models.BooleanField(
        _("staff"), default=False, help_text=_("Staff may use the administration pages.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    email_verified_at = models.DateTimeField(
        _("e-mail address confirmed"),
        null=True,
        blank=True,
        help_text=_("When the person followed a link sent to the address, proving it is theirs."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def save(self, *args, **kwargs) -> None:
        """A changed address is unconfirmed until a link sent to it is followed."""
        update_fields = kwargs.get("update_fields")
        if self.pk and self.email_verified_at and (update_fields is None or "email" in update_fields):
            stored = User.objects.filter(pk=self.pk).values_list("email", flat=True).first()
            if stored is not None and stored != self.email:
                self.email_verified_at = None
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "email_verified_at"}
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.name or self.email

    def has_perm(self, perm, obj=None) -> bool:
        """Skala's object rules answer for superusers too, so that what is confidential stays so.

        Django lets an active superuser pass every check. Skala's rules (skala/orgs/permissions.py)
        already give staff what staff may have, through has_role; where a rule leaves staff out on
        purpose (holds: a supplier's dialogue input, a proposal between two parties), a superuser must
        be left out too. Checks without an object (the admin's) stay Django's.
        """
        from skala.orgs.permissions import RULES

        if obj is None or perm not in RULES or not self.is_active:
            return super().has_perm(perm, obj)
        for backend in auth.get_backends():
            try:
                if hasattr(backend, "has_perm") and backend.has_perm(self, perm, obj):
                    return True
            except PermissionDenied:
                return False
        return False

    def get_short_name(self) -> str:
        return (self.name or self.email).split()[0]


class OrganisationKind(models.TextChoices):
    """What sort of organisation this is; the first four are public buyers."""

    MUNICIPALITY = "municipality", _("Municipality")
    COUNTY = "county", _("County")
    STATE_AGENCY = "state_agency", _("State agency")
    OTHER_PUBLIC = "other_public", _("Other public body")
    SUPPLIER = "supplier", _("Supplier")
    ACADEMIA = "academia", _("Academia")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    FACILITATOR = "facilitator", _("Facilitator")


PUBLIC_BUYER_KINDS = frozenset(
    {
        OrganisationKind.MUNICIPALITY,
        OrganisationKind.COUNTY,
        OrganisationKind.STATE_AGENCY,
        OrganisationKind.OTHER_PUBLIC,
    }
)


class OrganisationUnit(models.TextChoices):
    """Where in its owner's hierarchy a unit sits: Oslo kommune → agency → procurement office."""

    ORGANISATION = "organisation", _("Organisation")
    AGENCY = "agency", _("Agency or department")
    PROCUREMENT_OFFICE = "procurement_office", _("Procurement office")


class OrganisationQuerySet(models.QuerySet):
    def public_buyers(self) -> "OrganisationQuerySet":
        """Municipalities, counties, state agencies and other public bodies, with their units."""
        return self.filter(kind__in=PUBLIC_BUYER_KINDS)

    def suppliers(self) -> "OrganisationQuerySet":
        return self.filter(kind=OrganisationKind.SUPPLIER)

    def public_side(self) -> "OrganisationQuerySet":
        """Everyone but suppliers: the buyers and the bodies that work with them (research,
        civil society, facilitators), who own pilots and key figures."""
        return self.exclude(kind=OrganisationKind.SUPPLIER)


class Organisation(models.Model):
    """A buyer, supplier, research body, civil-society body or facilitator, or a unit of one."""

    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    unit = models.CharField(
        _("unit"),
        max_length=20,
        choices=OrganisationUnit.choices,
        default=OrganisationUnit.ORGANISATION,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default=Country.NORWAY)
    orgnr = models.CharField(
        _("organisation number"),
        max_length=20,
        blank=True,
        help_text=_("Norway: nine digits (organisasjonsnummer). Sweden: ten digits (organisationsnummer)."),
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Made up for demonstration; not a real record.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "orgnr"],
                condition=~Q(orgnr=""),
                name="organisation_unique_orgnr",
            )
        ]
        indexes = [models.Index(fields=["kind", "country"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public_buyer(self) -> bool:
        return self.kind in PUBLIC_BUYER_KINDS

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.orgnr:
            try:
                self.orgnr = normalise_orgnr(self.country, self.orgnr)
            except ValidationError as error:
                errors["orgnr"] = error.error_list
        if self.municipality_id and self.municipality.country != self.country:
            errors["municipality"] = [_("The municipality is not in the organisation's country.")]
        if self.parent_id:
            if self.unit == OrganisationUnit.ORGANISATION:
                errors["unit"] = [
                    _("A unit that is part of another organisation must be an agency or an office.")
                ]
            if self.pk and self.pk in {a.pk for a in self.parent.ancestors(include_self=True)}:
                errors["parent"] = [_("An organisation cannot be part of itself.")]
        if errors:
            raise ValidationError(errors)

    def ancestors(self, include_self: bool = False) -> list["Organisation"]:
        """This organisation's parents, nearest first."""
        chain, node = ([self] if include_self else []), self.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain

    def top(self) -> "Organisation":
        """The legal entity at the top of the hierarchy."""
        chain = self.ancestors(include_self=True)
        return chain[-1]


class Role(models.TextChoices):
    """What a person may do in an organisation; each role includes those before it."""

    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    ADMIN = "admin", _("Administrator")


ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}


class Membership(models.Model):
    """A person's role in an organisation; it holds in the organisation's units too."""

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"

    def clean(self) -> None:
        # Staff read routing, not content; a role would open proposals and dialogue input to them.
        if self.user_id and self.user.is_staff:
            raise ValidationError({"user": _("Staff accounts hold no roles in organisations.")})


TOKEN_PREFIX = "skala_"


def token_digest(token: str) -> str:
    """Tokens are stored only as their SHA-256 digest, so a leaked database leaks no token."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> "ApiTokenQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal token an integration uses to act as its person through the API."""

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. 'ERP export'.")
    )
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple["ApiToken", str]:
        """Create a token and return it with its secret, which is shown to the person once."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            digest=token_digest(secret),
        )
        return token, secret

    @classmethod
    def authenticate(cls, secret: str) -> User | None:
        """The person a secret belongs to, if it is active; records when it was last used."""
        token = cls.objects.active().select_related("user").filter(digest=token_digest(secret)).first()
        if token is None:
            return None
        cls.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user

    def revoke(self) -> None:
        """Stop the token working; it stays listed so its use can be traced."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class RegistryEntryQuerySet(models.QuerySet):
    def startups(self) -> "RegistryEntryQuerySet":
        """Units young enough to count as startups on the day they were last imported."""
        return self.filter(is_startup=True)

    def smes(self) -> "RegistryEntryQuerySet":
        """Small and medium-sized enterprises: fewer employees than the SME limit."""
        return self.filter(is_sme=True)


class RegistryEntry(models.Model):
    """One unit of Enhetsregisteret, the Norwegian register of legal entities, as last imported.

    The flags is_startup and is_sme are derived when the unit is imported; skala/orgs/brreg.py states
    the rule and the settings that tune it.
    """

    orgnr = models.CharField(_("organisation number"), max_length=9, primary_key=True)
    name = models.CharField(_("name"), max_length=500)
    org_form_code = models.CharField(
        _("organisation form"), max_length=10, blank=True, help_text=_("As AS, ENK or NUF.")
    )
    org_form_description = models.CharField(_("organisation form (description)"), max_length=200, blank=True)
    nace_code = models.CharField(
        _("industry code"), max_length=10, blank=True, help_text=_("The first NACE code (næringskode 1).")
    )
    nace_description = models.CharField(_("industry (description)"), max_length=300, blank=True)
    registered_on = models.DateField(_("registered in Enhetsregisteret"), null=True, blank=True)
    founded_on = models.DateField(_("founded"), null=True, blank=True)
    employees = models.PositiveIntegerField(
        _("employees"),
        null=True,
        blank=True,
        help_text=_("The register leaves the number out when it is below five."),
    )
    has_registered_employees = models.BooleanField(_("has registered employees"), null=True, blank=True)
    municipality_number = models.CharField(
        _("municipality number"), max_length=4, blank=True, help_text=_("Of the business address.")
    )
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    town = models.CharField(_("town"), max_length=100, blank=True)
    website = models.CharField(_("website"), max_length=500, blank=True)
    bankrupt = models.BooleanField(_("bankrupt"), default=False)
    under_liquidation = models.BooleanField(_("under liquidation"), default=False)
    forced_dissolution = models.BooleanField(_("under forced liquidation or dissolution"), default=False)
    is_startup = models.BooleanField(_("startup"), default=False, db_index=True)
    is_sme = models.BooleanField(_("SME"), default=False, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RegistryEntryQuerySet.as_manager()

    class Meta:
        ordering = ["orgnr"]
        verbose_name = _("Enhetsregisteret entry")
        verbose_name_plural = _("Enhetsregisteret entries")

    def __str__(self) -> str:
        return f"{self.name} ({self.orgnr})"
