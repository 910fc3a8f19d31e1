import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import { schema as click2callSchema } from '../../api/click2call/parse-request.js';
import { agentSchema, findMeSchema } from '../../api/dialogtech/parse-dialogtech-request.js';
import { schemas as pbxSettingsSchemas } from '../../shared/accounts/pbx-settings.js';
import { policySchema } from '../../shared/accounts/policy.js';
import { smsGatewaySchema } from '../../shared/accounts/sms-gateway-settings.js';
import { AGENT_QUEUE_SCHEMA } from '../../shared/agents/agent-queue-settings.js';
import { FINDME_SCHEMA } from '../../shared/findme/findme-settings.js';
import { ERROR_CODES } from '../../shared/errors.js';
import { CALL_STATES } from '../../shared/status/status-document.js';
import { mountedOperations } from '../support/mounted-routes.js';
import { provision, startRelay, type Relay } from '../support/relay.js';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// ajv-formats is CommonJS: its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** Every public calling entry point and the schema that validates its fields. */
const CALL_ENTRY_POINTS = [
  { path: '/v1/click2call', schema: click2callSchema },
  { path: '/v1/clicktoagent', schema: agentSchema },
  { path: '/v1/clicktofindme', schema: findMeSchema },
];

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };

function describedOperations(doc: Doc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((key) => HTTP_METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) in strict mode, with the description's components at `api#/components/…`. */
function schemaCompiler(doc: Doc) {
  const ajv = addFormats(new Ajv2020({ strict: true, strictTypes: false, allErrors: true }));
  ajv.addKeyword('components');
  ajv.addSchema({ $id: 'api', components: doc.components });
  return (schema: unknown) => ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"api#/components/')) as object);
}

/** Every schema object of the description: components, parameters, bodies, responses and headers. */
function everySchema(doc: Doc): [string, unknown][] {
  const found: [string, unknown][] = Object.keys(doc.components.schemas).map((name) => [name, { $ref: `#/components/schemas/${name}` }]);
  const visit = (node: unknown, path: string) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'schema' && !path.includes('/components/schemas')) found.push([`${path}/schema`, value]);
      else visit(value, `${path}/${key}`);
    }
  };
  visit(doc.paths, '#/paths');
  return found;
}

describe('the OpenAPI description', function () {
  this.timeout(20000);
  let relay: Relay;
  let doc: Doc;

  before(async () => {
    relay = await startRelay({}, { worker: false });
    const response = await fetch(`${relay.base}/openapi.json`);
    expect(response.status).to.equal(200);
    doc = (await response.json()) as Doc;
  });
  after(() => relay.stop());

  it('when validated with an OpenAPI 3.1 validator, then it is valid and every $ref resolves', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(validator.version).to.equal('3.1');
    expect(() => validator.resolveRefs()).to.not.throw();
  });

  it('when compared with the routes the app has mounted, then each describes exactly the other', () => {
    const mounted = mountedOperations(relay.web.app);
    const described = describedOperations(doc);
    const methodless = mounted.filter((op) => op.startsWith('* '));
    expect(methodless, 'routes registered with router.all alone: register their methods (router.route(path).get(h).post(h).all(answer405)) so they can be described').to.deep.equal([]);
    expect(mounted.filter((op) => !described.includes(op)), 'mounted routes the description lacks (add them to api/openapi/)').to.deep.equal([]);
    expect(described.filter((op) => !mounted.includes(op)), 'described operations no route serves').to.deep.equal([]);
    expect(mounted).to.include.members(['GET /v1/click2call', 'POST /v1/click2call', 'HEAD /v1/click2call', 'GET /v1/status/{request_id}', 'PUT /admin/v1/accounts/{id}/policy']);
  });

  it('when it gives the request schemas, then they are the validators\' own objects, copied', () => {
    const schemas = doc.components.schemas;
    expect(schemas.Click2CallFields).to.deep.include(JSON.parse(JSON.stringify(click2callSchema)));
    expect(schemas.ClickToAgentFields).to.deep.include(JSON.parse(JSON.stringify(agentSchema)));
    expect(schemas.ClickToFindMeFields).to.deep.include(JSON.parse(JSON.stringify(findMeSchema)));
    expect(schemas.Policy).to.deep.include(JSON.parse(JSON.stringify(policySchema)));
    expect(schemas.AsteriskSettings).to.deep.include(JSON.parse(JSON.stringify(pbxSettingsSchemas.asterisk)));
    expect(schemas.SwitchvoxSettings).to.deep.include(JSON.parse(JSON.stringify(pbxSettingsSchemas.switchvox)));
    expect(schemas.OtherSettings).to.deep.include(JSON.parse(JSON.stringify(pbxSettingsSchemas.other)));
    expect(schemas.SmsGatewaySettings).to.deep.include(JSON.parse(JSON.stringify(smsGatewaySchema)));
    expect(schemas.AgentQueueSettings).to.deep.include(JSON.parse(JSON.stringify(AGENT_QUEUE_SCHEMA)));
    expect(schemas.FindMeSettings).to.deep.include(JSON.parse(JSON.stringify(FINDME_SCHEMA)));
  });

  it('when a field of a calling entry point is validated, then GET documents it as a query parameter with a description, and POST as a body field', () => {
    for (const { path, schema } of CALL_ENTRY_POINTS) {
      const parameters = doc.paths[path]?.get.parameters as { name: string; description: string; required: boolean; schema: unknown }[];
      for (const [name, field] of Object.entries(schema.properties)) {
        const parameter = parameters.find((p) => p.name === name);
        expect(parameter, `${path} ${name}`).to.not.equal(undefined);
        expect(parameter?.schema, `${path} ${name}`).to.deep.equal(JSON.parse(JSON.stringify(field)));
        expect(parameter?.required, `${path} ${name}`).to.equal((schema.required as readonly string[]).includes(name));
        expect(parameter?.description, `a description of ${path} ${name} in api/openapi/`).to.be.a('string').and.not.equal('');
      }
      expect(parameters.map((p) => p.name), path).to.include('api_key');
      expect(doc.paths[path]?.post.requestBody.content, path).to.have.keys('application/json', 'application/x-www-form-urlencoded');
      expect(doc.paths[path]?.head.responses, path).to.have.property('200');
    }
    expect((doc.paths['/v1/click2call']?.get.parameters as { name: string }[]).map((p) => p.name)).to.include('dail_as');
  });

  it('when it lists error codes and states, then they are the catalogue and the state machine', () => {
    expect(doc.components.schemas.ErrorCode.enum).to.deep.equal(Object.keys(ERROR_CODES));
    for (const [code, { http }] of Object.entries(ERROR_CODES)) expect(doc.components.schemas.ErrorCode.description).to.contain(`| \`${code}\` | ${http} |`);
    expect(doc.components.schemas.CallState.enum).to.deep.equal(CALL_STATES);
  });

  it('when the status URL is described, then it has the token, the long-poll wait, If-None-Match, ETag and 304', () => {
    const status = doc.paths['/v1/status/{request_id}']?.get;
    expect(status.parameters.map((p: { name: string }) => p.name)).to.include.members(['request_id', 'wait', 'If-None-Match']);
    expect(status.security).to.deep.include({ statusToken: [] });
    expect(status.responses['200'].headers).to.have.property('ETag');
    expect(status.responses).to.have.property('304');
    expect(status.responses['200'].content).to.have.keys('application/json', 'text/html');
  });

  it('when its schemas are compiled as JSON Schema 2020-12 in strict mode, then every one compiles (no misspelt keyword)', () => {
    const compile = schemaCompiler(doc);
    for (const [where, schema] of everySchema(doc)) expect(() => compile(schema), where).to.not.throw();
  });

  it('when the relay answers, then the answers match the documented schemas', async () => {
    const compile = schemaCompiler(doc);
    const check = (name: string, value: unknown) => {
      const validate = compile({ $ref: `#/components/schemas/${name}` });
      expect(validate(value), `${name}: ${JSON.stringify(validate.errors)}`).to.equal(true);
    };
    const refused = await (await fetch(`${relay.base}/v1/click2call?dial_first=1001&dial_second=5550100`)).json();
    check('Click2CallResponse', refused);
    const preview = await (await fetch(`${relay.base}/v1/click2call?dial_first=1001&dial_second=5550100`, { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' } })).json();
    check('Click2CallResponse', preview);

    const { accountId, apiKey } = await provision(relay, 'other', { url: 'http://127.0.0.1:9/c2c?to={dial_second}' });
    // A premium number is refused by the default policy: a stored, failed document without any PBX.
    const failed = (await (await fetch(`${relay.base}/v1/click2call?dial_first=1001&dial_second=19005550100&page=x&ref=y`, { headers: { 'x-api-key': apiKey } })).json()) as { response: { status_url: string } };
    check('Click2CallResponse', failed);
    check('StatusDocument', await (await fetch(failed.response.status_url)).json());

    const account = await relay.admin('GET', `/admin/v1/accounts/${accountId}`);
    check('Account', account.body.account);
    check('Policy', account.body.account.policy);
    const keys = await relay.admin('GET', `/admin/v1/accounts/${accountId}/keys`);
    for (const key of keys.body.keys) check('ApiKeyInfo', key);
    const history = await relay.admin('GET', `/admin/v1/accounts/${accountId}/requests`);
    for (const row of history.body.requests) check('HistoryRow', row);
    const error = await relay.admin('GET', '/admin/v1/accounts/acct_nope');
    check('HttpError', error.body);

    const asterisk = await provision(relay, 'asterisk', { host: '127.0.0.1', username: 'c2c', secret: 'not-used' });
    const queues = `/admin/v1/accounts/${asterisk.accountId}/agent-queues`;
    const queue = await relay.admin('PUT', `${queues}/sales`, { name: 'Sales', pbx_queue: 'sales', agents: { ann: { number: '1001', interface: 'PJSIP/1001' } } });
    check('AgentQueue', queue.body.agent_queue);
    for (const row of (await relay.admin('GET', queues)).body.agent_queues) check('AgentQueue', row);
    const lists = `/admin/v1/accounts/${asterisk.accountId}/findme`;
    const list = await relay.admin('PUT', `${lists}/desk`, { name: 'Desk', numbers: ['1001', '5551234'], strategy: 'ordered' });
    check('FindMeList', list.body.findme_list);
    for (const row of (await relay.admin('GET', lists)).body.findme_lists) check('FindMeList', row);

    // Refused for an unknown queue, while parsing, and by the policy once the call is built: stored documents with the new entry points' request_data.
    const refusals = [
      '/v1/clicktoagent?queue_id=nope&agent_id=ann&phone_to_call=5550100',
      '/v1/clicktofindme?findme_id=desk&phone_to_call=5550100&no_answer_email=a@example.com',
      '/v1/clicktofindme?findme_id=desk&phone_to_call=5550100&type=2&first_callerid=5559999',
    ];
    for (const url of refusals) {
      const answer = (await (await fetch(`${relay.base}${url}`, { headers: { 'x-api-key': asterisk.apiKey } })).json()) as { response: { status: string; status_url: string } };
      check('Click2CallResponse', answer);
      expect(answer.response.status, url).to.equal('fail');
      check('StatusDocument', await (await fetch(answer.response.status_url)).json());
    }
  });

  it('when /docs is asked for, then the page and its files come from the relay itself, under a policy that allows only this origin', async () => {
    const page = await fetch(`${relay.base}/docs`);
    expect(page.headers.get('content-type')).to.contain('text/html');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).to.contain("script-src 'self'").and.contain("connect-src 'self'").and.contain("frame-ancestors 'none'").and.not.contain('unsafe-eval');
    const html = await page.text();
    for (const src of html.match(/(?:src|href)="[^"]+"/g) ?? []) expect(src, 'nothing from another origin').to.match(/^(?:src|href)="(?:\/docs\/|data:,")/);
    const bundle = await fetch(`${relay.base}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).to.equal(200);
    expect(bundle.headers.get('content-type')).to.contain('javascript');
    expect((await fetch(`${relay.base}/docs/..%2Fpackage.json`)).status).to.equal(404);
    // Elsewhere the strict policy still holds.
    expect((await fetch(`${relay.base}/healthz`)).headers.get('content-security-policy')).to.contain("default-src 'none'").and.not.contain('script-src');
  });
});
