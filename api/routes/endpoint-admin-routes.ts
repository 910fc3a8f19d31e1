import { Router, type Request } from 'express';
import type { Logger } from 'pino';
import type { Account, AccountStore } from '../../shared/accounts/account-store.js';
import { parseEndpoint, type EndpointSettings } from '../../shared/endpoints/endpoint-settings.js';
import { presentEndpoint, type EndpointStore } from '../../shared/endpoints/endpoint-store.js';
import type { StatusStore } from '../../shared/status/status-store.js';
import { bodyOf, requireAdmin } from '../auth/require-admin.js';
import { answerHistory } from '../history/history-route.js';

export interface EndpointAdminDeps {
  adminToken: string;
  accounts: AccountStore;
  endpoints: EndpointStore;
  statusStore: StatusStore;
  logger: Logger;
}

/** Kazoo wraps a request body in `{"data": …}`; a bare object is accepted too. */
function endpointInput(req: Request): Record<string, unknown> {
  const body = bodyOf(req);
  const data = body.data;
  return data !== null && typeof data === 'object' && !Array.isArray(data) && Object.keys(body).length === 1 ? (data as Record<string, unknown>) : body;
}

function parseFor(account: Account, input: unknown): EndpointSettings {
  return parseEndpoint(input, { pbxKinds: account.pbx_kinds, defaultPbx: account.policy.default_pbx, facts: account.pbx_facts });
}

/** Saved fields to merge a PATCH onto: what was saved, without the endpoint's own bookkeeping. */
function savedSettings(endpoint: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, account_id: _account, created_at: _created, updated_at: _updated, ...settings } = endpoint;
  return settings;
}

/**
 * SPEC §10: `/admin/v1/accounts/{id}/clicktocall` with Kazoo's verbs (PUT create, GET list,
 * GET/POST/PATCH/DELETE one, GET history); answers in Kazoo's `{"data": …}` envelope.
 */
export function endpointAdminRoutes(deps: EndpointAdminDeps): Router {
  const router = Router();
  const base = '/admin/v1/accounts/:id/clicktocall';
  router.use(base, requireAdmin(deps.adminToken));
  const audit = (req: Request, action: string, fields: Record<string, unknown>) =>
    deps.logger.info({ audit: true, action, actor: 'admin', remote: req.ip, ...fields }, 'admin change');
  const account = (req: Request) => deps.accounts.requireAccount(req.params.id as string);

  router.put(base, async (req, res) => {
    const owner = await account(req);
    const endpoint = await deps.endpoints.create(owner.id, parseFor(owner, endpointInput(req)));
    audit(req, 'clicktocall.create', { account_id: owner.id, c2c_id: endpoint.id });
    res.status(201).json({ data: presentEndpoint(endpoint) });
  });

  router.get(base, async (req, res) => {
    const owner = await account(req);
    res.json({ data: (await deps.endpoints.list(owner.id)).map(presentEndpoint) });
  });

  router.get(`${base}/:c2cId`, async (req, res) => {
    const owner = await account(req);
    res.json({ data: presentEndpoint(await deps.endpoints.require(owner.id, req.params.c2cId as string)) });
  });

  router.post(`${base}/:c2cId`, async (req, res) => {
    const owner = await account(req);
    const endpoint = await deps.endpoints.replace(owner.id, req.params.c2cId as string, parseFor(owner, endpointInput(req)));
    audit(req, 'clicktocall.replace', { account_id: owner.id, c2c_id: endpoint.id });
    res.json({ data: presentEndpoint(endpoint) });
  });

  router.patch(`${base}/:c2cId`, async (req, res) => {
    const owner = await account(req);
    const current = await deps.endpoints.require(owner.id, req.params.c2cId as string);
    // A merge: fields given replace the saved ones, `null` removes one.
    const merged = Object.fromEntries(
      Object.entries({ ...savedSettings(current as unknown as Record<string, unknown>), ...endpointInput(req) }).filter(([, value]) => value !== null),
    );
    const endpoint = await deps.endpoints.replace(owner.id, current.id, parseFor(owner, merged));
    audit(req, 'clicktocall.patch', { account_id: owner.id, c2c_id: endpoint.id });
    res.json({ data: presentEndpoint(endpoint) });
  });

  router.delete(`${base}/:c2cId`, async (req, res) => {
    const owner = await account(req);
    await deps.endpoints.remove(owner.id, req.params.c2cId as string);
    audit(req, 'clicktocall.delete', { account_id: owner.id, c2c_id: req.params.c2cId });
    res.status(204).end();
  });

  router.get(`${base}/:c2cId/history`, async (req, res) => {
    const owner = await account(req);
    const endpoint = await deps.endpoints.require(owner.id, req.params.c2cId as string);
    await answerHistory(res, deps.statusStore, deps.endpoints.historyKey(endpoint), req.query as Record<string, unknown>, endpoint.id);
  });

  return router;
}
