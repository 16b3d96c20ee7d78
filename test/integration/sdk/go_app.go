// Every capture the Go compatibility tests look at, from one program: Debian's
// sentry-go as a user would write it (built in GOPATH mode, offline).
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/getsentry/sentry-go"
	pkgerrors "github.com/pkg/errors"
)

var errNotFound = errors.New("record 42 not found in ledger")

func lookupLedger(id int) error {
	if id == 42 {
		return errNotFound
	}
	return nil
}

func settleAccount(id int) error {
	if err := lookupLedger(id); err != nil {
		return fmt.Errorf("settle account %d: %w", id, err)
	}
	return nil
}

func validateOrder(qty int) error {
	if qty <= 0 {
		return errors.New("order quantity must be positive")
	}
	return nil
}

// readConfig fails with a pkg/errors error, which records the stack where it was made.
func readConfig(name string) error {
	return pkgerrors.New("config file " + name + " is empty")
}

func loadSettings() error {
	return readConfig("settings.toml")
}

// reportFailure is where the application hands errors to Sentry, a few calls
// below main, so the captured stack has more than one function in it.
func reportFailure(err error) {
	if err != nil {
		sentry.CaptureException(err)
	}
}

func runNightlyJobs() {
	reportFailure(validateOrder(0))
	reportFailure(settleAccount(42))
	reportFailure(loadSettings())
}

func main() {
	err := sentry.Init(sentry.ClientOptions{
		Dsn:         os.Getenv("SENTRY_DSN"),
		Release:     "go-app@1.2.3",
		Environment: "production",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sentry.Init:", err)
		os.Exit(1)
	}
	sentry.ConfigureScope(func(scope *sentry.Scope) {
		scope.SetUser(sentry.User{ID: "go-user-9"})
		scope.SetTag("service", "ledger")
	})

	runNightlyJobs()
	sentry.CaptureMessage("go says the ledger is balanced")

	if !sentry.Flush(10 * time.Second) {
		fmt.Fprintln(os.Stderr, "sentry.Flush timed out")
		os.Exit(1)
	}
}
