/**
 * What a stack frame contributes to grouping: where (module, else the file's
 * basename), what (the function) and, on platforms that send source, the line
 * of code itself. Never line or column numbers, which move with every deploy.
 * Mirrors Sentry's newstyle frame component (src/sentry/grouping/strategies/newstyle.py).
 */
import type { Frame } from '../model.ts';
import { text } from './inspect.ts';

/** Platforms whose SDKs send source context that identifies the call better than a line number. */
const CONTEXT_LINE_PLATFORMS = new Set(['python', 'javascript', 'node', 'php', 'ruby']);
const JS_PLATFORMS = new Set(['javascript', 'node']);
const NATIVE_PLATFORMS = new Set(['native', 'c', 'cpp', 'objc', 'cocoa', 'swift', 'rust']);

/** Sentry ignores context lines longer than 120 characters (minified code, data blobs). */
export const MAX_CONTEXT_LINE_CHARS = 120;

const IGNORED_FUNCTIONS = new Set(['?', '<unknown>', '<redacted>', '<anonymous>', '<anonymous function>', 'Anonymous function']);

/** `http://…`, `webpack-internal:///…`, `org-dartlang-sdk:///…`: served code, whose location is not the program's. */
const URL_RE = /^[a-z][a-z0-9+.-]*:\/\//i;
const FILE_URL_RE = /^file:\/\//i;
/** Bundler content hashes in file and module names ("main.8f3a2c1.js"). */
const CONTENT_HASH_RE = /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b/gi;
/** Java bytecode enhancers and lambdas that embed generated ids in class names. */
const JAVA_GENERATED_RE = [
  [/(\$\$[\w]+?CGLIB\$\$)[a-fA-F0-9]+(?:_\d+)?/g, '$1<auto>'],
  [/(\$\$_javassist)(?:_seam)?(?:_\d+)?/g, '$1<auto>'],
  [/(\$\$Lambda\$)[^./]*(?:\/0x[0-9a-fA-F]+)?/g, '$1<auto>'],
  [/(\$Proxy)\d+/g, '$1<auto>'],
  [/(\$fn__)\d+/g, '$1<auto>'],
] as const;
/** ERB templates compile to methods named `_foo_html_erb__3327151541118998292_70361296749460`. */
const RUBY_ERB_SUFFIX_RE = /__\d{4,}_\d{4,}$/;
/** Objective-C blocks: `__46+[Foo bar]_block_invoke_2`; the numbers are block sizes and counters. */
const BLOCK_PREFIX_RE = /^__\d+(?=[+-]\[)/;
const BLOCK_SUFFIX_RE = /_block_invoke(?:_\d+)?$/;
const RUST_HASH_RE = /::h[0-9a-f]{16}$/;
const MSVC_LAMBDA_RE = /\blambda_[0-9a-f]{32}\b/g;
const WHITESPACE_RE = /\s+/g;

function isJs(platform: string): boolean {
  return JS_PLATFORMS.has(platform);
}

/** The module a frame names, with generated ids removed; undefined when absent. */
export function frameModule(frame: Frame, platform: string): string | undefined {
  let module = text(frame.module);
  if (module === undefined) return undefined;
  if (platform === 'java' || platform === 'android' || platform === 'clojure') {
    for (const [re, replacement] of JAVA_GENERATED_RE) module = module.replace(re, replacement);
  } else if (isJs(platform)) {
    module = module.replace(CONTENT_HASH_RE, '<hash>');
  }
  return module;
}

/** The basename of the frame's file, lower-cased; none for served URLs in JS and for pseudo-files. */
export function frameFile(frame: Frame, platform: string): string | undefined {
  const filename = text(frame.filename);
  const absPath = text(frame.abs_path);
  const path = filename ?? absPath;
  if (path === undefined) return undefined;
  if (isJs(platform) && [filename, absPath].some((p) => p !== undefined && URL_RE.test(p) && !FILE_URL_RE.test(p))) {
    return undefined;
  }
  // `<anonymous>`, `[native code]`, `<compiler-generated>`, Python's `<string>`.
  if (/^[<[].*[>\]]$/.test(path)) return undefined;
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).toLowerCase();
  if (base === '') return undefined;
  return isJs(platform) ? base.replace(CONTENT_HASH_RE, '<hash>') : base;
}

/** Removes `(...)` groups at nesting depth zero, keeping `(anonymous namespace)`. */
function stripArgumentLists(fn: string): string {
  let out = '';
  let depth = 0;
  let start = 0;
  for (let i = 0; i < fn.length; i++) {
    const c = fn[i];
    if (c === '(') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === ')' && depth > 0) {
      depth--;
      if (depth === 0 && fn.slice(start + 1, i).trim() === 'anonymous namespace') out += '(anonymous namespace)';
    } else if (depth === 0) {
      out += c;
    }
  }
  return out.trim();
}

function trimNativeFunction(fn: string): string {
  if (/^[+-]?\[/.test(fn)) return fn;
  let trimmed = fn.replace(RUST_HASH_RE, '').replace(MSVC_LAMBDA_RE, 'lambda');
  trimmed = trimmed.replace(/\boperator\(\)/g, 'operator<call>');
  trimmed = stripArgumentLists(trimmed).replace(/(?:\s+const|\s*&)+$/, '');
  return trimmed.replace('operator<call>', 'operator()') || fn;
}

/** The frame's function as grouping sees it; undefined when unknown or anonymous. */
export function frameFunction(frame: Frame, platform: string): string | undefined {
  let fn = text(frame.function)?.trim();
  if (fn === undefined || fn === '') return undefined;
  if (isJs(platform)) {
    fn = fn.replace(/^(?:new |async )+/, '');
    // Firefox names anonymous inner functions `outer/<`: nothing stable to keep.
    if (fn.endsWith('/<')) return undefined;
    fn = fn.slice(fn.lastIndexOf('.') + 1);
  } else if (platform === 'ruby') {
    fn = fn.replace(RUBY_ERB_SUFFIX_RE, '');
  } else if (NATIVE_PLATFORMS.has(platform)) {
    fn = fn.replace(BLOCK_PREFIX_RE, '__').replace(BLOCK_SUFFIX_RE, '_block_invoke');
    fn = trimNativeFunction(fn);
  }
  return fn === '' || IGNORED_FUNCTIONS.has(fn) ? undefined : fn;
}

/** The whitespace-collapsed context line on platforms that send source; undefined when absent or too long. */
export function frameContextLine(frame: Frame, platform: string): string | undefined {
  if (!CONTEXT_LINE_PLATFORMS.has(platform)) return undefined;
  const line = text(frame.context_line);
  if (line === undefined) return undefined;
  const collapsed = line.replace(WHITESPACE_RE, ' ').trim();
  if (collapsed === '' || collapsed.length > MAX_CONTEXT_LINE_CHARS) return undefined;
  return collapsed;
}

/**
 * One frame's grouping component, or undefined when the frame names neither a
 * module/file nor a function.
 */
export function frameComponent(frame: Frame, eventPlatform: string): string | undefined {
  const platform = text(frame.platform) ?? eventPlatform;
  const location = frameModule(frame, platform) ?? frameFile(frame, platform);
  const fn = frameFunction(frame, platform);
  if (location === undefined && fn === undefined) return undefined;
  const context = frameContextLine(frame, platform);
  return `frame:${location ?? ''}|${fn ?? ''}|${context ?? ''}`;
}
