"""Payture as a `Gateway`: InPay hosted page, PayStatus confirmation, refunds, eWallet saved cards.

State mapping (PayStatus / GetState `State`): Charged → succeeded; New, PreAuthorized3DS,
PreAuthorizedAF, Authorized → pending; Voided, Rejected, Error → failed; Refunded → refunded.
`Success="False"`: ErrCode NONE → pending, ORDER_NOT_FOUND → unknown (no change), merchant
errors (ACCESS_DENIED, WRONG_MERCHANT...) → the call is refused (code 2, the payment is untouched),
any other code → failed with the mapped PaymentCreate code.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from billing.payment_gateway import GatewayRefusal

from ..base import CardInfo, Gateway, Outcome, StartResult, StatusResult
from .client import PaytureAnswer, PaytureClient, from_minor, to_minor

if TYPE_CHECKING:
    from tvmiddleware.models import Customer

    from ...models import Merchant, Payment, SavedCard

STATES = {
    "charged": Outcome.SUCCEEDED,
    "new": Outcome.PENDING, "preauthorized3ds": Outcome.PENDING, "preauthorizedaf": Outcome.PENDING,
    "authorized": Outcome.PENDING,
    "voided": Outcome.FAILED, "rejected": Outcome.FAILED, "error": Outcome.FAILED,
    "refunded": Outcome.REFUNDED,
}

MERCHANT_ERRORS = {"ACCESS_DENIED", "WRONG_MERCHANT", "MERCHANT_RESTRICTION", "WRONG_PARAMS", "WRONG_TERMINAL"}

#: Payture ErrCode → the device API's PaymentCreate code.
ERROR_CODES = {
    "ACCESS_DENIED": 2, "WRONG_MERCHANT": 2, "MERCHANT_RESTRICTION": 2, "WRONG_TERMINAL": 2,
    "WRONG_PARAMS": 4, "DUPLICATE_ORDER_ID": 4, "ILLEGAL_ORDER_STATE": 4, "ORDER_NOT_FOUND": 4,
    "PROCESSING_ERROR": 3, "PROCESSING_TIME_OUT": 3, "TIMEOUT": 3,
    "FRAUD_ERROR": 6, "FRAUD_INTERNAL": 6, "FRAUD_ERROR_BIN_LIMIT": 6, "FRAUD_ERROR_CRITICAL_CARD": 6,
    "AMOUNT_EXCEED": 7, "AMOUNT_EXCEED_BALANCE": 7, "INSUFFICIENT_FUNDS": 7,
    "ISSUER_LIMIT_FAIL": 8, "ISSUER_LIMIT_AMOUNT_FAIL": 8, "ISSUER_LIMIT_COUNT_FAIL": 8, "AMOUNT_ERROR": 18,
    "WRONG_AUTHORIZATION_CODE": 9, "AUTHENTICATION_ERROR": 9,
    "WRONG_CARD_INFO": 10, "WRONG_PAY_INFO": 10, "WRONG_CARDHOLDER": 10, "WRONG_EXPIRE_DATE": 10,
    "WRONG_CVV": 10, "CARD_EXPIRED": 10, "WRONG_CARD_PAN": 10,
    "ISSUER_FAIL": 11, "ISSUER_CARD_FAIL": 11, "ISSUER_BLOCKED_CARD": 11, "ISSUER_TIMEOUT": 11,
    "USER_NOT_FOUND": 12,
    "COUNTRY_RESTRICTION": 15, "BIN_COUNTRY_RESTRICTION": 15,
    "THREE_DS_NEEDED": 16, "3DS_NEEDED": 16, "THREE_DS_FAIL": 9, "THREE_DS_AUTH_ERROR": 9,
    "ISSUER_FAIL_CRITICAL": 17, "CARD_NOT_FOUND": 19,
}


def refusal_code(err_code: str) -> int:
    return ERROR_CODES.get(err_code.upper(), 5)


class PaytureGateway(Gateway):
    merchant_type = "payture"

    def __init__(self, merchant: "Merchant") -> None:
        super().__init__(merchant)
        if not merchant.api_host or not merchant.pay_key:
            raise GatewayRefusal(2, "Payture merchant is not configured (API host and Pay key are required).")
        self.client = PaytureClient(host=merchant.api_host, pay_key=merchant.pay_key, add_key=merchant.add_key,
                                    password=merchant.password, timeout=float(merchant.timeout or 15))

    # --- wallet identity --------------------------------------------------------------------------
    def wallet_login(self, customer: "Customer") -> str:
        """The customer's eWallet login: stable, operator-scoped, not guessable as a secret."""
        return f"tvmw-{customer.client_id}-{customer.pk}"

    def wallet_password(self, customer: "Customer") -> str:
        """Derived from the merchant's own secret (never stored per customer, never shown)."""
        key = self.merchant.wallet_secret.encode()
        return hmac.new(key, f"{customer.client_id}:{customer.pk}".encode(), hashlib.sha256).hexdigest()[:24]

    # --- hosted payment ---------------------------------------------------------------------------
    def _refuse(self, what: str, answer: PaytureAnswer) -> GatewayRefusal:
        code = answer.err_code or "UNKNOWN"
        return GatewayRefusal(refusal_code(code), f"Payture {what} refused: {code}")

    def start(self, *, payment: "Payment", return_url: str, ip: str, template: str, bind_card: bool) -> StartResult:
        amount = to_minor(payment.amount)
        if bind_card and payment.customer is not None:
            answer = self.client.wallet_init(session_type="Pay", login=self.wallet_login(payment.customer),
                                             wallet_password=self.wallet_password(payment.customer), ip=ip,
                                             order_id=payment.order_id, amount_minor=amount, url=return_url,
                                             template_tag=template)
            page = self.client.wallet_page_url
        else:
            answer = self.client.init(order_id=payment.order_id, amount_minor=amount, ip=ip, url=return_url,
                                      template_tag=template)
            page = self.client.pay_url
        session_id = answer.get("SessionId")
        if not answer.success or not session_id:
            raise self._refuse("Init", answer)
        return StartResult(session_id=session_id, redirect_url=page(session_id), outcome=Outcome.PENDING,
                           gateway_state="New")

    def _status_of(self, answer: PaytureAnswer) -> StatusResult:
        if answer.success:
            state = answer.get("State")
            return StatusResult(outcome=STATES.get(state.lower(), Outcome.PENDING), amount=from_minor(answer.get("Amount")),
                                gateway_state=state)
        code = answer.err_code.upper()
        if code == "NONE" or not code:
            return StatusResult(outcome=Outcome.PENDING, gateway_state=answer.get("State") or "New")
        if code == "ORDER_NOT_FOUND":
            return StatusResult(outcome=Outcome.UNKNOWN, error_code=code)
        if code in MERCHANT_ERRORS:
            raise GatewayRefusal(2, f"Payture refused the status request: {code}")
        return StatusResult(outcome=Outcome.FAILED, gateway_state=answer.get("State") or "Rejected", error_code=code,
                            error_message=f"Payture: {code}", refusal_code=refusal_code(code))

    def status(self, *, payment: "Payment") -> StatusResult:
        if payment.via_wallet:
            return self._status_of(self.client.wallet_pay_status(payment.order_id))
        return self._status_of(self.client.pay_status(payment.order_id))

    def refund(self, *, payment: "Payment") -> None:
        answer = self.client.refund(payment.order_id, to_minor(payment.amount))
        if not answer.success:
            raise self._refuse("Refund", answer)

    # --- saved cards ------------------------------------------------------------------------------
    def charge_saved_card(self, *, payment: "Payment", card: "SavedCard", ip: str = "") -> StatusResult:
        customer = payment.customer
        answer = self.client.wallet_pay(login=self.wallet_login(customer), wallet_password=self.wallet_password(customer),
                                        card_id=card.card_id, order_id=payment.order_id,
                                        amount_minor=to_minor(payment.amount), ip=ip)
        if answer.success:
            # vwapi Pay answers the outcome of a synchronous charge; the amount is confirmed as sent.
            return StatusResult(outcome=Outcome.SUCCEEDED, amount=from_minor(answer.get("Amount")) or payment.amount,
                                gateway_state="Charged")
        return self._status_of(answer)

    def list_cards(self, *, customer: "Customer") -> list[CardInfo]:
        answer = self.client.wallet_cards(login=self.wallet_login(customer),
                                          wallet_password=self.wallet_password(customer))
        if not answer.success:
            if answer.err_code.upper() in ("USER_NOT_FOUND", "NONE"):
                return []
            raise self._refuse("GetList", answer)
        cards = []
        for item in answer.items:
            month, year = _expiry(item.get("expdate", ""))
            cards.append(CardInfo(card_id=item.get("cardid", ""), masked_number=item.get("cardname", ""),
                                  expires_month=month, expires_year=year,
                                  active=item.get("expired", "false").lower() != "true"
                                  and item.get("status", "IsActive").lower() == "isactive"))
        return [c for c in cards if c.card_id]

    def remove_card(self, *, customer: "Customer", card_id: str) -> None:
        answer = self.client.wallet_remove(login=self.wallet_login(customer),
                                           wallet_password=self.wallet_password(customer), card_id=card_id)
        if not answer.success and answer.err_code.upper() not in ("CARD_NOT_FOUND", "USER_NOT_FOUND"):
            raise self._refuse("Remove", answer)


def _expiry(text: str) -> tuple[int | None, int | None]:
    """`MM/YY` (or `MM/YYYY`) → (month, four-digit year)."""
    month, _, year = text.partition("/")
    try:
        m, y = int(month), int(year)
    except ValueError:
        return None, None
    return m, (y + 2000 if y < 100 else y)
