/**
 * Copy-ready setup for each SDK, following each SDK's own quick start
 * (https://docs.sentry.io/platforms/). Only the DSN changes: Ferret speaks the
 * Sentry protocol, so the official SDKs need nothing else.
 */

export interface Snippet {
  id: string;
  label: string;
  install: string;
  code: string;
}

/** Keeps a DSN safe inside the string literals of every snippet below. */
function lit(dsn: string): string {
  return dsn.replace(/[\\"'`$\n\r]/g, '');
}

export function setupSnippets(rawDsn: string): Snippet[] {
  const dsn = lit(rawDsn);
  return [
    {
      id: 'python',
      label: 'Python',
      install: 'pip install --upgrade sentry-sdk',
      code: `import sentry_sdk

sentry_sdk.init(
    dsn="${dsn}",
    # Local variables are sent with each frame.
    include_local_variables=True,
)

division_by_zero = 1 / 0`,
    },
    {
      id: 'node',
      label: 'Node.js',
      install: 'npm install @sentry/node',
      code: `// instrument.mjs — load first: node --import ./instrument.mjs app.mjs
import * as Sentry from "@sentry/node";

Sentry.init({
  dsn: "${dsn}",
  includeLocalVariables: true,
});

setTimeout(() => {
  throw new Error("Hello from Node.js");
});`,
    },
    {
      id: 'browser',
      label: 'Browser JS',
      install: 'npm install @sentry/browser',
      code: `import * as Sentry from "@sentry/browser";

Sentry.init({
  dsn: "${dsn}",
});

myUndefinedFunction();`,
    },
    {
      id: 'go',
      label: 'Go',
      install: 'go get github.com/getsentry/sentry-go',
      code: `package main

import (
	"errors"
	"log"
	"time"

	"github.com/getsentry/sentry-go"
)

func main() {
	if err := sentry.Init(sentry.ClientOptions{
		Dsn: "${dsn}",
	}); err != nil {
		log.Fatalf("sentry.Init: %s", err)
	}
	defer sentry.Flush(2 * time.Second)

	sentry.CaptureException(errors.New("hello from Go"))
}`,
    },
    {
      id: 'ruby',
      label: 'Ruby',
      install: 'gem install sentry-ruby',
      code: `require "sentry-ruby"

Sentry.init do |config|
  config.dsn = "${dsn}"
end

begin
  1 / 0
rescue ZeroDivisionError => exception
  Sentry.capture_exception(exception)
end`,
    },
    {
      id: 'php',
      label: 'PHP',
      install: 'composer require sentry/sentry',
      code: `<?php
require __DIR__ . '/vendor/autoload.php';

\\Sentry\\init([
    'dsn' => '${dsn}',
]);

try {
    throw new Exception('Hello from PHP');
} catch (\\Throwable $exception) {
    \\Sentry\\captureException($exception);
}`,
    },
    {
      id: 'java',
      label: 'Java',
      install: "implementation 'io.sentry:sentry:8.+'   // Gradle",
      code: `import io.sentry.Sentry;

public class Main {
  public static void main(String[] args) {
    Sentry.init(options -> {
      options.setDsn("${dsn}");
    });
    try {
      throw new Exception("Hello from Java");
    } catch (Exception e) {
      Sentry.captureException(e);
    }
  }
}`,
    },
    {
      id: 'dotnet',
      label: '.NET',
      install: 'dotnet add package Sentry',
      code: `using Sentry;

using (SentrySdk.Init(o =>
{
    o.Dsn = "${dsn}";
}))
{
    try
    {
        throw new InvalidOperationException("Hello from .NET");
    }
    catch (Exception e)
    {
        SentrySdk.CaptureException(e);
    }
}`,
    },
  ];
}

/** The platform a new project names, mapped to its snippet tab. */
export function snippetFor(platform: string | null | undefined): string {
  const p = (platform ?? '').toLowerCase();
  if (p.startsWith('python')) return 'python';
  if (p === 'node' || p.startsWith('node-') || p.startsWith('node.')) return 'node';
  if (p.startsWith('javascript')) return 'browser';
  if (p.startsWith('go')) return 'go';
  if (p.startsWith('ruby')) return 'ruby';
  if (p.startsWith('php')) return 'php';
  if (p.startsWith('java') || p.startsWith('android')) return 'java';
  if (p.startsWith('csharp') || p.startsWith('dotnet')) return 'dotnet';
  return 'python';
}

export const PLATFORMS: Array<{ id: string; label: string }> = [
  { id: 'python', label: 'Python' },
  { id: 'node', label: 'Node.js' },
  { id: 'javascript', label: 'Browser JavaScript' },
  { id: 'go', label: 'Go' },
  { id: 'ruby', label: 'Ruby' },
  { id: 'php', label: 'PHP' },
  { id: 'java', label: 'Java' },
  { id: 'dotnet', label: '.NET' },
  { id: 'other', label: 'Other' },
];
