/** DBGet, Getvar, PJSIPShowEndpoint and ExtensionState as Asterisk answers them (§4, §8.5–8.7). */
import type { DoubleExtension } from './ami-double-options.js';
import type { ActionHandler, DoubleCore } from './ami-session.js';
import { get } from './client-input.js';
import { errorReply, type Header, reply } from './wire.js';

function extensionsOf(core: DoubleCore): Record<string, DoubleExtension> {
  return core.options.extensions ?? {};
}

function extension(core: DoubleCore, name: string, kind: 'freepbx' | 'pjsip'): DoubleExtension | undefined {
  const ext = Object.hasOwn(extensionsOf(core), name) ? extensionsOf(core)[name] : undefined;
  if (!ext || ext[kind] === false) return undefined;
  return ext;
}

/** AstDB as FreePBX fills it for each user (Core.class.php), plus explicit entries. */
export function astdb(core: DoubleCore, family: string, key: string): string | undefined {
  const path = `${family}/${key}`;
  const extra = core.options.astdb ?? {};
  if (Object.hasOwn(extra, path)) return extra[path];
  const [ext, field] = key.split('/');
  if (ext === undefined || field === undefined) return undefined;
  const user = extension(core, ext, 'freepbx');
  if (!user) return undefined;
  const fields: Record<string, Record<string, string>> = {
    AMPUSER: { cidname: user.name, cidnum: ext, outboundcid: user.outboundCid ?? '', ringtimer: '0', device: ext, voicemail: 'novm' },
    DEVICE: { user: ext, tech: 'pjsip', dial: `PJSIP/${ext}`, type: 'fixed', default_user: ext },
  };
  return fields[family]?.[field];
}

function callerId(name: string, ext: string): string {
  return `"${name}" <${ext}>`;
}

function evaluate(core: DoubleCore, variable: string): string {
  const endpoint = /^PJSIP_ENDPOINT\(([^,)]*),([^)]*)\)$/i.exec(variable);
  if (endpoint) {
    const [, name = '', field = ''] = endpoint;
    const ext = extension(core, name.trim(), 'pjsip');
    if (!ext) return '';
    const fields: Record<string, string> = {
      context: ext.context ?? 'from-internal',
      callerid: callerId(ext.name, name.trim()),
      accountcode: '',
      aors: name.trim(),
    };
    return fields[field.trim().toLowerCase()] ?? '';
  }
  const dialplan = /^DIALPLAN_EXISTS\(([^,)]*)(?:,([^,)]*))?(?:,([^,)]*))?\)$/i.exec(variable);
  if (dialplan) {
    // The model knows no priorities beyond an extension's first, and no labels.
    const [, context = '', exten, priority] = dialplan;
    if (priority !== undefined && priority !== '1') return '0';
    return (exten ? core.dialplan.exists(context, exten) : core.dialplan.hasContext(context)) ? '1' : '0';
  }
  const exists = /^DB_EXISTS\(([^/)]*)\/([^)]*)\)$/i.exec(variable);
  if (exists) return astdb(core, exists[1] ?? '', exists[2] ?? '') === undefined ? '0' : '1';
  // DB() is an escalating function: Asterisk blocks it from AMI and answers an empty value.
  if (/^DB\(/i.test(variable)) return '';
  const globals = core.options.globals ?? {};
  return Object.hasOwn(globals, variable) ? (globals[variable] ?? '') : '';
}

export const lookupHandlers: Record<string, ActionHandler> = {
  dbget: {
    classes: ['system', 'reporting'],
    run({ session, core, headers, actionId }) {
      const family = get(headers, 'Family');
      const key = get(headers, 'Key');
      if (!family) return session.send(errorReply(actionId, 'No family specified.'));
      if (!key) return session.send(errorReply(actionId, 'No key specified.'));
      const val = astdb(core, family, key);
      if (val === undefined) return session.send(errorReply(actionId, 'Database entry not found'));
      const id: Header[] = actionId === undefined ? [] : [['ActionID', actionId]];
      session.send(
        reply('Success', actionId, [['EventList', 'start'], ['Message', 'Result will follow']]),
        // DBGetResponse carries its ActionID last (§2.3).
        [['Event', 'DBGetResponse'], ['Family', family], ['Key', key], ['Val', val], ...id],
        [['Event', 'DBGetComplete'], ...id, ['EventList', 'Complete'], ['ListItems', '1']],
      );
    },
  },
  getvar: {
    classes: ['call', 'reporting'],
    run({ session, core, headers, actionId }) {
      const variable = get(headers, 'Variable');
      if (!variable) return session.send(errorReply(actionId, 'No variable specified'));
      session.send(reply('Success', actionId, [['Variable', variable], ['Value', evaluate(core, variable)]]));
    },
  },
  pjsipshowendpoint: {
    classes: ['system'],
    run({ session, core, headers, actionId }) {
      const raw = get(headers, 'Endpoint');
      if (!raw) return session.send(errorReply(actionId, 'PJSIPShowEndpoint requires an endpoint name\n'));
      const name = raw.replace(/^PJSIP\//i, '');
      const ext = extension(core, name, 'pjsip');
      if (!ext) return session.send(errorReply(actionId, `Unable to retrieve endpoint ${name}\n`));
      const id: Header[] = actionId === undefined ? [] : [['ActionID', actionId]];
      const message = 'Following are Events for each object associated with the Endpoint';
      session.send(
        reply('Success', actionId, [['EventList', 'start'], ['Message', message]]),
        [
          ['Event', 'EndpointDetail'], ...id, ['ObjectType', 'endpoint'], ['ObjectName', name],
          ['Context', ext.context ?? 'from-internal'], ['Callerid', callerId(ext.name, name)],
          ['CalleridPrivacy', 'allowed_not_screened'], ['Accountcode', ''], ['Aors', name], ['Auth', `${name}-auth`],
          ['OutboundAuth', ''], ['Transport', '0.0.0.0-udp'], ['Allow', '(ulaw|alaw|g722)'], ['Language', 'en'],
          ['FromUser', ''], ['FromDomain', ''], ['DeviceState', 'Not in use'], ['ActiveChannels', '0'],
        ],
        [
          ['Event', 'AorDetail'], ...id, ['ObjectType', 'aor'], ['ObjectName', name], ['MaxContacts', '1'],
          ['Contacts', `${name}/sip:${name}@192.0.2.10:5060`], ['TotalContacts', '1'], ['ContactsRegistered', '1'],
          ['EndpointName', name],
        ],
        [
          ['Event', 'AuthDetail'], ...id, ['ObjectType', 'auth'], ['ObjectName', `${name}-auth`], ['Username', name],
          ['Password', ext.sipPassword ?? `sip-${name}-password`], ['Md5Cred', ''], ['Realm', ''],
          ['AuthType', 'userpass'], ['EndpointName', name],
        ],
        [['Event', 'EndpointDetailComplete'], ...id, ['EventList', 'Complete'], ['ListItems', '3']],
      );
    },
  },
  extensionstate: {
    classes: ['call', 'reporting'],
    run({ session, core, headers, actionId }) {
      const exten = get(headers, 'Exten') ?? '';
      const context = get(headers, 'Context') || 'default';
      const ext = extension(core, exten, 'pjsip');
      const hinted = ext !== undefined && ['ext-local', 'from-internal', ext.context].includes(context);
      session.send(
        reply('Success', actionId, [
          ['Message', 'Extension Status'], ['Exten', exten], ['Context', context],
          ['Hint', hinted ? `PJSIP/${exten}` : ''], ['Status', hinted ? '0' : '-1'],
          ['StatusText', hinted ? 'Idle' : 'Unknown'],
        ]),
      );
    },
  },
};
