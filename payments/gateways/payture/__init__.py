"""Payture InPay (hosted payment page) and eWallet (saved cards) gateway."""
