"""Payment writes: start a payment, confirm it with the gateway and credit the balance once, refund,
saved cards and autopayment.

Rules every function here keeps:
- No network call while a database row lock is held: the gateway is asked first, then the answer is
  applied in a short transaction that locks the payment row (`SELECT ... FOR UPDATE`).
- The balance is credited only after the gateway itself confirmed the money was taken (PayStatus),
  never on the word of a notification, and only through `billing.services.transaction_create` with
  source PAYMENT and the payment's `order_id` as external id: a second credit of the same order is
  refused by the ledger, whatever the number of concurrent notifications or reconciliation runs.
- State changes follow `payments.models.TRANSITIONS` (a success is final; only a refund follows it).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import CustomerTransaction, TransactionSource
from billing.payment_gateway import GatewayNotConfigured, GatewayRefusal
from billing.services import BalanceOutOfRange, DuplicateTransaction, transaction_create, transaction_reverse
from tvmiddleware.models import Account, Client, Customer
from tvmiddleware.services.actions import record
from common.money import MoneyError, read_money
from common.errors import Conflict

from .gateways.base import Outcome, StatusResult, gateway_class, gateway_for
from .models import Merchant, MerchantType, Payment, PaymentState, RememberCard, SavedCard

logger = logging.getLogger("payments")

__all__ = [
    "CardNotFound", "GatewayNotConfigured", "PaymentError", "PaymentNotFound", "PaymentStart", "autopay",
    "autopayment_set", "merchant_for", "payment_refresh", "payment_refund", "payment_start", "payments_reconcile",
    "saved_card_delete", "saved_card_list", "saved_card_pay", "saved_cards_sync",
]

MAX_AMOUNT = Decimal("1000000.00")


class PaymentError(GatewayRefusal):
    """The payments app refused an operation (`code`: the device API's PaymentCreate codes)."""


class PaymentNotFound(PaymentError):
    def __init__(self, message: str = "Payment not found.") -> None:
        super().__init__(1, message)


class CardNotFound(PaymentError):
    def __init__(self, message: str = "Saved card not found.") -> None:
        super().__init__(4, message)


@dataclass
class PaymentStart:
    """A started payment and where the customer goes to pay (empty for gateways that settle at once)."""

    payment: Payment
    redirect_url: str = ""
    session_id: str = ""
    form_data: dict[str, Any] = field(default_factory=dict)


# --- merchants ------------------------------------------------------------------------------------

def merchant_for(*, client: Client, merchant_type: str = "") -> Merchant:
    """The operator's enabled merchant of `merchant_type`; "" means the default one (the merchant
    marked default, or the only enabled one). Raises `GatewayNotConfigured`."""
    merchants = Merchant.objects.for_client(client).filter(enabled=True)
    if merchant_type:
        merchant = merchants.filter(merchant_type=merchant_type).first()
    else:
        merchant = merchants.filter(is_default=True).order_by("pk").first()
        if merchant is None:
            candidates = list(merchants[:2])
            merchant = candidates[0] if len(candidates) == 1 else None
    if merchant is None or gateway_class(merchant.merchant_type) is None:
        shown = merchant_type or "default"
        raise GatewayNotConfigured(f"No enabled payment gateway ({shown}) is configured for this operator.")
    return merchant


def _amount(value: Any) -> Decimal:
    try:
        return read_money(value, positive=True, maximum=MAX_AMOUNT)
    except MoneyError as exc:
        if exc.problem == "out of range":
            raise PaymentError(4, f"amount must be greater than 0 and at most {MAX_AMOUNT}.") from None
        raise PaymentError(4, "amount must be a plain decimal with at most two decimal places.") from None


def _check_owner(client: Client, customer: Customer, account: Account | None) -> None:
    if customer.client_id != client.pk:
        raise PaymentError(4, "Customer not found.")
    if account is not None and account.customer_id != customer.pk:
        raise PaymentError(4, "The account does not belong to the customer.")


# --- applying a gateway's answer -----------------------------------------------------------------

def _credit(payment: Payment) -> None:
    """Credit the payment's amount (call with the payment row locked). Idempotent by order id."""
    try:
        row = transaction_create(
            client=payment.client, customer=payment.customer, amount=payment.amount,
            source=TransactionSource.PAYMENT, ext_id=payment.order_id,
            comment=f"Payment #{payment.pk} ({payment.merchant.name})"[:500],
            meta={"payment_id": payment.pk, "order_id": payment.order_id, "merchant_type": payment.merchant_type},
        )
    except DuplicateTransaction as exc:  # credited before (cannot happen under the lock, but the ledger decides)
        row = exc.existing
    payment.transaction = row
    payment.set_state(PaymentState.SUCCEEDED)
    payment.error_code = payment.error_message = ""


def _apply_status(payment_id: int, status: StatusResult) -> tuple[Payment, bool]:
    """Apply what the gateway said about a payment under its row lock. Returns (payment, newly
    succeeded). Never credits twice, never undoes a success (a late failure is only logged)."""
    with transaction.atomic():
        payment = (Payment.objects.select_for_update(of=("self",))
                   .select_related("client", "customer", "merchant").get(pk=payment_id))
        before = payment.state
        payment.checks += 1
        if status.gateway_state:
            payment.gateway_state = status.gateway_state[:32]
        outcome = status.outcome
        if outcome == Outcome.SUCCEEDED and before not in (PaymentState.SUCCEEDED, PaymentState.REFUNDED):
            if status.amount is not None and status.amount != payment.amount:
                # The gateway took another amount than this payment is for: never credit a guess.
                payment.error_code = "amount_mismatch"
                payment.error_message = f"The gateway reports {status.amount}, the payment is for {payment.amount}."
                logger.warning("payment %s order %s: amount mismatch (gateway %s, payment %s): not credited",
                               payment.pk, payment.order_id, status.amount, payment.amount)
                if payment.can_become(PaymentState.FAILED):
                    payment.set_state(PaymentState.FAILED)
            elif payment.customer_id is None:
                payment.error_code, payment.error_message = "customer_deleted", "The customer was deleted."
            else:
                try:
                    with transaction.atomic():
                        _credit(payment)
                except BalanceOutOfRange as exc:
                    # Paid, but the balance cannot hold it (the ledger's column range): never a database
                    # error; left uncredited for the operator to refund, like a deleted customer's payment.
                    payment.error_code, payment.error_message = "balance_out_of_range", exc.message[:500]
                    logger.error("payment %s order %s: paid but not credited: the balance would leave the "
                                 "ledger's range", payment.pk, payment.order_id)
        elif outcome == Outcome.FAILED:
            if before in (PaymentState.SUCCEEDED, PaymentState.REFUNDED):
                logger.warning("payment %s order %s: gateway reports %s after %s: ignored", payment.pk,
                               payment.order_id, status.gateway_state or "a failure", before)
            else:
                payment.set_state(PaymentState.FAILED)
                payment.error_code = (status.error_code or status.gateway_state or "failed")[:64]
                payment.error_message = status.error_message[:500]
        elif outcome == Outcome.PENDING and before == PaymentState.CREATED:
            payment.set_state(PaymentState.PENDING)
        elif outcome == Outcome.REFUNDED and before == PaymentState.SUCCEEDED:
            # Refunded at the gateway's own panel: the operator decides about the balance.
            payment.error_code = "refunded_at_gateway"
            payment.error_message = "The gateway reports a refund made outside the middleware."
            logger.warning("payment %s order %s: refunded at the gateway, balance untouched", payment.pk,
                           payment.order_id)
        payment.save()
    newly = before != PaymentState.SUCCEEDED and payment.state == PaymentState.SUCCEEDED
    if before != payment.state:
        logger.info("payment %s order %s: %s -> %s (gateway %s)", payment.pk, payment.order_id, before,
                    payment.state, payment.gateway_state or "-")
    return payment, newly


def _after_success(payment: Payment) -> None:
    """Work that follows a newly confirmed payment and needs the network (outside any lock): pick
    up the card a wallet payment bound, and make it the autopayment card when asked."""
    if not payment.via_wallet or payment.saved_card_id or payment.customer_id is None:
        return
    try:
        cards = saved_cards_sync(customer=payment.customer, merchant=payment.merchant)
        if payment.autopayment_enable and cards:
            autopayment_set(customer=payment.customer, enabled=True, card_id=cards[0].card_id,
                            merchant_type=payment.merchant_type)
    except GatewayRefusal as exc:
        logger.warning("payment %s: saved cards not refreshed: %s", payment.pk, exc.message)


# --- hosted payments --------------------------------------------------------------------------------

def payment_start(*, client: Client, customer: Customer, amount: Decimal | str, merchant_type: str = "",
                  account: Account | None = None, return_url: str = "", template: str = "",
                  autopayment_enable: bool = False, without_default_card: bool = False, ip: str = "",
                  source: str = "device_api") -> PaymentStart:
    """Start a payment of `amount` for the customer: Payture opens a payment page session (Init) and
    the customer is sent to `redirect_url`; the null gateway settles and credits at once.

    `autopayment_enable` asks to bind the card and pay later charges from it (when the merchant's
    remember-card mode allows). `without_default_card` is accepted for compatibility; the hosted page
    always lets the customer choose the card. Raises `GatewayRefusal` (`GatewayNotConfigured`,
    `PaymentError`); a refused start leaves a failed payment on record.
    """
    _check_owner(client, customer, account)
    amount = _amount(amount)
    merchant = merchant_for(client=client, merchant_type=merchant_type)
    gateway = gateway_for(merchant)
    bind_card = (merchant.merchant_type == MerchantType.PAYTURE and bool(merchant.add_key)
                 and (merchant.remember_card == RememberCard.ALWAYS
                      or (merchant.remember_card == RememberCard.ON_REQUEST and autopayment_enable)))
    payment = Payment.objects.create(
        client=client, customer=customer, account=account, merchant=merchant, merchant_type=merchant.merchant_type,
        amount=amount, source=source[:32], autopayment_enable=autopayment_enable, via_wallet=bind_card,
    )
    try:
        started = gateway.start(payment=payment, return_url=return_url or merchant.default_return_url, ip=ip,
                                template=template or merchant.template_tag, bind_card=bind_card)
    except GatewayRefusal as exc:
        _apply_status(payment.pk, StatusResult(outcome=Outcome.FAILED, error_code=str(exc.code),
                                               error_message=exc.message))
        raise
    Payment.objects.filter(pk=payment.pk).update(session_id=started.session_id[:128],
                                                 redirect_url=started.redirect_url[:500])
    payment, newly = _apply_status(payment.pk, StatusResult(outcome=started.outcome, amount=amount,
                                                            gateway_state=started.gateway_state))
    if newly:
        _after_success(payment)
    record("payment_started", customer=customer, account=account, payment_id=payment.pk, amount=str(amount),
           merchant=merchant.merchant_type)
    return PaymentStart(payment=payment, redirect_url=started.redirect_url, session_id=started.session_id,
                        form_data=started.form_data)


def payment_refresh(*, payment: Payment) -> Payment:
    """Ask the gateway what became of the payment and apply it: credit exactly once when the money
    was taken (and the amount matches), mark it failed when refused, else leave it pending.

    Safe to call concurrently and repeatedly (notifications, reconciliation, `payment/complete`).
    A settled payment (succeeded, refunded) is returned as it is, without asking the gateway.
    Raises `GatewayRefusal` (code 3) when the gateway cannot be asked; nothing changes then.
    """
    current = Payment.objects.select_related("merchant").get(pk=payment.pk)
    if current.state in (PaymentState.SUCCEEDED, PaymentState.REFUNDED):
        return current
    status = gateway_for(current.merchant).status(payment=current)
    updated, newly = _apply_status(current.pk, status)
    if newly:
        _after_success(updated)
    return updated


def payment_refund(*, payment: Payment, comment: str = "") -> Payment:
    """Give a succeeded payment back: the gateway refunds the card, then a reversal row takes the
    amount off the balance (the balance may go below zero). Refunding twice is refused."""
    current = Payment.objects.select_related("client", "customer", "merchant", "transaction").get(pk=payment.pk)
    if current.state == PaymentState.REFUNDED:
        return current
    if current.state != PaymentState.SUCCEEDED or current.transaction_id is None:
        raise PaymentError(4, "Only a succeeded payment can be refunded.")
    gateway_for(current.merchant).refund(payment=current)
    with transaction.atomic():
        locked = Payment.objects.select_for_update(of=("self",)).select_related("transaction").get(pk=current.pk)
        if locked.state == PaymentState.REFUNDED:
            return locked
        try:
            row = transaction_reverse(transaction_row=locked.transaction,
                                      comment=comment or f"Refund of payment #{locked.pk}")
        except Conflict:  # reversed before (by an operator in the ledger): the refund reuses that row
            row = CustomerTransaction.objects.get(reverses=locked.transaction)
        locked.refund_transaction = row
        locked.set_state(PaymentState.REFUNDED)
        locked.gateway_state = "Refunded"
        locked.save()
    logger.info("payment %s order %s refunded", locked.pk, locked.order_id)
    return locked


def payments_reconcile(*, older_than: timedelta = timedelta(minutes=10), expire_after: timedelta = timedelta(hours=24),
                       limit: int = 500, now=None) -> dict[str, int]:
    """Settle payments left open: ask the gateway about payments created or pending for longer than
    `older_than` (a lost notification, a crash), and mark failed ("expired") those still undecided
    after `expire_after` (abandoned payment pages). Gateway errors are counted and retried next run."""
    now = now or timezone.now()
    counts = {"checked": 0, "succeeded": 0, "failed": 0, "expired": 0, "pending": 0, "errors": 0}
    open_payments = (Payment.objects.filter(state__in=(PaymentState.CREATED, PaymentState.PENDING),
                                            created_at__lte=now - older_than)
                     .select_related("merchant").order_by("pk")[:limit])
    for payment in open_payments:
        counts["checked"] += 1
        try:
            updated = payment_refresh(payment=payment)
        except GatewayRefusal as exc:
            counts["errors"] += 1
            logger.warning("reconcile: payment %s: %s", payment.pk, exc.message)
            updated = payment
        except Exception:
            counts["errors"] += 1
            logger.exception("reconcile: payment %s failed", payment.pk)
            continue
        if updated.state in (PaymentState.CREATED, PaymentState.PENDING) and payment.created_at <= now - expire_after:
            expired, _ = _apply_status(payment.pk, StatusResult(outcome=Outcome.FAILED, gateway_state="",
                                                                error_code="expired",
                                                                error_message="Not paid in time."))
            counts["expired"] += expired.state == PaymentState.FAILED
            continue
        if updated.state == PaymentState.SUCCEEDED:
            counts["succeeded"] += 1
        elif updated.state == PaymentState.FAILED:
            counts["failed"] += 1
        else:
            counts["pending"] += 1
    return counts


# --- saved cards ----------------------------------------------------------------------------------------

def saved_card_list(*, client: Client, customer: Customer, merchant_type: str = "") -> list[SavedCard]:
    """The customer's saved cards at the merchant (newest first)."""
    merchant = merchant_for(client=client, merchant_type=merchant_type)
    return list(SavedCard.objects.for_client(client).filter(customer=customer, merchant=merchant).order_by("-pk"))


def saved_cards_sync(*, customer: Customer, merchant: Merchant) -> list[SavedCard]:
    """Bring the customer's saved cards in line with the gateway's wallet (GetList); newest first."""
    cards = gateway_for(merchant).list_cards(customer=customer)
    with transaction.atomic():
        known = {c.card_id: c for c in SavedCard.objects.select_for_update()
                 .filter(client_id=customer.client_id, customer=customer, merchant=merchant)}
        seen = set()
        for info in cards:
            if not info.active:
                continue
            seen.add(info.card_id)
            row = known.get(info.card_id)
            if row is None:
                SavedCard.objects.create(client_id=customer.client_id, customer=customer, merchant=merchant,
                                         card_id=info.card_id, masked_number=info.masked_number[:32],
                                         expires_month=info.expires_month, expires_year=info.expires_year)
            elif (row.masked_number, row.expires_month, row.expires_year) != (
                    info.masked_number[:32], info.expires_month, info.expires_year):
                row.masked_number, row.expires_month = info.masked_number[:32], info.expires_month
                row.expires_year = info.expires_year
                row.save(update_fields=["masked_number", "expires_month", "expires_year"])
        SavedCard.objects.filter(customer=customer, merchant=merchant).exclude(card_id__in=seen).delete()
    return list(SavedCard.objects.filter(customer=customer, merchant=merchant).order_by("-pk"))


def saved_card_delete(*, client: Client, customer: Customer, card_id: str, merchant_type: str = "") -> None:
    """Unbind a card at the gateway and forget it here (`CardNotFound` when the customer has no such card)."""
    merchant = merchant_for(client=client, merchant_type=merchant_type)
    card = SavedCard.objects.for_client(client).filter(customer=customer, merchant=merchant, card_id=card_id).first()
    if card is None:
        raise CardNotFound()
    gateway_for(merchant).remove_card(customer=customer, card_id=card_id)
    card.delete()


def _pick_card(client: Client, customer: Customer, merchant: Merchant, card_id: str) -> SavedCard:
    cards = SavedCard.objects.for_client(client).filter(customer=customer, merchant=merchant)
    if card_id:
        card = cards.filter(card_id=card_id).first()
    else:
        card = cards.order_by("-for_autopayment", "-pk").first()
    if card is None:
        raise CardNotFound()
    if card.is_expired:
        raise PaymentError(10, "The saved card has expired.")
    return card


def saved_card_pay(*, client: Client, customer: Customer, amount: Decimal | str, card_id: str = "",
                   merchant_type: str = "", account: Account | None = None, source: str = "device_api",
                   idempotency_key: str = "") -> Payment:
    """Charge a saved card (no customer interaction) and credit the balance when the gateway
    confirms. "" `card_id`: the autopayment card, else the newest card.

    `idempotency_key` (automatic payments): one payment per key — a repeated call returns the payment
    made before (refreshed when still open) instead of charging the card again.
    A refusal raises `PaymentError` with the card/issuer code (the failed payment stays recorded);
    a network failure raises code 3 and leaves the payment pending for reconciliation.
    """
    _check_owner(client, customer, account)
    amount = _amount(amount)
    merchant = merchant_for(client=client, merchant_type=merchant_type)
    if idempotency_key:
        existing = Payment.objects.for_client(client).filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _existing_keyed(existing)
    card = _pick_card(client, customer, merchant, card_id)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                client=client, customer=customer, account=account, merchant=merchant,
                merchant_type=merchant.merchant_type, amount=amount, source=source[:32], saved_card=card,
                via_wallet=True, idempotency_key=idempotency_key[:128],
            )
    except IntegrityError:  # a concurrent call with the same key won the race
        return _existing_keyed(Payment.objects.for_client(client).get(idempotency_key=idempotency_key))
    try:
        status = gateway_for(merchant).charge_saved_card(payment=payment, card=card)
    except GatewayRefusal as exc:
        if exc.code == 3:  # unknown outcome: the money may have been taken; PayStatus will tell
            _apply_status(payment.pk, StatusResult(outcome=Outcome.PENDING))
        else:
            _apply_status(payment.pk, StatusResult(outcome=Outcome.FAILED, error_code=str(exc.code),
                                                   error_message=exc.message))
        raise
    payment, _ = _apply_status(payment.pk, status)
    if payment.state == PaymentState.FAILED:
        raise PaymentError(status.refusal_code or 5, status.error_message or "The card was refused.")
    return payment


def _existing_keyed(payment: Payment) -> Payment:
    if payment.state in (PaymentState.CREATED, PaymentState.PENDING):
        return payment_refresh(payment=payment)
    return payment


@transaction.atomic
def autopayment_set(*, customer: Customer, enabled: bool, card_id: str = "", merchant_type: str = "") -> None:
    """Turn the customer's autopayment on or off (`Customer.autopayment_enabled`, through the core's
    customer update), and, with `card_id`, make that card the one periodic charges are paid from."""
    from tvmiddleware.services.customers import customer_modify

    fresh = Customer.objects.select_for_update().get(pk=customer.pk)
    cards = SavedCard.objects.filter(client_id=fresh.client_id, customer=fresh)
    if merchant_type:
        cards = cards.filter(merchant__merchant_type=merchant_type)
    if card_id:
        card = cards.filter(card_id=card_id).first()
        if card is None:
            raise CardNotFound()
        SavedCard.objects.filter(customer=fresh).exclude(pk=card.pk).update(for_autopayment=False)
        if not card.for_autopayment:
            card.for_autopayment = True
            card.save(update_fields=["for_autopayment"])
    elif enabled and not cards.filter(for_autopayment=True).exists():
        newest = cards.order_by("-pk").first()
        if newest is not None:
            SavedCard.objects.filter(pk=newest.pk).update(for_autopayment=True)
    if fresh.autopayment_enabled != enabled:
        customer_modify(customer=fresh, autopayment_enabled=enabled)
    customer.autopayment_enabled = enabled


def autopay(*, client: Client, customer: Customer, amount: Decimal, key: str) -> bool:
    """Top the balance up by `amount` from the customer's autopayment card (called by `check_accounts`
    outside its locks). One payment per `key`: a second run for the same billing period never
    charges the card again, even when the first charge was refused. True when the balance was credited."""
    card = (SavedCard.objects.for_client(client).filter(customer=customer, for_autopayment=True, merchant__enabled=True)
            .select_related("merchant").order_by("-pk").first())
    if card is None or card.is_expired:
        return False
    try:
        payment = saved_card_pay(client=client, customer=customer, amount=amount, card_id=card.card_id,
                                 merchant_type=card.merchant.merchant_type, source="autopay", idempotency_key=key)
    except GatewayRefusal as exc:
        logger.info("autopay customer %s key %s: %s (code %s)", customer.pk, key, exc.message, exc.code)
        return False
    return payment.state == PaymentState.SUCCEEDED
