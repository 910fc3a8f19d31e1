import { Router, type Request } from 'express';
import type { Logger } from 'pino';
import type { Account, AccountStore } from '../../shared/accounts/account-store.js';
import { checkResourceId, type ResourceAccount } from '../../shared/accounts/account-resource.js';
import type { AccountResourceStore } from '../../shared/accounts/account-resource-store.js';
import { parseAgentQueue } from '../../shared/agents/agent-queue-settings.js';
import type { AgentQueueStore } from '../../shared/agents/agent-queue-store.js';
import { parseFindMe } from '../../shared/findme/findme-settings.js';
import type { FindMeStore } from '../../shared/findme/findme-store.js';
import { bodyOf, requireAdmin } from '../auth/require-admin.js';

export interface AgentAdminDeps {
  adminToken: string;
  accounts: AccountStore;
  agentQueues: AgentQueueStore;
  findMe: FindMeStore;
  logger: Logger;
}

/** One account resource type as the admin API serves it. */
interface ResourceApi<S extends object> {
  /** The URL segment after the account: `/admin/v1/accounts/{id}/<segment>/{<param>}`. */
  segment: string;
  param: string;
  /** The answer's key for one (`{"agent_queue":…}`) and for the list (`{"agent_queues":[…]}`), and the audit action's prefix. */
  one: string;
  many: string;
  store: AccountResourceStore<S>;
  parse: (input: unknown, account: ResourceAccount) => S;
}

const resourceAccount = (account: Account): ResourceAccount => ({ pbxKinds: account.pbx_kinds, defaultPbx: account.policy.default_pbx });

/**
 * SPEC §9: `/admin/v1/accounts/{id}/agent-queues` and `/admin/v1/accounts/{id}/findme`, each with
 * PUT (create 201 or replace 200), GET, DELETE (204) of one and GET of the list.
 */
export function agentAdminRoutes(deps: AgentAdminDeps): Router {
  const router = Router();
  mount(router, deps, { segment: 'agent-queues', param: 'queue_id', one: 'agent_queue', many: 'agent_queues', store: deps.agentQueues, parse: parseAgentQueue });
  mount(router, deps, { segment: 'findme', param: 'findme_id', one: 'findme_list', many: 'findme_lists', store: deps.findMe, parse: parseFindMe });
  return router;
}

function mount<S extends object>(router: Router, deps: AgentAdminDeps, api: ResourceApi<S>): void {
  const base = `/admin/v1/accounts/:id/${api.segment}`;
  const one = `${base}/:${api.param}`;
  router.use(base, requireAdmin(deps.adminToken));
  const account = (req: Request) => deps.accounts.requireAccount(req.params.id as string);
  const idOf = (req: Request) => req.params[api.param] as string;
  const audit = (req: Request, action: string, accountId: string) =>
    deps.logger.info({ audit: true, action: `${api.one}.${action}`, actor: 'admin', remote: req.ip, account_id: accountId, [api.param]: idOf(req) }, 'admin change');

  router.put(one, async (req, res) => {
    const owner = await account(req);
    const id = checkResourceId(api.param, idOf(req));
    const { created, saved } = await api.store.put(owner.id, id, api.parse(bodyOf(req), resourceAccount(owner)));
    audit(req, created ? 'create' : 'replace', owner.id);
    res.status(created ? 201 : 200).json({ [api.one]: saved });
  });

  router.get(one, async (req, res) => {
    const owner = await account(req);
    res.json({ [api.one]: await api.store.require(owner.id, idOf(req)) });
  });

  router.delete(one, async (req, res) => {
    const owner = await account(req);
    await api.store.remove(owner.id, idOf(req));
    audit(req, 'delete', owner.id);
    res.status(204).end();
  });

  router.get(base, async (req, res) => {
    const owner = await account(req);
    res.json({ [api.many]: await api.store.list(owner.id) });
  });
}
