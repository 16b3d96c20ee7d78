import type { Breadcrumb, ExceptionValue, Frame } from '../types.ts';

/** The raven example the product started from: `foo(10, 1)` → `10 / h` with h = 0. */
export const zeroDivision: ExceptionValue = {
  type: 'ZeroDivisionError',
  value: 'division by zero',
  mechanism: { type: 'logging', handled: true },
  stacktrace: {
    frames: [
      {
        filename: 'site-packages/runner.py',
        absPath: '/usr/lib/python3/site-packages/runner.py',
        function: 'run',
        module: 'runner',
        lineNo: 12,
        inApp: false,
        context: [
          [11, 'def run(fn):'],
          [12, '    return fn()'],
        ],
      },
      {
        filename: 'site-packages/runner.py',
        function: 'call',
        module: 'runner',
        lineNo: 30,
        inApp: false,
        context: [[30, '    return target(*args)']],
      },
      {
        filename: 'app.py',
        absPath: '/srv/app.py',
        function: 'main',
        module: '__main__',
        lineNo: 14,
        inApp: true,
        context: [
          [13, 'try:'],
          [14, '    foo(10, 1)'],
          [15, 'except Exception as e:'],
        ],
        vars: { e: null },
      },
      {
        filename: 'app.py',
        absPath: '/srv/app.py',
        function: 'foo',
        module: '__main__',
        lineNo: 8,
        colNo: 12,
        inApp: true,
        context: [
          [5, 'def foo(m, n):'],
          [6, '    h = m / n - m'],
          [7, '    # h is zero here'],
          [8, '    return m / h'],
          [9, ''],
        ],
        vars: { m: 10, n: 1, h: 0.0, opts: { retry: true, names: ['a', 'b'] } },
      },
    ],
  },
};

export const hostileFrame: Frame = {
  filename: '<script>alert("file")</script>.js',
  function: '<img src=x onerror=alert(1)>',
  lineNo: 2,
  inApp: true,
  context: [
    [1, '<script>alert("ctx")</script>'],
    [2, 'location.href = "javascript:alert(2)"'],
  ],
  vars: { '<b>name</b>': '<script>alert("var")</script>', link: 'javascript:alert(3)' },
};

export const crumbs: Breadcrumb[] = [
  { timestamp: '2025-11-24T10:00:00.000Z', category: 'navigation', type: 'navigation', data: { from: '/', to: '/checkout' } },
  { timestamp: '2025-11-24T10:00:01.500Z', category: 'xhr', type: 'http', data: { method: 'POST', url: 'https://api.example.com/pay', status_code: 500 }, level: 'error' },
  { timestamp: '2025-11-24T10:00:02.250Z', category: 'console', level: 'warning', message: 'retrying payment' },
];
