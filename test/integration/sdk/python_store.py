# One message through sentry-python's /store/ transport (gzip JSON), with the
# SDK's debug log on so the HTTP status it received shows on stderr.
import os

import sentry_sdk

sentry_sdk.init(dsn=os.environ["SENTRY_DSN"], release="py-store@1.0.0", debug=True, default_integrations=False)
sentry_sdk.capture_message(os.environ.get("MESSAGE", "python store message"))
sentry_sdk.flush(5)
