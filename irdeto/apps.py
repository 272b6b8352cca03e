import os

from tvmiddleware.plugin_apps import PluginAppConfig

from .config import DEFAULT_HOST, DEFAULT_NATIONALITY, DEFAULT_REGION_TAG, DEFAULT_TIMEOUT


class IrdetoConfig(PluginAppConfig):
    """Irdeto CAS: subscribers, paired devices and product entitlements kept in step over SOAP."""

    name = "irdeto"
    verbose_name = "Irdeto CAS"
    default = True
    read_only_models = ("CasSubscriber",)
    # Names as in the product; an integration's attributes override them per operator (irdeto/config.py).
    settings_defaults = {
        "IRDETO_HOST": os.environ.get("IRDETO_HOST", DEFAULT_HOST),  # CAS SOAP endpoint address
        "IRDETO_NATIONALITY": os.environ.get("IRDETO_NATIONALITY", DEFAULT_NATIONALITY),
        "IRDETO_REGION_TAG": os.environ.get("IRDETO_REGION_TAG", DEFAULT_REGION_TAG),
        # Seconds per SOAP call (connect and answer).
        "IRDETO_TIMEOUT": float(os.environ.get("IRDETO_TIMEOUT") or DEFAULT_TIMEOUT),
        # The vendor's WSDL file; empty: the stand-in in irdeto/wsdl/.
        "IRDETO_WSDL": os.environ.get("IRDETO_WSDL", ""),
    }
    beat_schedule = {
        # Compares and repairs the CAS state of every customer.
        "irdeto-resync": {"task": "irdeto.tasks.resync_all", "schedule": 24 * 3600.0},
    }

    def api_classes(self) -> dict[str, type]:
        from .plugin import API_CLASS, IrdetoAPI

        return {API_CLASS: IrdetoAPI}
