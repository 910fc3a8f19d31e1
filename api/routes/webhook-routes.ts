import type { Queue } from 'bullmq';
import { Router, type Request } from 'express';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { AccountStore } from '../../shared/accounts/account-store.js';
import { AppError } from '../../shared/errors.js';
import { viewOf, type DeliveryLog } from '../../shared/webhooks/delivery-log.js';
import type { WebhookStore } from '../../shared/webhooks/webhook-store.js';
import { bodyOf, requireAdmin } from '../auth/require-admin.js';

export interface WebhookRouteDeps {
  adminToken: string;
  accounts: AccountStore;
  webhooks: WebhookStore;
  deliveries: DeliveryLog;
  /** The `webhooks` queue: a re-send is a new delivery job. */
  queue: Queue;
  logger: Logger;
}

const ACCOUNT = '/admin/v1/accounts/:id';
const MAX_LISTED = 200;

/**
 * The admin API of webhooks (SPEC §11): an account's subscriptions and callback hosts (secrets shown
 * once, then masked), its recent deliveries, and re-sending one.
 */
export function webhookRoutes(deps: WebhookRouteDeps): Router {
  const router = Router();
  const admin = requireAdmin(deps.adminToken);
  const account = (req: Request) => deps.accounts.requireAccount(req.params.id as string);
  // One audit line per change, as the other admin routes write; never a secret.
  const audit = (req: Request, action: string, fields: Record<string, unknown>) =>
    deps.logger.info({ audit: true, action, actor: 'admin', remote: req.ip, ...fields }, 'admin change');

  router.put(`${ACCOUNT}/webhooks`, admin, async (req, res) => {
    const { id } = await account(req);
    const webhooks = await deps.webhooks.putSubscriptions(id, req.body);
    audit(req, 'webhooks.put', { account_id: id, subscriptions: webhooks.length });
    res.json({ webhooks });
  });

  router.get(`${ACCOUNT}/webhooks`, admin, async (req, res) => {
    const { id } = await account(req);
    res.json(await deps.webhooks.view(id));
  });

  router.put(`${ACCOUNT}/webhooks/callback-hosts`, admin, async (req, res) => {
    const { id } = await account(req);
    const callback = await deps.webhooks.putCallbackHosts(id, bodyOf(req));
    audit(req, 'webhooks.callback_hosts.put', { account_id: id, hosts: callback.callback_hosts.length });
    res.json(callback);
  });

  router.get(`${ACCOUNT}/webhooks/deliveries`, admin, async (req, res) => {
    const { id } = await account(req);
    const limit = Math.min(Math.max(Number(req.query.limit) || 50, 1), MAX_LISTED);
    res.json({ deliveries: await deps.deliveries.list(id, limit) });
  });

  router.post(`${ACCOUNT}/webhooks/deliveries/:deliveryId/resend`, admin, async (req, res) => {
    const { id } = await account(req);
    const original = await deps.deliveries.get(req.params.deliveryId as string);
    if (!original || original.job.account_id !== id) throw new AppError('not_found', 'delivery not found');
    const { target } = original.job;
    if (target.kind === 'subscription' && !(await deps.webhooks.load(id)).subscriptions.some((entry) => entry.id === target.subscription_id)) {
      throw new AppError('conflict', 'The subscription of this delivery was removed; there is nowhere to send it.');
    }
    // A new delivery of the same event: its own attempts and 24 h of retries, the same C2C-Webhook-Id.
    const root = original.resend_of ?? original.job.delivery_id;
    // Sent when asked, not in line behind the call's other events (`after`).
    const { after: _after, ...sent } = original.job;
    const job = { ...sent, delivery_id: `${root}_rs${randomBytes(4).toString('hex')}` };
    await deps.deliveries.enqueue(deps.queue, [{ job, url: original.url, resendOf: root }]);
    audit(req, 'webhooks.delivery.resend', { account_id: id, delivery_id: original.job.delivery_id, resend_id: job.delivery_id });
    const created = await deps.deliveries.get(job.delivery_id);
    res.status(202).json({ delivery: created ? viewOf(created) : { id: job.delivery_id } });
  });

  return router;
}
