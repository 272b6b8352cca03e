"""The plugin registry and the API-class base."""
import pytest

from tests import factories
from tvmiddleware.plugins import ExternalSystemAPI, PluginError, PluginRegistry


class Billing(ExternalSystemAPI):
    verbose_name = "Some billing"

    def on_tariff_removed(self, event):
        pass


def test_register_and_lookup():
    registry = PluginRegistry()
    registry.register("billing_x", Billing)
    assert "billing_x" in registry and registry.get("billing_x") is Billing
    assert registry.choices() == [("billing_x", "Some billing")]
    registry.register("billing_x", Billing)  # same class again: harmless (apps reloaded)
    with pytest.raises(ValueError):
        registry.register("billing_x", type("Other", (ExternalSystemAPI,), {}))
    with pytest.raises(TypeError):
        registry.register("bad", object)
    with pytest.raises(PluginError):
        registry.get("missing")


def test_hooks_overridden_are_the_subscriptions():
    assert Billing.handles("on_tariff_removed")
    assert not Billing.handles("on_tariff_assigned")
    assert not ExternalSystemAPI.handles("on_tariff_removed")


def test_class_method_hooks_are_recognised():
    class Pictures(ExternalSystemAPI):
        @classmethod
        def video_images(cls, videos):
            return {v.pk: {"thumbnail_small": "/media/x.jpg"} for v in videos}

    assert Pictures.handles("video_images") and not ExternalSystemAPI.handles("video_images")
    assert not Pictures.handles("on_tariff_assigned")


@pytest.mark.django_db
def test_plugin_gets_its_attributes(client_obj, test_plugin):
    system = factories.ExternalSystemFactory(client=client_obj, api_class="test_plugin")
    system.attributes.create(client=client_obj, key="partner_id", value="42")
    api = system.get_api()
    assert isinstance(api, test_plugin)
    assert api.attribute("partner_id") == "42" and api.attribute("missing", "d") == "d"
    with pytest.raises(NotImplementedError):
        api.sync_catalogue()
