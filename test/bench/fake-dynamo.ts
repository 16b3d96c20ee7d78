/**
 * An in-memory DynamoDB table at the document-client level, so the real
 * `DynamoStore` adapter runs in the CPU benchmark without any network or
 * emulator CPU in the figures. It understands the expressions the adapter
 * writes (conditions with comparisons, AND/OR/NOT, BETWEEN and the functions
 * attribute_exists, attribute_not_exists, begins_with; updates with SET,
 * if_not_exists, ADD and REMOVE) — not the whole DynamoDB grammar.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type BatchGetCommandInput,
  type DeleteCommandInput,
  type GetCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { TABLE } from '#shared/infra.ts';

type Item = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, unknown> | undefined;

// ---- expressions ----

type Token = { t: 'name' | 'value' | 'ident' | 'op' | 'punct' | 'kw'; v: string };
const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'SET', 'ADD', 'REMOVE', 'DELETE']);

// Parsed once per expression text: the adapter reuses a handful of expressions, and the fake's own CPU must stay out of the figures.
const tokenCache = new Map<string, Token[]>();
function tokenize(src: string): Token[] {
  const cached = tokenCache.get(src);
  if (cached) return cached;
  const out: Token[] = [];
  const re = /\s*(?:(#[\w]+)|(:[\w]+)|(<>|<=|>=|=|<|>|\+|-)|([(),.])|([A-Za-z_]\w*))/y;
  let pos = 0;
  while (pos < src.length) {
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) {
      if (/^\s*$/.test(src.slice(pos))) break;
      throw new Error(`cannot read expression ${src} at ${pos}`);
    }
    pos = re.lastIndex;
    if (m[1]) out.push({ t: 'name', v: m[1] });
    else if (m[2]) out.push({ t: 'value', v: m[2] });
    else if (m[3]) out.push({ t: 'op', v: m[3] });
    else if (m[4]) out.push({ t: 'punct', v: m[4] });
    else if (m[5]) out.push({ t: KEYWORDS.has(m[5].toUpperCase()) ? 'kw' : 'ident', v: m[5] });
  }
  tokenCache.set(src, out);
  return out;
}

class Parser {
  i = 0;
  constructor(
    readonly tokens: Token[],
    readonly names: Names,
    readonly values: Values,
  ) {}
  peek() {
    return this.tokens[this.i];
  }
  next() {
    const t = this.tokens[this.i++];
    if (!t) throw new Error('unexpected end of expression');
    return t;
  }
  accept(v: string) {
    const t = this.peek();
    if (t && t.v.toUpperCase() === v) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(v: string) {
    if (!this.accept(v)) throw new Error(`expected ${v} at ${JSON.stringify(this.peek())}`);
  }
  /** A document path (`a.#b.c`) as its segments. */
  path(): string[] {
    const segments = [this.segment()];
    while (this.peek()?.v === '.') {
      this.i++;
      segments.push(this.segment());
    }
    return segments;
  }
  segment(): string {
    const t = this.next();
    if (t.t === 'name') {
      const name = this.names?.[t.v];
      if (name === undefined) throw new Error(`no attribute name for ${t.v}`);
      return name;
    }
    if (t.t === 'ident') return t.v;
    throw new Error(`expected an attribute, got ${t.v}`);
  }
  /** An operand: a value, an attribute, or if_not_exists(…), with + and -. */
  operand(item: Item): unknown {
    let left = this.term(item);
    for (;;) {
      const t = this.peek();
      if (t?.t === 'op' && (t.v === '+' || t.v === '-')) {
        this.i++;
        const right = this.term(item);
        left = t.v === '+' ? Number(left) + Number(right) : Number(left) - Number(right);
      } else return left;
    }
  }
  term(item: Item): unknown {
    const t = this.peek();
    if (t?.t === 'value') {
      this.i++;
      return this.values?.[t.v];
    }
    if (t?.t === 'ident' && t.v === 'if_not_exists') {
      this.i++;
      this.expect('(');
      const p = this.path();
      this.expect(',');
      const fallback = this.operand(item);
      this.expect(')');
      return getPath(item, p) !== undefined ? getPath(item, p) : fallback;
    }
    if (t?.t === 'ident' && t.v === 'list_append') {
      this.i++;
      this.expect('(');
      const a = this.operand(item);
      this.expect(',');
      const b = this.operand(item);
      this.expect(')');
      return [...((a as unknown[]) ?? []), ...((b as unknown[]) ?? [])];
    }
    if (t?.t === 'ident' && t.v === 'size') {
      this.i++;
      this.expect('(');
      const v = getPath(item, this.path());
      this.expect(')');
      return sizeOf(v);
    }
    return getPath(item, this.path());
  }
  condition(item: Item): boolean {
    let v = this.conjunction(item);
    while (this.accept('OR')) v = this.conjunction(item) || v;
    return v;
  }
  conjunction(item: Item): boolean {
    let v = this.unary(item);
    while (this.accept('AND')) v = this.unary(item) && v;
    return v;
  }
  unary(item: Item): boolean {
    if (this.accept('NOT')) return !this.unary(item);
    if (this.accept('(')) {
      const v = this.condition(item);
      this.expect(')');
      return v;
    }
    const t = this.peek();
    if (t?.t === 'ident' && ['attribute_exists', 'attribute_not_exists', 'begins_with', 'contains'].includes(t.v)) {
      this.i++;
      this.expect('(');
      const current = getPath(item, this.path());
      let v: boolean;
      if (t.v === 'begins_with' || t.v === 'contains') {
        this.expect(',');
        const arg = this.operand(item);
        if (t.v === 'begins_with') v = typeof current === 'string' && current.startsWith(String(arg));
        else if (typeof current === 'string') v = current.includes(String(arg));
        else if (Array.isArray(current) || current instanceof Set) v = [...current].includes(arg);
        else v = false;
      } else v = t.v === 'attribute_exists' ? current !== undefined : current === undefined;
      this.expect(')');
      return v;
    }
    const left = this.operand(item);
    if (this.accept('BETWEEN')) {
      const lo = this.operand(item);
      this.expect('AND');
      const hi = this.operand(item);
      return left !== undefined && compare(left, lo) >= 0 && compare(left, hi) <= 0;
    }
    const op = this.next();
    const right = this.operand(item);
    if (left === undefined || right === undefined) return op.v === '<>' ? left !== right : false;
    const c = compare(left, right);
    switch (op.v) {
      case '=':
        return c === 0;
      case '<>':
        return c !== 0;
      case '<':
        return c < 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      case '>=':
        return c >= 0;
      default:
        throw new Error(`unknown comparator ${op.v}`);
    }
  }
}

function getPath(item: Item, path: string[]): unknown {
  let v: unknown = item;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Item)[seg];
  }
  return v;
}

/** Copy-on-write: the maps along the path are copied, so a stored item is never changed in place. */
function setPath(item: Item, path: string[], value: unknown): void {
  let node = item;
  for (const seg of path.slice(0, -1)) {
    const child = node[seg];
    if (child === null || typeof child !== 'object' || Array.isArray(child)) throw new Error(`document path ${path.join('.')} does not exist`);
    node = node[seg] = { ...(child as Item) };
  }
  node[path.at(-1)!] = value;
}

function removePath(item: Item, path: string[]): void {
  let node = item;
  for (const seg of path.slice(0, -1)) {
    const child = node[seg];
    if (child === null || typeof child !== 'object') return;
    node = node[seg] = { ...(child as Item) };
  }
  delete node[path.at(-1)!];
}

function sizeOf(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (v instanceof Uint8Array) return v.length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Set) return v.size;
  if (v && typeof v === 'object') return Object.keys(v).length;
  return 0;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Evaluates a condition expression against an item (undefined: no item). */
export function evaluateCondition(expr: string, item: Item | undefined, names: Names, values: Values): boolean {
  const p = new Parser(tokenize(expr), names, values);
  const v = p.condition(item ?? {});
  if (p.i !== p.tokens.length) throw new Error(`unparsed tail in condition ${expr}`);
  return v;
}

/** Applies an update expression to a copy of the item. */
export function applyUpdate(expr: string, item: Item, names: Names, values: Values): Item {
  const out: Item = { ...item };
  const p = new Parser(tokenize(expr), names, values);
  let clause = '';
  while (p.peek()) {
    const t = p.peek()!;
    if (t.t === 'kw' && ['SET', 'ADD', 'REMOVE', 'DELETE'].includes(t.v.toUpperCase())) {
      clause = t.v.toUpperCase();
      p.i++;
      continue;
    }
    if (t.v === ',') {
      p.i++;
      continue;
    }
    const path = p.path();
    if (clause === 'SET') {
      p.expect('=');
      // Right-hand sides read the item as it was before this update, as DynamoDB does.
      setPath(out, path, p.operand(item));
    } else if (clause === 'ADD') {
      const v = p.operand(item);
      const current = getPath(out, path);
      if (current instanceof Set || v instanceof Set) setPath(out, path, new Set([...((current as Set<unknown>) ?? []), ...(v as Set<unknown>)]));
      else setPath(out, path, Number(current ?? 0) + Number(v));
    } else if (clause === 'REMOVE') {
      removePath(out, path);
    } else throw new Error(`unsupported update clause ${clause}`);
  }
  return out;
}

// ---- the table ----

function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

/** One table's items by primary key, with the adapter's two indexes answered by scanning. */
export class FakeTable {
  readonly items = new Map<string, Item>();
  /** Calls per command name, for the report. */
  readonly calls: Record<string, number> = {};

  private key(k: Item): string {
    return `${String(k[TABLE.partitionKey])}\u0000${String(k[TABLE.sortKey])}`;
  }

  private count(name: string) {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }

  get(input: GetCommandInput) {
    this.count('Get');
    const item = this.items.get(this.key(input.Key!));
    if (!item || !input.ProjectionExpression) return { Item: item ? { ...item } : undefined, $metadata: {} };
    const projected: Item = {};
    const p = new Parser(tokenize(input.ProjectionExpression), input.ExpressionAttributeNames, undefined);
    while (p.peek()) {
      const path = p.path();
      const v = getPath(item, path);
      if (v !== undefined) {
        let node = projected;
        for (const seg of path.slice(0, -1)) node = (node[seg] ??= {}) as Item;
        node[path.at(-1)!] = v;
      }
      p.accept(',');
    }
    return { Item: projected, $metadata: {} };
  }

  put(input: PutCommandInput) {
    this.count('Put');
    const k = this.key(input.Item!);
    const old = this.items.get(k);
    if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, old, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) throw conditionFailed();
    this.items.set(k, { ...input.Item });
    return { $metadata: {} };
  }

  update(input: UpdateCommandInput) {
    this.count('Update');
    const k = this.key(input.Key!);
    const old = this.items.get(k);
    if (input.ConditionExpression && !evaluateCondition(input.ConditionExpression, old, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) throw conditionFailed();
    const next = applyUpdate(input.UpdateExpression!, old ?? { ...input.Key }, input.ExpressionAttributeNames, input.ExpressionAttributeValues);
    this.items.set(k, next);
    let Attributes: Item | undefined;
    if (input.ReturnValues === 'ALL_NEW') Attributes = { ...next };
    else if (input.ReturnValues === 'ALL_OLD') Attributes = old ? { ...old } : undefined;
    else if (input.ReturnValues === 'UPDATED_NEW') {
      Attributes = {};
      for (const [a, v] of Object.entries(next)) if (old?.[a] !== v) Attributes[a] = v;
    }
    return { Attributes, $metadata: {} };
  }

  delete(input: DeleteCommandInput) {
    this.count('Delete');
    this.items.delete(this.key(input.Key!));
    return { $metadata: {} };
  }

  query(input: QueryCommandInput) {
    this.count('Query');
    const index = TABLE.indexes.find((i) => i.name === input.IndexName);
    const sortKey = index ? index.sortKey : TABLE.sortKey;
    const matches: Item[] = [];
    for (const item of this.items.values()) {
      if (index && (item[index.partitionKey] === undefined || item[index.sortKey] === undefined)) continue;
      if (!evaluateCondition(input.KeyConditionExpression!, item, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) continue;
      if (input.FilterExpression && !evaluateCondition(input.FilterExpression, item, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) continue;
      matches.push({ ...item });
    }
    matches.sort((a, b) => compare(a[sortKey], b[sortKey]));
    if (input.ScanIndexForward === false) matches.reverse();
    return { Items: input.Limit ? matches.slice(0, input.Limit) : matches, $metadata: {} };
  }

  batchGet(input: BatchGetCommandInput) {
    this.count('BatchGet');
    const Responses: Record<string, Item[]> = {};
    for (const [table, req] of Object.entries(input.RequestItems ?? {})) {
      Responses[table] = (req.Keys ?? []).map((k) => this.items.get(this.key(k))).filter((i): i is Item => i !== undefined);
    }
    return { Responses, $metadata: {} };
  }
}

/** A client class whose `send` is answered in memory. */
interface SdkClientClass {
  prototype: { send: (...args: any[]) => Promise<unknown> };
}

/**
 * Answers every `send` of `client`'s instances in this process from
 * `handlers`, keyed by command class; `restore()` gives the real `send` back.
 * Deliberately plainer than aws-sdk-client-mock: its sinon stubs deep-compare
 * every command's input with each registered matcher, which cost more CPU per
 * call than the grouping step itself and coloured the figures.
 */
export function answerInMemory(client: SdkClientClass, handlers: ReadonlyArray<readonly [command: Function, answer: (input: any) => unknown]>) {
  const proto = client.prototype;
  const own = Object.hasOwn(proto, 'send');
  const original = proto.send;
  const byCommand = new Map(handlers);
  proto.send = async function send(command: { constructor: Function; input: unknown }) {
    const answer = byCommand.get(command.constructor);
    if (!answer) throw new Error(`no in-memory answer for ${command.constructor.name}`);
    return answer(command.input);
  };
  return {
    restore() {
      if (own) proto.send = original;
      else delete (proto as Partial<typeof proto>).send;
    },
  };
}

/**
 * Answers every DynamoDB document-client call of this process from `table`.
 * Returns a handle whose `restore()` gives the real client back.
 */
export function mockDynamo(table: FakeTable) {
  return answerInMemory(DynamoDBDocumentClient, [
    [GetCommand, (input: GetCommandInput) => table.get(input)],
    [PutCommand, (input: PutCommandInput) => table.put(input)],
    [UpdateCommand, (input: UpdateCommandInput) => table.update(input)],
    [DeleteCommand, (input: DeleteCommandInput) => table.delete(input)],
    [QueryCommand, (input: QueryCommandInput) => table.query(input)],
    [BatchGetCommand, (input: BatchGetCommandInput) => table.batchGet(input)],
  ]);
}
