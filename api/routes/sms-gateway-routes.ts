import { Router, type Request } from 'express';
import type { Logger } from 'pino';
import type { AccountStore } from '../../shared/accounts/account-store.js';
import type { SmsGatewayStore } from '../../shared/accounts/sms-gateway-store.js';
import { AppError } from '../../shared/errors.js';
import { bodyOf, requireAdmin } from '../auth/require-admin.js';

export interface SmsGatewayRouteDeps {
  adminToken: string;
  accounts: AccountStore;
  gateways: SmsGatewayStore;
  logger: Logger;
}

/**
 * SPEC §9: `/admin/v1/accounts/{id}/sms-gateway`, the account's SMS gateway for `no_answer_sms`.
 * Secrets go in once and come back masked.
 */
export function smsGatewayRoutes(deps: SmsGatewayRouteDeps): Router {
  const router = Router();
  const path = '/admin/v1/accounts/:id/sms-gateway';
  router.use(path, requireAdmin(deps.adminToken));
  const account = (req: Request) => deps.accounts.requireAccount(req.params.id as string);
  // One audit line per change, as the other admin routes write; never a secret.
  const audit = (req: Request, action: string, accountId: string) =>
    deps.logger.info({ audit: true, action, actor: 'admin', remote: req.ip, account_id: accountId }, 'admin change');

  router.put(path, async (req, res) => {
    const { id } = await account(req);
    const gateway = await deps.gateways.put(id, bodyOf(req));
    audit(req, 'sms_gateway.put', id);
    res.json({ sms_gateway: gateway });
  });

  router.get(path, async (req, res) => {
    const { id } = await account(req);
    const gateway = await deps.gateways.view(id);
    if (gateway === undefined) throw new AppError('not_found', 'The account has no SMS gateway.');
    res.json({ sms_gateway: gateway });
  });

  router.delete(path, async (req, res) => {
    const { id } = await account(req);
    if (!(await deps.gateways.remove(id))) throw new AppError('not_found', 'The account has no SMS gateway.');
    audit(req, 'sms_gateway.delete', id);
    res.status(204).end();
  });

  return router;
}
