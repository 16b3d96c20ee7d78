# Release health from sentry-python: one application-mode session with a handled
# error, then five request-mode sessions (the SDK aggregates those into a
# `sessions` item), two of which fail.
import os

import sentry_sdk
from sentry_sdk.sessions import auto_session_tracking

sentry_sdk.init(dsn=os.environ["SENTRY_DSN"], release="py-health@1.0", environment="test")
hub = sentry_sdk.Hub.current

hub.start_session(session_mode="application")
try:
    1 / 0
except ZeroDivisionError:
    sentry_sdk.capture_exception()
hub.end_session()

for i in range(5):
    with auto_session_tracking(session_mode="request"):
        if i < 2:
            try:
                raise ValueError("request %d failed" % i)
            except ValueError:
                sentry_sdk.capture_exception()

sentry_sdk.flush()
