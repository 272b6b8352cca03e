import pytest

from tests import factories
from widgets.models import WidgetType
from widgets.services import widget_create


@pytest.fixture
def make_widget(client_obj):
    def make(type=WidgetType.CHANNEL_LIST, client=None, hostnames="site.example\nlocalhost", **kwargs):
        return widget_create(client=client or client_obj, name=kwargs.pop("name", "Site widget"), type=type,
                             allowed_hostnames=hostnames, **kwargs)
    return make


@pytest.fixture
def lineup(client_obj):
    """Base (periodic, shown on the site) with 3 channels, Sport (periodic, not shown) with 1, a hidden one."""
    base = factories.TariffFactory(client=client_obj, name="Base", basic_tariff_priority=1)
    sport = factories.TariffFactory(client=client_obj, name="Sport", basic_tariff_priority=0,
                                    display_in_channels_widget=False)
    names = ["Первый канал", "News 24", "Kids"]
    channels = [factories.ChannelFactory(client=client_obj, name=name, sort=i,
                                         epg_channel=factories.EpgChannelFactory(client=client_obj),
                                         max_archive_duration=72 if i == 0 else 0)
                for i, name in enumerate(names)]
    base.channels.set(channels)
    football = factories.ChannelFactory(client=client_obj, name="Football", sort=10,
                                        epg_channel=factories.EpgChannelFactory(client=client_obj))
    sport.channels.set([football])
    hidden = factories.ChannelFactory(client=client_obj, name="Secret", is_hidden=True)
    base.channels.add(hidden)
    return {"base": base, "sport": sport, "channels": channels, "football": football}


@pytest.fixture
def midday(settings):
    """A time zone in which it is about noon now, so a guide test's hours around now (three back, two
    ahead) fall on today's page whenever the suite runs (near midnight UTC included)."""
    from datetime import datetime, timezone as dt_timezone

    offset = 12 - datetime.now(dt_timezone.utc).hour
    offset = offset - 24 if offset > 14 else offset + 24 if offset < -12 else offset
    # The Etc zones count the other way round: Etc/GMT-3 is three hours ahead of UTC.
    settings.TIME_ZONE = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
    return settings.TIME_ZONE
