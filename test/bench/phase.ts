/**
 * Runs one benchmark phase in this process and writes its result as JSON:
 * `node --import tsx test/bench/phase.ts <phase> <options-json> <out-file>`.
 * Each phase gets a fresh process: the handlers read their configuration when
 * first imported, and one phase's mocks, emulators and heap must not colour
 * another's figures.
 */
import { writeFileSync } from 'node:fs';

export type PhaseName = 'cpu' | 'coldstart' | 'e2e' | 'resources' | 'portal' | 'list' | 'load';

async function runPhase(name: string, options: any): Promise<unknown> {
  switch (name) {
    case 'cpu':
      return (await import('./cpu.ts')).runCpu(options);
    case 'coldstart':
      return (await import('./coldstart.ts')).runColdStart(options);
    case 'e2e':
      return (await import('./e2e.ts')).runE2e(options);
    case 'resources':
      return (await import('./resources.ts')).runResources(options);
    case 'portal':
      return (await import('./portal.ts')).runPortal(options);
    case 'list':
      return (await import('./list.ts')).runList(options);
    case 'load':
      return (await import('./noloss.ts')).runNoLoss(options);
    default:
      throw new Error(`unknown benchmark phase ${name}`);
  }
}

const [name, options, out] = process.argv.slice(2);
if (!name || !options || !out) {
  console.error('usage: phase.ts <cpu|coldstart|e2e|resources|portal|list|load> <options-json> <out-file>');
  process.exit(2);
}
const result = await runPhase(name, JSON.parse(options));
writeFileSync(out, JSON.stringify(result));
// Emulator sockets and SDK agents may keep the loop alive; the result is written.
process.exit(0);
