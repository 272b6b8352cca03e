"""Cinema apps declare themselves (API classes and old names, staff permissions, beat entries) from
their AppConfig through the core's small hook; the core names none of them."""
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission

from tvmiddleware.plugin_apps import add_beat_entries
from tvmiddleware.services import staff

CORE_STAFF = Path(staff.__file__).read_text(encoding="utf-8")


def test_the_core_names_no_cinema_app():
    for name in ("megogo", "tvzavr", "cinema_start", "cinema_premier", "svod_partners"):
        assert f'"{name}"' not in CORE_STAFF


def test_cinema_apps_registered_their_screens_for_operator_staff():
    labels = staff.operator_app_labels()
    assert {"megogo", "tvzavr", "cinema_start", "cinema_premier"} <= set(labels)
    assert {"tvmiddleware", "billing"} <= set(labels)


def test_staff_get_the_permissions_of_a_cinema_apps_models(db):
    group = staff.operator_group()
    codenames = set(group.permissions.filter(content_type__app_label="cinema_start").values_list("codename",
                                                                                                  flat=True))
    assert {"view_startgenremap", "change_startgenremap", "add_startgenremap",
            "view_startdevicestatistics", "change_startdevicestatistics"} <= codenames
    assert group.permissions.filter(content_type__app_label="megogo", codename="change_genremapping").exists()


def test_read_only_models_declared_by_a_plugin_are_view_only(db):
    staff.register_operator_app("cinema_start", read_only_models=["StartDeviceStatistics"])
    try:
        group = staff.operator_group()
        perms = set(group.permissions.filter(content_type__app_label="cinema_start").values_list("codename",
                                                                                                  flat=True))
        assert "view_startdevicestatistics" in perms and "change_startdevicestatistics" not in perms
        assert "change_startgenremap" in perms
    finally:
        staff.register_operator_app("cinema_start")
    assert Permission.objects.filter(codename="change_startdevicestatistics").exists()


def test_megogo_declares_its_beat_entry():
    entry = settings.CELERY_BEAT_SCHEDULE["megogo-sync-content"]
    assert entry["task"] == "megogo.tasks.sync_all" and entry["schedule"] == 6 * 3600.0
    base = (Path(settings.BASE_DIR) / "settings" / "base.py").read_text(encoding="utf-8")
    assert "megogo.tasks" not in base


def test_an_entry_in_the_settings_wins_over_the_apps(settings):
    settings.CELERY_BEAT_SCHEDULE = {"megogo-sync-content": {"task": "megogo.tasks.sync_all", "schedule": 60.0}}
    add_beat_entries({"megogo-sync-content": {"task": "megogo.tasks.sync_all", "schedule": 6 * 3600.0},
                      "other": {"task": "x", "schedule": 1.0}})
    assert settings.CELERY_BEAT_SCHEDULE["megogo-sync-content"]["schedule"] == 60.0
    assert settings.CELERY_BEAT_SCHEDULE["other"]["task"] == "x"
