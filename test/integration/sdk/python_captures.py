# Every capture the Python compatibility tests look at, from one process:
# Debian's sentry-python (run with /usr/bin/python3) as a user would write it.
import logging
import os

import sentry_sdk

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    release="py-sdk@3.1.4",
    environment="staging",
    with_locals=True,
    default_integrations=True,
)


class PaymentDeclined(Exception):
    pass


class CheckoutFailed(Exception):
    pass


def charge(card_last4, amount_cents):
    attempts = 3
    limit_cents = 5000
    if amount_cents > limit_cents:
        raise PaymentDeclined(f"amount {amount_cents} over limit {limit_cents}")
    return attempts


def checkout(cart):
    try:
        charge("4242", cart["total"])
    except PaymentDeclined as e:
        raise CheckoutFailed("checkout of cart 77 failed") from e


def parse_quantity(text):
    quantity = int(text)
    return quantity


sentry_sdk.set_user({"id": "py-user-7", "email": "ada@example.org"})
sentry_sdk.set_tag("shop", "north")
sentry_sdk.add_breadcrumb(category="cart", message="added 3 items", level="info")

sentry_sdk.capture_message("python says hello to ferret")

try:
    parse_quantity("three apples")
except ValueError as e:
    sentry_sdk.capture_exception(e)

try:
    checkout({"total": 9900})
except CheckoutFailed as e:
    sentry_sdk.capture_exception(e)

# The logging integration reports ERROR records as message events whose template has parameters.
orders = logging.getLogger("shop.orders")
orders.error("order %s could not be shipped to %s", 1001, "Oslo")
orders.error("order %s could not be shipped to %s", 1002, "Lima")

sentry_sdk.flush(5)
