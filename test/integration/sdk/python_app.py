# The seed's example: a ZeroDivisionError reported through logging.exception,
# with Debian's sentry-python (run with /usr/bin/python3).
import logging
import os

import sentry_sdk
from sentry_sdk.integrations.logging import LoggingIntegration

sentry_sdk.init(
    dsn=os.environ["SENTRY_DSN"],
    release="python-app@2.0.0",
    environment="test",
    with_locals=True,
    integrations=[LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
)


def foo(m, n):
    h = m / n - m
    return m / h


try:
    foo(10, 1)
except Exception as e:
    logging.exception(e)

sentry_sdk.flush(5)
