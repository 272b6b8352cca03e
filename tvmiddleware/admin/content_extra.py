"""What the Content and Streaming APIs added beside the catalogue and the line-up: radio stations,
maintenance windows of the video servers, archive blocks of programmes, and (as an inline of the
video file page) the fragments players offer to skip.

New radio stations are made by `radio_create` (it puts them last) and deleted by `radio_delete`;
new archive blocks are made by `program_blocking_create` (it sets the programme's `is_blocked`).
Maintenance windows, skip fragments and edits of stations and blocks are plain saves: the services
there are shaped for the APIs (channels named by stream prefix, "None = unchanged"), and the forms
check the same rules. The `*Extra` rows are API bookkeeping and are not shown in the panel.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from tvmiddleware.models import (
    Channel, EpgProgram, MaintenanceWindow, ProgramBlocking, RadioStation, SkipVideoFragment,
)
from tvmiddleware.services import catalogue

from .base import ServiceDeleteMixin, TenantAdmin, TenantModelForm, TenantTabularInline, adopt_saved_row

MAX_LISTED_CHANNELS = 5


def _holds(starts_at: datetime | None, ends_at: datetime | None, now: datetime) -> bool:
    """Is a period [starts_at, ends_at) on at `now`? No start = since ever, no end = until further notice."""
    return (starts_at is None or starts_at <= now) and (ends_at is None or ends_at > now)


# --- radio ----------------------------------------------------------------------------------------------

RADIO_SERVICE_FIELDS = ["enabled", "uri", "description", "radio_channel", "logo"]  # catalogue.RADIO_FIELDS


class RadioStationForm(TenantModelForm):
    class Meta:
        model = RadioStation
        fields = "__all__"
        labels = {"data": "Localized names and descriptions (JSON)"}

    def clean_data(self) -> dict[str, Any]:
        return self.cleaned_data.get("data") or {}  # an emptied box means no localized texts

    def clean_radio_channel(self) -> int | None:
        channel_id = self.cleaned_data.get("radio_channel")
        client_id = self.row_client_id()
        if channel_id and client_id is not None and not Channel.objects.for_client(client_id).filter(
                pk=channel_id).exists():
            raise forms.ValidationError("No channel of the operator has this id.")
        return channel_id


@admin.register(RadioStation)
class RadioStationAdmin(ServiceDeleteMixin, TenantAdmin):
    """Internet radio stations; a subscriber hears one when a tariff of theirs opens it.
    A new station goes last in the list; reorder with `sort` afterwards."""

    form = RadioStationForm
    list_display = ["name", "enabled", "uri", "radio_channel", "sort", "tariff_count"]
    list_filter = ["enabled", "tariffs"]
    search_fields = ["name", "uri"]
    filter_horizontal = ["tariffs"]
    fields = ["name", "enabled", "uri", "description", "logo", "radio_channel", "tariffs", "data", "sort",
              "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]

    def get_fields(self, request: HttpRequest, obj: RadioStation | None = None) -> list[Any]:
        fields = super().get_fields(request, obj)
        # `radio_create` numbers a new station itself (last in the list).
        return fields if obj is not None else [f for f in fields if f not in ("sort", "created_at", "updated_at")]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(tariffs_total=Count("tariffs"))

    @admin.display(description="tariffs", ordering="tariffs_total")
    def tariff_count(self, obj: RadioStation) -> int:
        return getattr(obj, "tariffs_total", 0)

    def save_model(self, request: HttpRequest, obj: RadioStation, form: TenantModelForm, change: bool) -> None:
        if change:  # no service edits a station
            return super().save_model(request, obj, form, change)
        self.assign_client(request, obj)
        data = form.cleaned_data
        station = catalogue.radio_create(
            client=obj.client, name=data["name"], tariffs=list(data.get("tariffs") or []),
            localized=data.get("data") or {}, **{name: data[name] for name in RADIO_SERVICE_FIELDS if name in data},
        )
        adopt_saved_row(obj, station)

    def delete_row(self, obj: RadioStation) -> None:
        catalogue.radio_delete(station=obj)


# --- maintenance windows --------------------------------------------------------------------------------

class MaintenanceStateFilter(admin.SimpleListFilter):
    """Windows on now, still to come, or over."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("on", "On now"), ("upcoming", "Upcoming"), ("over", "Over")]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        now = timezone.now()
        not_over = Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        if self.value() == "on":
            return queryset.filter(not_over, starts_at__lte=now)
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "over":
            return queryset.filter(ends_at__lte=now)
        return queryset


class MaintenanceWindowForm(TenantModelForm):
    """The end, when known, is after the start (as `maintenance_create` checks it)."""

    class Meta:
        model = MaintenanceWindow
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "Maintenance ends after it begins.")
        return data


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(TenantAdmin):
    """Planned works on the video servers of some channels. While a window is on, apps get no stream
    URLs of its channels and are told until when the works last (no end = until further notice).
    Saved as they are: the Streaming API's services name channels by stream prefix."""

    form = MaintenanceWindowForm
    list_display = ["__str__", "starts_at", "ends_at", "on_now", "channel_names", "short_comment"]
    list_filter = [MaintenanceStateFilter]
    search_fields = ["comment", "channels__name", "channels__url_prefix"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["channels"]
    fields = ["starts_at", "ends_at", "channels", "comment", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("channels")

    @admin.display(description="on now", boolean=True)
    def on_now(self, obj: MaintenanceWindow) -> bool:
        return _holds(obj.starts_at, obj.ends_at, timezone.now())

    @admin.display(description="channels")
    def channel_names(self, obj: MaintenanceWindow) -> str:
        names = sorted(channel.name for channel in obj.channels.all())  # prefetched
        shown = ", ".join(names[:MAX_LISTED_CHANNELS])
        return shown + (f" … (+{len(names) - MAX_LISTED_CHANNELS})" if len(names) > MAX_LISTED_CHANNELS else "")

    @admin.display(description="comment")
    def short_comment(self, obj: MaintenanceWindow) -> str:
        return obj.comment if len(obj.comment) <= 60 else obj.comment[:59] + "…"


# --- archive blocks of programmes -----------------------------------------------------------------------

class ProgramBlockingForm(TenantModelForm):
    """A new block lasts `days` days (as the Content API's `end_date`) or for good; an existing
    one's end is edited as a date and time."""

    days = forms.IntegerField(min_value=1, max_value=36_500, required=False,
                              help_text="How many days the recording stays withdrawn; empty = for good.")

    class Meta:
        model = ProgramBlocking
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["days"]  # a declared field: the admin's field list does not drop it


@admin.register(ProgramBlocking)
class ProgramBlockingAdmin(ServiceDeleteMixin, TenantAdmin):
    """Programmes whose recording the operator withdrew from the archive, maybe for a time.
    Deleting a block opens the recording again unless another block of the programme still holds."""

    form = ProgramBlockingForm
    list_display = ["id", "program", "channel", "expires_at", "holds", "archive_blocked", "created_at"]
    list_display_links = ["id", "program"]
    list_select_related = ["program", "program__epg_channel"]
    search_fields = ["program__name", "program__epg_channel__name"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["program"]
    fields = ["program", "days", "expires_at", "created_at"]

    def get_fields(self, request: HttpRequest, obj: ProgramBlocking | None = None) -> list[Any]:
        hidden = ("expires_at", "created_at") if obj is None else ("days",)
        return [f for f in super().get_fields(request, obj) if f not in hidden]

    def get_readonly_fields(self, request: HttpRequest, obj: ProgramBlocking | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        # Another programme is another block: the old programme's flag would stay set.
        return readonly + (["program", "created_at"] if obj is not None else [])

    @admin.display(description="channel", ordering="program__epg_channel__name")
    def channel(self, obj: ProgramBlocking) -> str:
        return obj.program.epg_channel.name

    @admin.display(description="holds now", boolean=True)
    def holds(self, obj: ProgramBlocking) -> bool:
        return _holds(None, obj.expires_at, timezone.now())

    @admin.display(description="archive blocked", boolean=True, ordering="program__is_blocked")
    def archive_blocked(self, obj: ProgramBlocking) -> bool:
        return obj.program.is_blocked

    def save_model(self, request: HttpRequest, obj: ProgramBlocking, form: ProgramBlockingForm, change: bool) -> None:
        if change:  # only the end changes; no service edits a block
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        blocking = catalogue.program_blocking_create(program=data["program"], days=data.get("days"))
        adopt_saved_row(obj, blocking)

    @transaction.atomic
    def delete_row(self, obj: ProgramBlocking) -> None:
        # No service deletes a block: this is `program_blockings_expire`'s rule for one programme
        # (it stays blocked while another of its blocks holds), without touching other rows.
        program_id = obj.program_id
        EpgProgram.objects.select_for_update().filter(pk=program_id).first()  # serialise with other deletes
        obj.delete()
        now = timezone.now()
        holding = ProgramBlocking.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now),
                                                 program_id=program_id)
        if not holding.exists():
            EpgProgram.objects.filter(pk=program_id, is_blocked=True).update(is_blocked=False)


# --- skip fragments (inline of the video file page) -----------------------------------------------------

class SkipVideoFragmentForm(TenantModelForm):
    """A fragment starts at 0 s or later and ends after it begins (as `skip_fragment_create` checks)."""

    class Meta:
        model = SkipVideoFragment
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        begin, end = data.get("begin_time"), data.get("end_time")
        if begin is not None and begin < 0:
            self.add_error("begin_time", "A fragment starts at 0 s or later.")
        elif begin is not None and end is not None and end <= begin:
            self.add_error("end_time", "A fragment ends after it begins.")
        return data


class SkipVideoFragmentInline(TenantTabularInline):
    """Stretches of the file (seconds, to the millisecond) the player offers to skip: intro, recap,
    credits, ads. Saved as they are; the Content API writes them through `skip_fragment_*`."""

    model = SkipVideoFragment
    form = SkipVideoFragmentForm
    fields = ["type", "begin_time", "end_time"]
    verbose_name = "fragment to skip"
    verbose_name_plural = "fragments to skip"
