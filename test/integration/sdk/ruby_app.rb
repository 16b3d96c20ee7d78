# Every capture the Ruby compatibility tests look at, from one process:
# Debian's sentry-ruby 5.3.0 as a user would write it.
require "sentry-ruby"

Sentry.init do |config|
  config.dsn = ENV.fetch("SENTRY_DSN")
  config.release = "ruby-app@5.0.1"
  config.environment = "qa"
  config.background_worker_threads = 0
  config.breadcrumbs_logger = []
end

class InventoryError < StandardError; end

class Warehouse
  def reserve(sku, quantity)
    on_hand = 2
    raise InventoryError, "only #{on_hand} of #{sku} on hand, #{quantity} asked" if quantity > on_hand

    on_hand - quantity
  end
end

def restock_shelf
  Warehouse.new.reserve("SKU-981", 5)
end

Sentry.set_user(id: "ruby-user-5", username: "linus")
Sentry.set_tags(store: "berlin")

begin
  restock_shelf
rescue InventoryError => e
  Sentry.capture_exception(e)
end

Sentry.capture_message("ruby says the shelves are stocked")

class SyncError < StandardError; end

def sync_catalog
  Integer("twelve")
rescue ArgumentError
  # Raised inside a rescue: Ruby records the ArgumentError as this error's cause.
  raise SyncError, "catalog sync aborted"
end

begin
  sync_catalog
rescue SyncError => e
  Sentry.capture_exception(e)
end
