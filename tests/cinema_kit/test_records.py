"""The kit's one duration unit: records carry seconds; the library keeps minutes."""
from cinema_kit.feeds import title_from_item
from cinema_kit.records import minutes_from_seconds, seconds_from_minutes
from tvzavr.catalogue import title_from_clip


def test_conversions_at_the_edges():
    assert seconds_from_minutes(95) == 5700 and seconds_from_minutes(None) == 0 and seconds_from_minutes("x") == 0
    assert minutes_from_seconds(5700) == 95 and minutes_from_seconds(89) == 1 and minutes_from_seconds(29) == 0
    assert minutes_from_seconds(None) == 0 and minutes_from_seconds(-60) == 0


def test_partners_in_minutes_and_in_seconds_give_the_same_record():
    start = title_from_item({"id": "a", "title": "A", "duration": 95,
                             "seasons": [{"number": 1, "episodes": [{"number": 1, "duration": 45}]}]})
    tvzavr = title_from_clip({"clip__id": 1, "clip__name": "A", "clip__duration": 5700,
                              "clip__seasons": [{"season__number": 1, "episodes": [
                                  {"episode__number": 1, "clip__duration": 2700}]}]}, {})
    assert start.duration_seconds == tvzavr.duration_seconds == 5700
    assert start.seasons[0].episodes[0].duration_seconds == tvzavr.seasons[0].episodes[0].duration_seconds == 2700
