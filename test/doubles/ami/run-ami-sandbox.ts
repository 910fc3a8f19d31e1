/**
 * Runs the AMI double with the developer-sandbox script (FreePBX-like extensions 1001–1005, user
 * relay/relaysecret) so the relay has a PBX to call locally. Port: argv[2], else AMI_SANDBOX_PORT,
 * else 5038. Prints one JSON line with the address, then runs until SIGINT/SIGTERM.
 */
import { sandboxAmiOptions } from './ami-double-options.js';
import { startAmiDouble } from './ami-double.js';

function portFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid AMI sandbox port: ${value}`);
  return port;
}

const port = portFrom(process.argv[2]) ?? portFrom(process.env.AMI_SANDBOX_PORT) ?? 5038;
const double = await startAmiDouble({ ...sandboxAmiOptions(), port });
process.stdout.write(`${JSON.stringify({ ami_sandbox: { host: double.host, port: double.port } })}\n`);

const stop = () => {
  void double.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
