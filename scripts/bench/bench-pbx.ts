/**
 * The benchmark's PBX: the AMI double with the sandbox extensions, answering at once and hanging up
 * at once, so the relay (not a simulated ring) is what gets measured. Its relay user has the
 * README's recommended `eventfilter` lines (BENCH_AMI_FILTERS=0 sends every call event instead).
 * Port from argv[2].
 */
import { RECOMMENDED_EVENT_FILTERS, sandboxAmiOptions } from '../../test/doubles/ami/ami-double-options.js';
import { startAmiDouble } from '../../test/doubles/ami/ami-double.js';

const options = sandboxAmiOptions();
const relayUser = { secret: 'relaysecret', read: ['call'], write: ['originate', 'call', 'reporting'] };
const eventFilters = process.env.BENCH_AMI_FILTERS === '0' ? {} : { eventFilters: RECOMMENDED_EVENT_FILTERS };
// Nothing reads what the double received: keeping it would grow the double's heap with every call of the run.
const double = await startAmiDouble({ ...options, keepRecords: false, users: { relay: { ...relayUser, ...eventFilters } }, port: Number(process.argv[2] ?? 0), leg2Outcomes: {}, timing: { ringMs: 1, holdMs: 1 } });
process.stdout.write(`${JSON.stringify({ port: double.port })}\n`);
process.once('SIGTERM', () => void double.close().then(() => process.exit(0)));
