# Release health from Debian's sentry-ruby 5.3.0: four tracked "requests", the
# first failing; the SDK aggregates them into one `sessions` item.
require "sentry-ruby"

Sentry.init do |config|
  config.dsn = ENV.fetch("SENTRY_DSN")
  config.release = "ruby-health@2.0"
  config.environment = "qa"
  config.background_worker_threads = 0
  config.auto_session_tracking = true
end

4.times do |i|
  Sentry.with_session_tracking do
    raise ArgumentError, "request #{i} failed" if i.zero?
  rescue ArgumentError => e
    Sentry.capture_exception(e)
  end
end

Sentry.session_flusher.flush
