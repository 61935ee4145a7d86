import type { Request, Router } from 'express';
import { PreferencesUpdate, uiLanguageFor, type PreferencesResponse } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { PreferencesStore } from '../store/preferences.js';
import { validationError } from '../wire-error.js';

/** A user's preferences with the defaults filled in (also part of the boot answer). */
export async function preferencesOf(principal: Principal, topo: TopologyIndex, store: PreferencesStore): Promise<PreferencesResponse> {
  const chosen = await store.get(principal.userId);
  const side = principal.sideId ? topo.topology.sides.find((s) => s.id === principal.sideId) : undefined;
  return {
    preferences: { language: chosen.language ?? uiLanguageFor(side?.languages ?? []) },
    chosen: chosen.language !== undefined,
  };
}

/**
 * GET /api/me/preferences: the user's console preferences, the defaults filled in (the interface
 * language: their side's working language, English for users of no side).
 * PUT /api/me/preferences: changes them; a bad body is refused (VALIDATION) and changes nothing.
 * Drill tokens may read and set them too: they are the person's, not the traffic's.
 */
export function preferencesRoutes(api: Router, requireAuth: (req: Request) => Principal, topo: TopologyIndex, store: PreferencesStore): void {
  const answer = (principal: Principal) => preferencesOf(principal, topo, store);
  api.get('/me/preferences', async (req, res) => {
    res.json(await answer(requireAuth(req)));
  });
  api.put('/me/preferences', async (req, res) => {
    const principal = requireAuth(req);
    const parsed = PreferencesUpdate.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error.issues);
    await store.update(principal.userId, parsed.data);
    res.json(await answer(principal));
  });
}
