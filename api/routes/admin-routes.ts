import { Router, type Request } from 'express';
import type { Logger } from 'pino';
import type { AccountStore } from '../../shared/accounts/account-store.js';
import { isPbxKind, type PbxKind } from '../../shared/accounts/pbx-settings.js';
import { AppError } from '../../shared/errors.js';
import { bodyOf, requireAdmin } from '../auth/require-admin.js';
import type { StatusStore } from '../../shared/status/status-store.js';
import { historyRoute } from '../history/history-route.js';

export interface AdminRouteDeps {
  adminToken: string;
  accounts: AccountStore;
  statusStore: StatusStore;
  /** Runs a PBX connection test in a worker (only workers open PBX connections). */
  testPbx: (accountId: string, kind: PbxKind) => Promise<{ ok: boolean; detail: string }>;
  logger: Logger;
}

function pbxKind(value: string | undefined): PbxKind {
  if (!isPbxKind(value)) throw new AppError('not_found', 'PBX type must be asterisk, switchvox or other');
  return value;
}

/** The admin API of SPEC §4 under `/admin/v1`: real HTTP statuses, `{"error":{"code","message"}}`. */
export function adminRoutes(deps: AdminRouteDeps): Router {
  const router = Router();
  const { accounts } = deps;
  router.use('/admin/v1', requireAdmin(deps.adminToken));

  // One audit line per change: who (the admin token holder, by address), what, when; never secrets.
  const audit = (req: Request, action: string, fields: Record<string, unknown>) =>
    deps.logger.info({ audit: true, action, actor: 'admin', remote: req.ip, ...fields }, 'admin change');

  router.post('/admin/v1/accounts', async (req, res) => {
    const { name } = bodyOf(req);
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200) throw new AppError('invalid_request', 'name is required (1-200 characters)');
    const account = await accounts.createAccount(name.trim());
    audit(req, 'account.create', { account_id: account.id });
    res.status(201).json({ account });
  });

  router.get('/admin/v1/accounts/:id', async (req, res) => {
    const account = await accounts.requireAccount(req.params.id as string);
    const [pbx, keys] = await Promise.all([accounts.listPbxMasked(account.id), accounts.listKeys(account.id)]);
    res.json({ account: { ...account, pbx, keys } });
  });

  router.post('/admin/v1/accounts/:id/keys', async (req, res) => {
    const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
    const label = typeof body.label === 'string' ? body.label.slice(0, 200) : '';
    const key = await accounts.createKey(req.params.id as string, label);
    audit(req, 'key.create', { account_id: req.params.id, key_id: key.id });
    res.status(201).json({ key });
  });

  router.get('/admin/v1/accounts/:id/keys', async (req, res) => {
    res.json({ keys: await accounts.listKeys(req.params.id as string) });
  });

  router.delete('/admin/v1/accounts/:id/keys/:keyId', async (req, res) => {
    const revoked = await accounts.revokeKey(req.params.id as string, req.params.keyId as string);
    if (!revoked) throw new AppError('not_found', 'key not found');
    audit(req, 'key.revoke', { account_id: req.params.id, key_id: req.params.keyId });
    res.status(204).end();
  });

  router.put('/admin/v1/accounts/:id/pbx/:kind', async (req, res) => {
    const kind = pbxKind(req.params.kind);
    const settings = await accounts.putPbx(req.params.id as string, kind, bodyOf(req));
    audit(req, 'pbx.put', { account_id: req.params.id, pbx: kind });
    res.json({ pbx: kind, settings });
  });

  router.post('/admin/v1/accounts/:id/pbx/:kind/test', async (req, res) => {
    const kind = pbxKind(req.params.kind);
    const account = await accounts.requireAccount(req.params.id as string);
    if (!account.pbx_kinds.includes(kind)) throw new AppError('pbx_not_configured', `The account has no ${kind} PBX connection.`);
    res.json(await deps.testPbx(account.id, kind));
  });

  router.put('/admin/v1/accounts/:id/policy', async (req, res) => {
    const account = await accounts.setPolicy(req.params.id as string, bodyOf(req));
    audit(req, 'policy.put', { account_id: account.id });
    res.json({ policy: account.policy });
  });

  router.get('/admin/v1/accounts/:id/requests', historyRoute(deps));

  return router;
}
