import { createHash } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { canonicalize, redactConfigValue, type LoginResponse } from '@hotline/shared';
import { rawSigner, rawSocket } from './clients.js';
import { TEST_PASSWORD } from './topology.js';
import { nextEvent } from './wait.js';

/** Logs in over HTTP from `address` (X-Forwarded-For: the servers trust the loopback proxy). */
export async function login(url: string, username: string, password = TEST_PASSWORD, address?: string): Promise<{ status: number; body: LoginResponse & { error?: { code: string; message: string; details?: Record<string, unknown> } } }> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(address ? { 'x-forwarded-for': address } : {}) },
    body: JSON.stringify({ username, password }),
  });
  return { status: res.status, body: (await res.json()) as LoginResponse };
}

/** The session id inside a token (a JWT). */
export function sidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sid: string }).sid;
}

export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of many routes, asserted on by the tests
  body: any;
}

/** An HTTP call with a bearer token. */
export async function api(url: string, token: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // an export: ndjson
  }
  return { status: res.status, body: parsed };
}

/**
 * An admin logged in on a node, with a signing key registered over a socket of the same session: the
 * changes it makes are signed like a console's (act config:change).
 */
export async function adminSession(url: string, username = 'admin', password = TEST_PASSWORD) {
  const { body } = await login(url, username, password);
  const socket: Socket = rawSocket(url, body.token);
  await nextEvent(socket, 'connect');
  const signer = await rawSigner(socket, username);
  const change = async (method: 'PUT' | 'DELETE', section: string, itemId: string | null, version: number, value?: unknown, options: { on?: string; kind?: 'list' | 'value' } = {}): Promise<ApiAnswer> => {
    const op = method === 'DELETE' ? 'remove' : (options.kind ?? (itemId ? 'list' : 'value')) === 'list' ? 'put' : 'replace';
    const valueHash = createHash('sha256').update(canonicalize(method === 'DELETE' ? null : redactConfigValue(value ?? null)), 'utf8').digest('hex');
    const sig = (await signer.sign('config:change', { baseVersion: version, section, op, itemId, valueHash })).sig;
    return api(options.on ?? url, body.token, method, `/api/admin/config/${section}${itemId ? `/${itemId}` : ''}`, { version, ...(value === undefined ? {} : { value }), sig });
  };
  return {
    token: body.token,
    socket,
    change,
    async version(on = url): Promise<number> {
      return (await api(on, body.token, 'GET', '/api/admin/config')).body.version as number;
    },
    close: () => socket.close(),
  };
}
