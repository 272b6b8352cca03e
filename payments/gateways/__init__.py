"""Payment gateways: the interface (`base`), the null gateway and Payture."""
from .base import CardInfo, Gateway, Outcome, StartResult, StatusResult, gateway_for, register_gateway

__all__ = ["CardInfo", "Gateway", "Outcome", "StartResult", "StatusResult", "gateway_for", "register_gateway"]
