"""The VOD catalogue: videos (films, series, packages), their files, people, genres and selections."""
from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from .base import TenantModel, Timestamped


class Genre(TenantModel):
    name = models.CharField(max_length=100)
    ext_id = models.CharField(max_length=128, blank=True, default="")
    sort = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


class PersonType(models.TextChoices):
    ACTOR = "actor", "Actor"
    DIRECTOR = "director", "Director"


class Actor(TenantModel):
    """A person credited in videos (actor or director)."""

    name = models.CharField(max_length=200)
    name_orig = models.CharField(max_length=200, blank=True, default="")
    type = models.CharField(max_length=16, choices=PersonType.choices, default=PersonType.ACTOR)
    photo = models.ImageField(upload_to="actors/", blank=True)
    country = models.CharField(max_length=100, blank=True, default="")
    gender = models.CharField(max_length=16, blank=True, default="")
    birthdate = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True, default="")
    ext_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PriceCategory(models.TextChoices):
    """How a subscriber gets a title: by a tariff, by buying/renting it, or free."""

    SUBSCRIPTION = "subscription", "Subscription (opened by tariffs)"
    PURCHASE = "purchase", "Purchase or rent"
    FREE = "free", "Free"


class Video(TenantModel, Timestamped):
    """A catalogue title: a film, a series (with seasons and episodes) or a package of videos.

    Titles fed by an online cinema carry `external_system` and its `ext_id`; `available` turns off
    when the title leaves the partner's catalogue (it is kept for purchases and history).
    """

    name = models.CharField(max_length=300)
    name_orig = models.CharField(max_length=300, blank=True, default="")
    description = models.TextField(blank=True, default="")
    short_description = models.CharField(max_length=500, blank=True, default="")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    countries = models.CharField(max_length=300, blank=True, default="", help_text="Comma separated.")
    language = models.CharField(max_length=64, blank=True, default="")
    duration = models.PositiveIntegerField(default=0, help_text="Minutes.")
    age_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    is_parent_control = models.BooleanField(default=False)
    is_series = models.BooleanField(default=False)
    is_package = models.BooleanField(default=False)
    is_4k = models.BooleanField(default=False)
    kinopoisk_rating = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    imdb_rating = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    customers_rating = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True, editable=False,
        help_text="Average of the subscribers' ratings (1-10), kept by the rating service.")
    customers_rating_count = models.PositiveIntegerField(default=0, editable=False)
    director = models.CharField(max_length=300, blank=True, default="")
    genres = models.ManyToManyField(Genre, related_name="videos", blank=True)
    actors = models.ManyToManyField(Actor, related_name="videos", blank=True)
    cover = models.ImageField(upload_to="covers/", blank=True)
    cover_url = models.URLField(max_length=500, blank=True, default="", help_text="Original cover address.")
    package_videos = models.ManyToManyField("self", symmetrical=False, related_name="packages", blank=True)

    price_category = models.CharField(max_length=16, choices=PriceCategory.choices, default=PriceCategory.SUBSCRIPTION)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"),
                                help_text="Purchase price (purchase category).")
    rent_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    rent_hours = models.PositiveIntegerField(default=48, help_text="How long a rental lasts.")
    tariffs = models.ManyToManyField("tvmiddleware.Tariff", related_name="videos", blank=True)

    external_system = models.ForeignKey("tvmiddleware.ExternalSystem", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="videos")
    ext_id = models.CharField(max_length=128, blank=True, default="")
    available = models.BooleanField(default=True)
    sort = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "external_system", "ext_id"],
                condition=~Q(ext_id=""),
                name="video_unique_ext_id_per_source",
                violation_error_message="A video with this ext_id already exists for this source.",
            ),
            models.UniqueConstraint(
                fields=["client", "ext_id"],
                condition=~Q(ext_id="") & Q(external_system__isnull=True),
                name="video_unique_local_ext_id",
                violation_error_message="A video with this ext_id already exists.",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="video_price_not_negative"),
        ]
        indexes = [models.Index(fields=["client", "available", "name"])]

    def __str__(self) -> str:
        return self.name


class Season(TenantModel):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="seasons")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=300, blank=True, default="")
    ext_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        ordering = ["video", "number"]
        constraints = [models.UniqueConstraint(fields=["video", "number"], name="season_unique_number")]

    def __str__(self) -> str:
        return self.name or f"Season {self.number}"


class Episode(TenantModel):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="episodes")
    season = models.ForeignKey(Season, null=True, blank=True, on_delete=models.CASCADE, related_name="episodes")
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=300, blank=True, default="")
    description = models.TextField(blank=True, default="")
    duration = models.PositiveIntegerField(default=0, help_text="Minutes.")
    ext_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        ordering = ["video", "season__number", "number"]
        constraints = [
            models.UniqueConstraint(fields=["video", "season", "number"], name="episode_unique_number"),
        ]

    def __str__(self) -> str:
        return self.name or f"Episode {self.number}"


class VideoFile(TenantModel):
    """A playable file of a video or of one episode, served by a VOD stream service."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="files")
    episode = models.ForeignKey(Episode, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=500, help_text="Path on the VOD server ($file).")
    quality = models.PositiveSmallIntegerField(default=720, help_text="Vertical resolution.")
    duration = models.PositiveIntegerField(default=0, help_text="Seconds.")
    language = models.CharField(max_length=64, blank=True, default="")
    stream_service = models.ForeignKey("tvmiddleware.StreamService", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    ext_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        ordering = ["video", "episode", "-quality"]

    def __str__(self) -> str:
        return self.path


class Selection(TenantModel):
    """A curated shelf of videos ("New", "Top 10", a partner's collection)."""

    name = models.CharField(max_length=200)
    ext_id = models.CharField(max_length=128, blank=True, default="")
    external_system = models.ForeignKey("tvmiddleware.ExternalSystem", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="selections")
    enabled = models.BooleanField(default=True)
    sort = models.IntegerField(default=0)
    videos = models.ManyToManyField(Video, through="SelectionItem", related_name="selections", blank=True)

    class Meta:
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


class SelectionItem(models.Model):
    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="items")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+")
    sort = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort", "id"]
        constraints = [models.UniqueConstraint(fields=["selection", "video"], name="selectionitem_unique")]


class PurchaseKind(models.TextChoices):
    BUY = "buy", "Bought"
    RENT = "rent", "Rented"


class VideoPurchase(TenantModel):
    """A title a customer bought (forever) or rented (until `expires_at`), paid by a ledger row."""

    customer = models.ForeignKey("tvmiddleware.Customer", on_delete=models.CASCADE, related_name="purchases")
    video = models.ForeignKey(Video, on_delete=models.PROTECT, related_name="purchases")
    kind = models.CharField(max_length=8, choices=PurchaseKind.choices)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    transaction = models.OneToOneField("billing.CustomerTransaction", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="purchase")
    external_system = models.ForeignKey("tvmiddleware.ExternalSystem", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["customer", "video"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.video}"
