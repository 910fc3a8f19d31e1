/**
 * Runs the AMI double with the developer-sandbox script (FreePBX-like extensions 1001–1005, user
 * relay/relaysecret, the README's recording and SIP-header subroutines installed, Click-to-Agent's
 * queue `sales`, numbers 5550100–5550103 scripted on either leg) so the relay has a PBX to call
 * locally. Port: argv[2], else AMI_SANDBOX_PORT, else 5038. Prints one JSON line with the address,
 * then, as each call ends, one line with what its legs received: caller IDs, the variables
 * (C2C_PAGE, C2C_REF, C2C_APP_…), SIP headers, music-on-hold class, what leg 1 heard while leg 2
 * rang, the warning prompts and the recording's file, which is never written.
 * Runs until SIGINT/SIGTERM.
 */
import { sandboxAmiOptions } from './ami-double-options.js';
import { startAmiDouble } from './ami-double.js';
import type { LegReceived, ReceivedCall } from './received-call.js';

function portFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid AMI sandbox port: ${value}`);
  return port;
}

function leg(received: LegReceived | undefined): Record<string, unknown> | undefined {
  if (!received) return undefined;
  const { channel, callerIdNum, callerIdName, variables, prompts, freepbx, sipHeaders, musicClass, ringback } = received;
  return {
    channel, caller_id: `"${callerIdName}" <${callerIdNum}>`, variables, sip_headers: sipHeaders, music_class: musicClass, prompts,
    ...(ringback ? { ringback } : {}), ...(freepbx ? { freepbx } : {}),
  };
}

function report(call: ReceivedCall): void {
  const line = { ami_sandbox_call: { action_id: call.actionId, leg1: leg(call.leg1), leg2: leg(call.leg2), recording: call.recording } };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const port = portFrom(process.argv[2]) ?? portFrom(process.env.AMI_SANDBOX_PORT) ?? 5038;
const double = await startAmiDouble({ ...sandboxAmiOptions(), port, onCallEnd: report });
process.stdout.write(`${JSON.stringify({ ami_sandbox: { host: double.host, port: double.port } })}\n`);

const stop = () => {
  void double.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
