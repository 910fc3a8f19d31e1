/**
 * The benchmark's PBX: the AMI double with the sandbox extensions, answering at once and hanging up
 * at once, so the relay (not a simulated ring) is what gets measured. Port from argv[2].
 */
import { sandboxAmiOptions } from '../../test/doubles/ami/ami-double-options.js';
import { startAmiDouble } from '../../test/doubles/ami/ami-double.js';

const options = sandboxAmiOptions();
const double = await startAmiDouble({ ...options, port: Number(process.argv[2] ?? 0), leg2Outcomes: {}, timing: { ringMs: 1, holdMs: 1 } });
process.stdout.write(`${JSON.stringify({ port: double.port })}\n`);
process.once('SIGTERM', () => void double.close().then(() => process.exit(0)));
