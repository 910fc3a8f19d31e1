/** The Asterisk connection's recording settings: defaults, and strict refusal of what would break the Dial data. */
import { expect } from 'chai';
import { AppError } from '../../shared/errors.js';
import { ASTERISK_RECORDING_DEFAULTS, parsePbxSettings } from '../../shared/accounts/pbx-settings.js';

const base = { host: 'pbx.example.com', username: 'c2c-relay', secret: 's3cret' };

function refusal(extra: Record<string, unknown>): string {
  try {
    parsePbxSettings('asterisk', { ...base, ...extra });
  } catch (err) {
    expect(err).to.be.instanceOf(AppError).with.property('code', 'invalid_request');
    return (err as AppError).message;
  }
  throw new Error(`accepted ${JSON.stringify(extra)}`);
}

describe('Asterisk recording settings', () => {
  it('when none are given, then the defaults are a core-sound prompt, the README subroutine and the monitor directory in wav', () => {
    expect(parsePbxSettings('asterisk', base)).to.deep.include(ASTERISK_RECORDING_DEFAULTS);
    expect(ASTERISK_RECORDING_DEFAULTS).to.deep.equal({
      recording_warning: 'conf-now-recording',
      recording_context: 'c2c-relay-record',
      recording_dir: '/var/spool/asterisk/monitor',
      recording_format: 'wav',
    });
  });

  it('when valid values are given, then they are kept', () => {
    const settings = { recording_warning: 'custom/recording-notice', recording_context: 'my-rec_1', recording_dir: '/srv/calls/2026', recording_format: 'gsm' };
    expect(parsePbxSettings('asterisk', { ...base, ...settings })).to.deep.include(settings);
  });

  for (const [field, value] of [
    ['recording_warning', '../../etc/passwd'],
    ['recording_warning', '/var/lib/asterisk/sounds/x'],
    ['recording_warning', 'a:b'],
    ['recording_warning', 'notice)U(evil'],
    ['recording_warning', 'a,b'],
    ['recording_warning', 'x'.repeat(129)],
    ['recording_context', 'rec^s^1'],
    ['recording_context', ''],
    ['recording_dir', 'relative/dir'],
    ['recording_dir', '/srv/../etc'],
    ['recording_dir', '/srv/calls\n'],
    ['recording_format', 'mp3'],
  ] as const) {
    it(`when ${field} is ${JSON.stringify(value).slice(0, 30)}, then the connection is refused naming it`, () => {
      expect(refusal({ [field]: value })).to.contain(`/${field}`);
    });
  }

  it('when a value that goes into the Dial data holds an upper-case word Asterisk blacklists, then it is refused with the reason', () => {
    expect(refusal({ recording_warning: 'custom/DBnotice' })).to.contain('/recording_warning must not contain "DB"').and.contain('system class');
    expect(refusal({ recording_context: 'FILE-rec' })).to.contain('/recording_context must not contain "FILE"');
    expect(refusal({ context: 'from-CURL' })).to.contain('/context must not contain "CURL"');
    expect(parsePbxSettings('asterisk', { ...base, recording_warning: 'custom/db-notice' }).recording_warning).to.equal('custom/db-notice');
  });
});
