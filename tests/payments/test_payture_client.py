"""The Payture client: tolerant XML parsing, the Data encoding, and logs without secrets."""
from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from payments.gateways.payture.client import PaytureClient, encode_data, from_minor, parse_answer, to_minor
from payments.gateways.payture.gateway import PaytureGateway, refusal_code
from payments.gateways.base import Outcome
from tests.payments.fakes import ADD_KEY, PASSWORD, PAY_KEY


@pytest.mark.parametrize("text", [
    '<PayStatus Success="True" OrderId="o1" Amount="10050" State="Charged"/>',
    '<?xml version="1.0" encoding="utf-8"?>\n  <PayStatus state="Charged" amount="10050" orderid="o1" success="true" />',
    '\ufeff<PayStatus SUCCESS="TRUE" STATE="Charged" AMOUNT="10050" ORDERID="o1"></PayStatus>\n',
])
def test_parsing_is_tolerant_of_case_order_and_declaration(text):
    answer = parse_answer(text.encode())
    assert answer.tag == "PayStatus" and answer.success
    assert (answer.get("State"), answer.get("orderid"), from_minor(answer.get("Amount"))) == (
        "Charged", "o1", Decimal("100.50"))


def test_errcode_none_is_pending_and_other_codes_map_to_payment_codes():
    answer = parse_answer('<PayStatus Success="False" OrderId="o" ErrCode="NONE"/>')
    assert answer.pending and not answer.success
    assert refusal_code("AMOUNT_EXCEED") == 7 and refusal_code("fraud_error") == 6
    assert refusal_code("SOMETHING_NEW") == 5


@pytest.mark.parametrize("text", ["", "<html><body>Bad gateway", "not xml",
                                  '<!DOCTYPE x [<!ENTITY a "b">]><PayStatus Success="True" State="&a;"/>'])
def test_unreadable_or_hostile_answers_are_refused(text):
    with pytest.raises(ValueError):
        parse_answer(text)


def test_data_encoding_and_minor_units():
    assert encode_data({"SessionType": "Pay", "OrderId": "o1", "Amount": 100, "Url": "https://a/?x=1;y=2",
                        "TemplateTag": ""}) == "SessionType=Pay;OrderId=o1;Amount=100;Url=https://a/?x=1%3By=2"
    assert to_minor(Decimal("150.50")) == 15050 and from_minor("x") is None


def test_status_mapping_against_the_fake(payture, payture_merchant, client_obj, customer, caplog):
    from payments import services

    payture.lowercase_attrs = True
    with caplog.at_level(logging.INFO, logger="payments.payture"):
        payment = services.payment_start(client=client_obj, customer=customer, amount="1.50", ip="1.2.3.4").payment
        gateway = PaytureGateway(payture_merchant)
        assert gateway.status(payment=payment).outcome == Outcome.PENDING
        payture.set_state(payment.order_id, "Charged")
        status = gateway.status(payment=payment)
        assert (status.outcome, status.amount, status.gateway_state) == (Outcome.SUCCEEDED, Decimal("1.50"), "Charged")
        payture.set_state(payment.order_id, "Voided")
        assert gateway.status(payment=payment).outcome == Outcome.FAILED
        assert PaytureClient(host=payture.host, pay_key=PAY_KEY).pay_status("nope").err_code == "ORDER_NOT_FOUND"
        answer = PaytureClient(host=payture.host, pay_key=PAY_KEY).get_state(payment.order_id)
        assert answer.success and answer.get("MerchantContract") == PAY_KEY
    logged = caplog.text
    assert payment.order_id in logged
    for secret in (PAY_KEY, ADD_KEY, PASSWORD):
        assert secret not in logged


def test_charge_completes_an_authorised_order(payture):
    client = PaytureClient(host=payture.host, pay_key=PAY_KEY, password=PASSWORD)
    client.init(order_id="two-step", amount_minor=500, ip="1.1.1.1")
    assert client.charge("two-step", 500).err_code == "ILLEGAL_ORDER_STATE"
    payture.set_state("two-step", "Authorized")
    assert client.charge("two-step", 500).success
    assert client.pay_status("two-step").get("State") == "Charged"
    assert PaytureClient(host=payture.host, pay_key=PAY_KEY, password="x").refund("two-step", 500).err_code == \
        "ACCESS_DENIED"
    assert client.refund("two-step", 600).err_code == "AMOUNT_ERROR"
    assert client.refund("two-step", 500).success
